"""Cached, viewer-scoped reads for the pages: one cache in front of data.queries.

The cache key holds everything that changes an answer: the query, the store URL, the
viewer (role and department) and the arguments. A short ttl lets a collector run show
up on the next page load without restarting the dashboard.
"""
from __future__ import annotations

import streamlit as st

from data import queries
from data.db import get_engine
from data.settings import get_settings
from data.viewer import Viewer

CACHE_SECONDS = 60


def store_url() -> str:
    return get_settings().database_url


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=2000)
def _cached(query: str, url: str, viewer: Viewer, args: tuple, kwargs: tuple):
    with get_engine(url).connect() as conn:
        return getattr(queries, query)(conn, viewer, *args, **dict(kwargs))


def read(query: str, viewer: Viewer, *args, **kwargs):
    """Run data.queries.<query>(conn, viewer, *args, **kwargs) through the cache."""
    return _cached(query, store_url(), viewer, args, tuple(sorted(kwargs.items())))
