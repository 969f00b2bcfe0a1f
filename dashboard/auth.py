"""Who is looking: the login form, single sign-on, the session cookie, inactivity expiry
and logout.

The session holds the Viewer the login produced, the time of the last activity and the id
of its server-side record (data.web_sessions), whose signed cookie lets a reload, a
bookmark or a new tab resume without logging in again. Every run re-reads the account
from the store and checks the record is still alive, so a disabled account, a changed
role or a logout in another tab takes effect at the next click, and neither a value
planted in session state nor a cookie grants anything the store does not.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.session_cookie import cookie_lifetime, cookie_script
from data.clock import utcnow
from data.db import get_engine
from data.models import ROLES
from data.settings import get_settings
from data.users import active_viewer, authenticate, login_by_email, record_logout
from data.viewer import Viewer
from data.web_sessions import (
    COOKIE_NAME,
    close_session,
    new_handoff,
    open_session,
    resume,
    session_key,
    touch,
    unsigned,
)

PAGES_DIR = Path(__file__).resolve().parent / "views"
ALL_DEPTS = frozenset({"leader", "inspector", "admin"})
# Page files under dashboard/views/ → (section, title, icon, roles that may open it)
PAGE_ACCESS = {
    "ranking.py": ("督考", "排名总览", ":material/leaderboard:", ALL_DEPTS),
    "department.py": ("督考", "部门详情", ":material/apartment:", ALL_DEPTS),
    "my_scores.py": ("督考", "我的得分", ":material/grading:", frozenset({"department"})),
    "compare.py": ("督考", "对比", ":material/compare_arrows:", ALL_DEPTS | {"department"}),
    "alerts.py": ("督办", "预警", ":material/notification_important:", frozenset({"inspector", "leader"})),
    "supervision.py": ("督办", "督查督办", ":material/assignment_late:", ALL_DEPTS),
    "rectification.py": ("督办", "我的整改", ":material/task_alt:", frozenset({"department"})),
    "appeals.py": ("督办", "申诉", ":material/gavel:", frozenset(ROLES)),
    "publication.py": ("督办", "考核发布", ":material/campaign:", frozenset({"leader", "admin"})),
    "inbox.py": ("督办", "消息", ":material/notifications:", frozenset(ROLES)),
    "scheme_editor.py": ("管理", "考核方案与模拟", ":material/tune:", frozenset({"admin", "leader"})),
    "sources.py": ("管理", "数据源状态", ":material/sync:", frozenset({"admin"})),
    "admin_users.py": ("管理", "用户管理", ":material/group:", frozenset({"admin"})),
    "admin_audit.py": ("管理", "审计日志", ":material/history:", frozenset({"admin"})),
}
VIEWER_KEY = "viewer"
LAST_SEEN_KEY = "last_seen"  # naive UTC time of the viewer's latest run
NOTICE_KEY = "login_notice"
SSO_REJECTED_KEY = "sso_rejected"
SESSION_ID_KEY = "web_session_id"  # id of the data.web_sessions record
COOKIE_AT_KEY = "cookie_at"  # naive UTC time this tab last had the cookie handed over
CLEAR_COOKIE_KEY = "clear_cookie"


def oidc_configured() -> bool:
    """Single sign-on is on when Streamlit secrets hold an [auth] section."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def _sso_identity() -> str | None:
    """The e-mail the identity provider vouched for, if single sign-on is on and used."""
    if not oidc_configured() or not st.user.get("is_logged_in"):
        return None
    return str(st.user.get("email") or "")


def _start_session(viewer: Viewer) -> None:
    st.session_state[VIEWER_KEY] = viewer
    st.session_state[LAST_SEEN_KEY] = utcnow()


def _logged_in(viewer: Viewer) -> None:
    """A fresh login: a new session record, whose cookie the page fetches on its next run."""
    with get_engine().begin() as conn:
        st.session_state[SESSION_ID_KEY] = open_session(conn, viewer.username)
    _start_session(viewer)


def _end_session(viewer: Viewer, reason: str, notice: str | None = None) -> None:
    with get_engine().begin() as conn:
        record_logout(conn, viewer.username, reason=reason)
        if st.session_state.get(SESSION_ID_KEY) is not None:
            close_session(conn, st.session_state[SESSION_ID_KEY])
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[CLEAR_COOKIE_KEY] = True
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if _sso_identity() is not None:
        st.logout()


def _sso_login() -> Viewer | None:
    email = _sso_identity()
    if email is None or st.session_state.get(SSO_REJECTED_KEY) == email:
        return None
    with get_engine().begin() as conn:
        result = login_by_email(conn, email)
    if not result.ok:
        st.session_state[SSO_REJECTED_KEY] = email
        st.session_state[NOTICE_KEY] = result.message
        return None
    _logged_in(result.viewer)
    return result.viewer


def _idle_notice(minutes: int) -> str:
    return f"您已超过 {minutes} 分钟未操作，系统已自动退出，请重新登录"


def browser_cookie() -> str | None:
    """The session cookie the browser sent when this tab connected (AppTest's stand-in
    client sends no real cookies)."""
    value = st.context.cookies.get(COOKIE_NAME)
    return value if isinstance(value, str) else None


