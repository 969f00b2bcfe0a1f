"""Streamlit entry point: login first, then the pages the viewer's role may open.

A page file that is not on disk yet is left out, so the app always starts.
"""

from __future__ import annotations

import streamlit as st

from dashboard.alert_badge import ALERT_PAGES, alert_title
from dashboard.auth import PAGE_ACCESS, PAGES_DIR, current_viewer, session_viewer
from dashboard.deep_links import HOME_PATH, login_pages, stand_in_pages
from dashboard.inbox import INBOX_PAGE, inbox_title
from dashboard.layout import readable_text
from dashboard.unknown_pages import not_found_notice
from data.viewer import Viewer


def no_pages() -> None:
    current_viewer()
    st.title("跑办督考台")
    st.info("您的账号目前没有可访问的页面，请联系管理员。")


def pages_for(viewer: Viewer) -> dict[str, list]:
    sections: dict[str, list] = {}
    for filename, (section, title, icon, roles) in PAGE_ACCESS.items():
        path = PAGES_DIR / filename
        if viewer.role in roles and path.is_file():
            title = inbox_title(viewer, title) if filename == INBOX_PAGE else title
            title = alert_title(viewer, filename, title) if filename in ALERT_PAGES else title
            sections.setdefault(section, []).append(st.Page(path, title=title, icon=icon))
    return sections or {"": [st.Page(no_pages, title="首页", url_path=HOME_PATH)]}


st.set_page_config(page_title="跑办督考台", page_icon=":material/fact_check:", layout="wide")
readable_text()
viewer = session_viewer()
if viewer is None:
    page = st.navigation(login_pages(), position="hidden")
else:
    sections = pages_for(viewer)
    first = next(iter(sections.values()))[0]
    list(sections.values())[-1].extend(stand_in_pages(viewer, first))  # hidden: they keep addresses alive
    page = st.navigation(sections)
not_found_notice()
page.run()
