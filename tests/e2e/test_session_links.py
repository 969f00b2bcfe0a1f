"""Reloads, shared links and the session cookie in a real Chromium (issue #17): F5 keeps the
user logged in on the same page, department and period; a link opened logged out goes
through the login form to that page; an idle, logged-out or forged cookie is refused; a
department user's link to another department shows their own page; another dashboard
process on the same store resumes the session. Screenshots go to
test-artifacts/screenshots/session_*.png."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from dashboard.deep_links import REFUSED
from data.clock import utcnow
from data.db import make_engine
from data.models import Department, WebSession
from data.web_sessions import COOKIE_NAME
from tests.e2e.test_browser import (  # noqa: F401  (fixtures)
    PASSWORD,
    REPO,
    TIMEOUT_MS,
    browser,
    free_port,
    logged_in,
    open_page,
    server,
    shot,
    wait_healthy,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def session_cookie(context) -> dict:
    """The cookie the page fetched after the login (a same-origin POST, so it may lag)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        found = [c for c in context.cookies() if c["name"] == COOKIE_NAME]
        if found:
            return found[0]
        time.sleep(0.25)
    raise AssertionError("no session cookie was set")


def pick(page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option).click()
    wait_idle(page)


def shows(page, department: str, period: str) -> None:
    page.get_by_role("heading", name="部门详情").wait_for()
    page.get_by_role("heading", name=department, exact=True).wait_for()
    wait_idle(page)
    expect(page.get_by_role("combobox", name="考核周期")).to_have_value(re.compile(period), timeout=TIMEOUT_MS)


def login_form(page) -> None:
    page.get_by_role("button", name="登录").wait_for()
    wait_idle(page)
    assert "Page not found" not in page.inner_text("body")


def submit(page, username: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_reload_and_shared_link_keep_page_department_and_period(server, browser):  # noqa: F811
    base, url = server
    context, page = logged_in(browser, base, "leader")
    page.get_by_role("heading", name="排名总览").wait_for()
    cookie = session_cookie(context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    assert 0 < cookie["expires"] - time.time() <= 30 * 60 + 5  # the idle window
    open_page(page, "部门详情")
    pick(page, "部门", "市人社局（市直部门）")
    pick(page, "考核周期", "2026年11月（进行中）")
    shows(page, "市人社局", "2026年11月")
    # the picker shows its choice at once; the address follows when the rerun has run
    expect(page).to_have_url(re.compile(r"period=2026-11"), timeout=TIMEOUT_MS)
    link = page.url
    assert "period=2026-11" in link and "dept=" in link and cookie["value"].split(".")[0] not in link

    page.reload()
    shows(page, "市人社局", "2026年11月")
    assert page.url == link
    shot(page, "session_after_reload")

    stranger = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    other = stranger.new_page()
    other.set_default_timeout(TIMEOUT_MS)
    other.goto(link)
    login_form(other)
    shot(other, "session_shared_link_login")
    submit(other, "inspector")
    shows(other, "市人社局", "2026年11月")
    shot(other, "session_shared_link_opened")
    stranger.close()

    page.get_by_role("button", name="退出登录").click()
    login_form(page)
    expect(page.get_by_text("您已退出登录")).to_be_visible()
    deadline = time.monotonic() + 10
    while any(c["name"] == COOKIE_NAME for c in context.cookies()) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert not any(c["name"] == COOKIE_NAME for c in context.cookies()), "logout left the cookie in the browser"
    context.close()

    replay = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    replay.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path", "httpOnly", "sameSite")}])
    again = replay.new_page()
    again.set_default_timeout(TIMEOUT_MS)
    again.goto(link)
    login_form(again)  # the logged-out session's cookie is refused
    replay.close()


def test_idle_and_forged_cookies_are_refused(server, browser):  # noqa: F811
    base, url = server
    context, page = logged_in(browser, base, "leader")
    page.get_by_role("heading", name="排名总览").wait_for()
    cookie = session_cookie(context)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            update(WebSession.__table__)
            .where(WebSession.username == "leader")
            .values(last_seen_at=utcnow() - timedelta(minutes=31))
        )
    engine.dispose()
    page.reload()
    login_form(page)
    expect(page.get_by_text("系统已自动退出")).to_be_visible()
    shot(page, "session_idle_expired")
    context.close()

    forged = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    token, _, signature = cookie["value"].rpartition(".")
    forged.add_cookies([{"name": COOKIE_NAME, "value": f"{token}.{'0' * len(signature)}", "url": base}])
    page = forged.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base)
    login_form(page)
    forged.close()


def test_department_user_link_to_another_department_shows_their_own(server, browser):  # noqa: F811
    base, url = server
    engine = make_engine(url)
    with engine.connect() as conn:
        police = conn.execute(select(Department.id).where(Department.name == "市公安局")).scalar_one()
    engine.dispose()
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base}/department?dept={police}&period=2026-11")
    login_form(page)
    submit(page, "weijian")
    page.get_by_role("heading", name="我的得分").wait_for()
    wait_idle(page)
    expect(page.get_by_role("combobox", name="考核周期")).to_have_value(re.compile("2026年11月"), timeout=TIMEOUT_MS)
    body = page.inner_text("body")
    assert "市卫健委" in body and "市公安局" not in body and "Page not found" not in body
    shot(page, "session_department_user_link")
    page.goto(f"{base}/sources")  # an administrator's page, typed in: refused in Chinese, still logged in
    expect(page.get_by_text(REFUSED)).to_be_visible()
    assert "Page not found" not in page.inner_text("body")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    shot(page, "session_refused_page")
    context.close()


def test_another_dashboard_process_resumes_the_session(server, browser):  # noqa: F811
    """A replica (or the same one restarted) holds none of the tab's state: the cookie and the
    store's record are enough, with the key both processes share (session.key in the var dir)."""
    base, url = server
    context, page = logged_in(browser, base, "leader")
    page.get_by_role("heading", name="排名总览").wait_for()
    session_cookie(context)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PAOBAN_VAR_DIR": str(Path(url.removeprefix("sqlite:///")).parent)}
    replica = subprocess.Popen(
        [sys.executable, "-m", "dashboard", f"--server.port={port}", "--server.headless=true"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        other = f"http://127.0.0.1:{port}"
        wait_healthy(other, replica)
        page.goto(f"{other}/department?period=2026-11")  # cookies are per host, not per port
        page.get_by_role("heading", name="部门详情").wait_for()
        wait_idle(page)
        expect(page.get_by_role("combobox", name="考核周期")).to_have_value(
            re.compile("2026年11月"), timeout=TIMEOUT_MS
        )
    finally:
        replica.terminate()
        replica.wait(timeout=10)
    context.close()
