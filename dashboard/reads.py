"""Cached, viewer-scoped reads for the pages: one cache in front of data.queries.

The cache key holds everything that changes an answer: the query, the store URL, the
viewer (role and department) and the arguments. A short ttl lets a collector run show
up on the next page load without restarting the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from data.db import get_engine
from data.settings import get_settings
from data.viewer import Viewer

CACHE_SECONDS = 60


def store_url() -> str:
    return get_settings().database_url


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=2000)
def _cached(_query: Callable, name: str, url: str, viewer: Viewer, args: tuple, kwargs: tuple):
    """`_query` is left out of the cache key (the leading underscore); its `name` is in it."""
    with get_engine(url).connect() as conn:
        return _query(conn, viewer, *args, **dict(kwargs))


def read(query: Callable, viewer: Viewer, *args, **kwargs):
    """Run a data.queries function, query(conn, viewer, *args, **kwargs), through the cache."""
    return _cached(
        query, f"{query.__module__}.{query.__qualname__}", store_url(), viewer, args, tuple(sorted(kwargs.items()))
    )
