"""The alert badge: the open alerts the viewer may see ride in the title of the page that shows
them (预警 for inspectors and leaders, 我的得分 for a department, 数据源状态 for collector health)."""

from __future__ import annotations

from dashboard.reads import store_url
from data import alert_queries
from data.db import get_engine
from data.viewer import Viewer

# page file → which alerts it lists: False every department's, True collector health
ALERT_PAGES = {"alerts.py": False, "my_scores.py": False, "sources.py": True}


def alert_title(viewer: Viewer, page: str, title: str) -> str:
    with get_engine(store_url()).connect() as conn:
        count = alert_queries.open_count(conn, viewer, health=ALERT_PAGES[page])
    return f"{title}（{count} 条预警）" if count else title