def _cookie_login() -> Viewer | None:
    """Resume the session a correctly signed cookie names, if its record is alive and its
    account enabled; the account, not the cookie, says who the viewer is."""
    cookie = browser_cookie()
    token = unsigned(cookie, session_key()) if cookie else None
    if token is None:
        return None
    with get_engine().begin() as conn:
        found = resume(conn, token)
        current = active_viewer(conn, found.username) if found.username else None
        if found.username and current is None:
            close_session(conn, found.session_id)
            st.session_state[NOTICE_KEY] = "账号已停用，请联系管理员"
    if found.idle:
        st.session_state[NOTICE_KEY] = _idle_notice(get_settings().session_idle_minutes)
    if current is None:
        return None
    st.session_state[SESSION_ID_KEY] = found.session_id
    _start_session(current)
    return current


def session_viewer() -> Viewer | None:
    """The logged-in viewer as the store knows it now, refreshing the inactivity timer.

    A new tab or a reload resumes from the session cookie. None when nobody is logged in,
    the session sat idle too long (in every tab of the browser), was ended in another tab,
    or the account was disabled meanwhile; the last three leave a notice for the login form.
    """
    viewer = st.session_state.get(VIEWER_KEY)
    if not isinstance(viewer, Viewer):
        return _cookie_login() or _sso_login()
    idle_minutes = get_settings().session_idle_minutes
    now = utcnow()
    last_seen = st.session_state.get(LAST_SEEN_KEY)
    tab_idle = last_seen is None or now - last_seen > timedelta(minutes=idle_minutes)
    session_id = st.session_state.get(SESSION_ID_KEY)
    if tab_idle and session_id is None:
        _end_session(viewer, "idle", _idle_notice(idle_minutes))
        return None
    with get_engine().begin() as conn:
        current = active_viewer(conn, viewer.username)
        # The record is shared by the browser's tabs: one tab's activity keeps the others in.
        alive = session_id is None or touch(conn, session_id, now)
    if current is None:
        _end_session(viewer, "disabled", "账号已停用，请联系管理员")
        return None
    if not alive:
        if tab_idle:
            _end_session(viewer, "idle", _idle_notice(idle_minutes))
        else:
            _end_session(viewer, "revoked", "您已在其他窗口退出登录，请重新登录")
        return None
    _start_session(current)
    return current


def running_page() -> str | None:
    """File name of the dashboard/views script this run executes, if any."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    path = (ctx.pages_manager.get_pages().get(ctx.page_script_hash) or {}).get("script_path")
    if path and Path(path).resolve().parent == PAGES_DIR:
        return Path(path).name
    return None


def current_viewer() -> Viewer:
    """For pages: the viewer, or the login form and a stop when there is none.

    Also stops a page the viewer's role may not open. Navigation already hides such
    pages; the page refuses too, so access never rests on navigation alone. (The folder is
    views/, not pages/: Streamlit would serve a pages/ folder beside app.py as an old-style
    multipage app, reachable by URL before app.py declares its navigation.)
    """
    viewer = session_viewer()
    if viewer is None:
        login_page()
        st.stop()
    page = running_page()
    if page is not None and (page not in PAGE_ACCESS or viewer.role not in PAGE_ACCESS[page][3]):
        st.error("您的账号无权访问此页面。如需开通，请联系管理员。")
        st.stop()
    _identity_and_logout(viewer)
    return viewer


def login_page() -> None:
    st.title("跑办督考台")
    st.subheader("用户登录")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(notice)
    with st.form("login", clear_on_submit=True):
        username = st.text_input("用户名")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        with get_engine().begin() as conn:
            result = authenticate(conn, username, password)
        if result.ok:
            _logged_in(result.viewer)
            st.rerun()
        st.error(result.message)
    if oidc_configured():
        st.divider()
        if st.button("使用统一身份认证登录"):
            st.login()
    st.caption("忘记密码或账号被锁定，请联系系统管理员。")
    if st.session_state.pop(CLEAR_COOKIE_KEY, False):
        st.html(cookie_script("DELETE"), unsafe_allow_javascript=True)


def _identity_and_logout(viewer: Viewer) -> None:
    """Sidebar block on every page: who is logged in, and the way out."""
    st.sidebar.caption(f"当前用户：{viewer.display_name}（{ROLES[viewer.role]}）")
    if st.sidebar.button("退出登录"):
        _end_session(viewer, "user", "您已退出登录")
        st.rerun()
    _hand_over_cookie()


def _hand_over_cookie() -> None:
    """Give the browser its session cookie after a login or a reload, and again each half
    idle window so the cookie lasts as long as the session does."""
    session_id = st.session_state.get(SESSION_ID_KEY)
    handed = st.session_state.get(COOKIE_AT_KEY)
    now = utcnow()
    if session_id is None or (handed is not None and now - handed < cookie_lifetime() / 2):
        return
    with get_engine().begin() as conn:
        code = new_handoff(conn, session_id, now)
    st.session_state[COOKIE_AT_KEY] = now
    with st.sidebar:
        st.html(cookie_script("POST", code), unsafe_allow_javascript=True)
