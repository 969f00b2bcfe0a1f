"""Addresses that survive a reload, a bookmark and a shared link.

Logged out, the login form answers at every page's address, so a deep link keeps its
address and query through the login and opens that page after it (never Streamlit's
English "Page not found"). Logged in, a page the role may not open answers at its address
too: a department user's link to 部门详情 shows their own 我的得分 for the same period,
anyone else is told the page is not theirs. Access is still decided by dashboard.auth on
every run; these pages only keep the address meaningful.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.auth import PAGE_ACCESS, PAGES_DIR, current_viewer, login_page
from data.viewer import Viewer

LOGIN_PATH = "login"
HOME_PATH = "home"  # app.py's page for an account with no page
OWN_PAGE = {"department": ("department.py", "my_scores.py")}  # role → (asked-for page, its own page)
REFUSED = "您的账号无权访问此页面。如需开通，请联系管理员。"
KEPT_PARAMS = ("period", "category")


def _present() -> list[str]:
    return [name for name in PAGE_ACCESS if (PAGES_DIR / name).is_file()]


def login_pages() -> list[st.Page]:
    pages = [st.Page(login_page, title="登录", url_path=LOGIN_PATH, default=True)]
    return pages + [
        st.Page(login_page, title="登录", url_path=Path(name).stem, visibility="hidden") for name in _present()
    ]


def _own_page(filename: str):
    def show() -> None:
        kept = {k: st.query_params[k] for k in KEPT_PARAMS if k in st.query_params}
        st.switch_page(f"views/{filename}", query_params=kept)

    return show


def _refused() -> None:
    current_viewer()
    st.title("跑办督考台")
    st.error(REFUSED)


def _first_page(page: st.Page):
    def show() -> None:
        st.switch_page(page)

    return show


def stand_in_pages(viewer: Viewer, first: st.Page) -> list[st.Page]:
    """Hidden pages at the addresses this viewer has no page for: the login address, and
    every page of another role."""
    asked, own = OWN_PAGE.get(viewer.role, (None, None))
    pages = [st.Page(_first_page(first), title="登录", url_path=LOGIN_PATH, visibility="hidden")]
    for name in _present():
        if viewer.role in PAGE_ACCESS[name][3]:
            continue
        show = _own_page(own) if name == asked and viewer.role in PAGE_ACCESS[own][3] else _refused
        pages.append(st.Page(show, title=PAGE_ACCESS[name][1], url_path=Path(name).stem, visibility="hidden"))
    return pages
