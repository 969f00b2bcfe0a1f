"""An address that is no page, typed in a real Chromium (issue #17): logged out or logged
in, the user lands on the home page (the login form, or the first page of the role) with
"您打开的地址不存在，已为您打开首页。", never Streamlit's English "Page not found" dialog; a
role's first page opened by name (/ranking, /my_scores) opens with its period.
Screenshots: test-artifacts/screenshots/unknown_address_*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.unknown_pages import NOT_FOUND_FLAG, NOT_FOUND_NOTICE
from tests.e2e.test_browser import (  # noqa: F401  (fixtures)
    TIMEOUT_MS,
    browser,
    logged_in,
    server,
    shot,
    wait_idle,
)
from tests.e2e.test_session_links import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def lands_home(page, base: str) -> None:
    expect(page.get_by_text(NOT_FOUND_NOTICE)).to_be_visible(timeout=TIMEOUT_MS)
    wait_idle(page)
    page.wait_for_timeout(1500)  # Streamlit's dialog would open after the run that found no page
    assert "Page not found" not in page.inner_text("body")
    assert page.url.startswith(f"{base}/") and NOT_FOUND_FLAG not in page.url  # shown once, then dropped


def test_an_unknown_address_opens_home_in_chinese(server, browser):  # noqa: F811
    base, _ = server
    stranger = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = stranger.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base}/no-such-page")
    lands_home(page, base)
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    shot(page, "unknown_address_logged_out")
    stranger.close()

    context, page = logged_in(browser, base, "leader")
    page.get_by_role("heading", name="排名总览").wait_for()
    wait_idle(page)
    page.goto(f"{base}/ranking-old?period=2026-10")
    lands_home(page, base)
    page.get_by_role("heading", name="排名总览").wait_for()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()  # still logged in
    shot(page, "unknown_address_logged_in")
    page.reload()
    wait_idle(page)
    page.get_by_role("heading", name="排名总览").wait_for()
    expect(page.get_by_text(NOT_FOUND_NOTICE)).to_have_count(0)
    context.close()


def test_a_first_page_by_name_opens_with_its_period(server, browser):  # noqa: F811
    """Streamlit serves each role's first page at the base address only: /ranking and
    /my_scores (a bookmark, a shared link) must still open it, with the period asked for."""
    base, _ = server
    for username, name, heading in (("leader", "ranking", "排名总览"), ("weijian", "my_scores", "我的得分")):
        context, page = logged_in(browser, base, username)
        page.get_by_role("heading", name=heading).wait_for()
        wait_idle(page)
        session_cookie(context)  # the page fetches it after the login
        page.goto(f"{base}/{name}?period=2026-09")
        page.get_by_role("heading", name=heading).wait_for()
        wait_idle(page)
        expect(page.get_by_role("combobox", name="考核周期")).to_have_value("2026年9月", timeout=TIMEOUT_MS)
        page.wait_for_timeout(1500)
        assert "Page not found" not in page.inner_text("body")
        context.close()
