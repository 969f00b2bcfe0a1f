"""The inbox's navigation title: the unread count rides in it, so every page shows it."""

from __future__ import annotations

from dashboard.reads import store_url
from data import notifications
from data.db import get_engine
from data.viewer import Viewer

INBOX_PAGE = "inbox.py"


def inbox_title(viewer: Viewer, title: str) -> str:
    with get_engine(store_url()).connect() as conn:
        unread = notifications.unread_count(conn, viewer)
    return f"{title}（{unread} 条未读）" if unread else title
