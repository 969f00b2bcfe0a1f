"""Cached, viewer-scoped reads for the pages: one cache in front of data.queries.

The cache key holds everything that changes an answer: the query, the store URL, the
viewer's scope (role and department) and the arguments. Every query read through here
filters by role and department only, never by who the user is, so all leaders share one
entry and each department's users one of their own: forty liaisons opening their pages
before a meeting run each department's queries once, not forty times. What is one
person's (inbox, own appeals) is read directly, not through this cache. Every key also
holds the stored scores' version (data.queries.scores_version, read at most once a second):
a new computation or publication, by a collector or by an exemption on any replica, shows on
the next page load; the ttl only bounds what else may be a minute old.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from data.db import get_engine
from data.queries import scores_version
from data.settings import get_settings
from data.viewer import Viewer

CACHE_SECONDS = 60
VERSION_SECONDS = 1


def store_url() -> str:
    return get_settings().database_url


@st.cache_data(ttl=VERSION_SECONDS, show_spinner=False)
def _version(url: str) -> tuple:
    with get_engine(url).connect() as conn:
        return scores_version(conn)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=2000)
def _cached(
    _query: Callable, name: str, url: str, version: tuple, _viewer: Viewer, scope: tuple, args: tuple, kwargs: tuple
):
    """`_query` and `_viewer` are left out of the cache key (the leading underscore); the
    query's `name` and the viewer's `scope` are in it. A refusal (AccessDenied) is raised,
    not cached, so each viewer gets its own words."""
    with get_engine(url).connect() as conn:
        return _query(conn, _viewer, *args, **dict(kwargs))


def read(query: Callable, viewer: Viewer, *args, **kwargs):
    """Run a data.queries function, query(conn, viewer, *args, **kwargs), through the cache."""
    url = store_url()
    return _cached(
        query,
        f"{query.__module__}.{query.__qualname__}",
        url,
        _version(url),
        viewer,
        (viewer.role, viewer.dept_id),
        args,
        tuple(sorted(kwargs.items())),
    )
