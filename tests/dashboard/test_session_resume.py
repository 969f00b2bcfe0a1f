"""The app's side of the session cookie, through the real login form (AppTest): a login
hands the page a one-time code; a new tab whose browser sends the resulting cookie is
logged in without the form, as the account is now; logout in one tab, a disabled account
or a forged cookie sends it back to the form; period and category live in the address.

AppTest's client sends no cookies, so dashboard.auth.browser_cookie is pointed at the
cookie the route would have set (the route itself: tests/dashboard/test_session_cookie.py;
the whole handshake in Chromium: tests/e2e/test_session_links.py)."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import SESSION_ID_KEY
from data.db import get_engine
from data.users import set_disabled
from data.web_sessions import redeem_handoff, session_key, sign
from tests.dashboard.conftest import APP, login
from tests.dashboard.test_access import login_form_shown


@pytest.fixture(autouse=True)
def key_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PAOBAN_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("PAOBAN_SESSION_KEY", raising=False)


def handed_cookie(at: AppTest) -> str:
    """Redeem the code the page's script posts, as the route does, and sign the token."""
    scripts = [e.proto.body for e in at.sidebar.get("html") if "paoban-session" in e.proto.body]
    assert len(scripts) == 1, scripts
    assert 'method: "POST"' in scripts[0]
    code = re.search(r'body: "([^"]+)"', scripts[0]).group(1)
    with get_engine().begin() as conn:
        token = redeem_handoff(conn, code, None)
    return sign(token, session_key())


def new_tab(monkeypatch, cookie: str | None, **query: str) -> AppTest:
    """A page load (a reload, a bookmark, a new tab) whose browser sends `cookie`."""
    monkeypatch.setattr("dashboard.auth.browser_cookie", lambda: cookie)
    tab = AppTest.from_file(APP, default_timeout=30)
    tab.query_params.update(query)
    tab.run()
    assert not tab.exception, [e.value for e in tab.exception]
    return tab


def test_a_new_tab_resumes_until_logout_in_another_tab(app, dashboard_store, monkeypatch):
    login(app, "leader")
    cookie = handed_cookie(app)
    app.run()
    assert not [e for e in app.sidebar.get("html") if "paoban-session" in e.proto.body]  # handed over once
    tab = new_tab(monkeypatch, cookie)
    assert tab.session_state["viewer"].username == "leader"
    assert tab.session_state[SESSION_ID_KEY] == app.session_state[SESSION_ID_KEY]
    assert "排名总览" in [t.value for t in tab.title]
    next(b for b in app.sidebar.button if b.label == "退出登录").click().run()
    assert login_form_shown(app)
    assert [e.proto.body for e in app.get("html") if 'method: "DELETE"' in e.proto.body]  # clears the cookie
    tab.run()
    assert login_form_shown(tab) and "已在其他窗口退出登录" in tab.warning[0].value
    assert login_form_shown(new_tab(monkeypatch, cookie))


def test_the_cookie_grants_only_what_the_account_has_now(app, dashboard_store, monkeypatch):
    login(app, "leader")
    cookie = handed_cookie(app)
    with get_engine().begin() as conn:
        set_disabled(conn, "leader", True, actor="root")
    tab = new_tab(monkeypatch, cookie)
    assert login_form_shown(tab) and "停用" in tab.warning[0].value
    token, _, signature = cookie.rpartition(".")
    forged = new_tab(monkeypatch, f"{token}x.{signature}")
    assert login_form_shown(forged) and not forged.warning


def test_a_reload_reopens_the_period_and_category_of_the_address(app, dashboard_store, monkeypatch):
    login(app, "leader")
    cookie = handed_cookie(app)
    app.selectbox(key="ranking_period_month").set_value("2026-11").run()
    app.radio(key="ranking_category").set_value("district").run()
    assert (app.query_params["period"], app.query_params["category"]) == ("2026-11", "district")
    reload = new_tab(monkeypatch, cookie, **app.query_params)
    assert reload.selectbox(key="ranking_period_month").value == "2026-11"
    assert reload.radio(key="ranking_category").value == "district"
