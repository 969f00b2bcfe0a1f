"""Two dashboard replicas on one PostgreSQL store, as docs/deployment.md runs them: both
serve the same numbers, and a replica restarted under an open tab resumes that tab's
session, page and department without a new login (the session is in the store, the key in
the environment both replicas share)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from data.db import make_engine
from data.users import create_user
from tests.conftest import truncate_all
from tests.dashboard import score_fixture
from tests.e2e.test_browser import (
    PASSWORD,
    TIMEOUT_MS,
    browser,  # noqa: F401  (fixture)
    free_port,
    logged_in,
    need_chromium,
    served,
    shot,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgresql]

KEY = "5e" * 32  # PAOBAN_SESSION_KEY of both replicas
CONNECTED = "[data-test-connection-state='CONNECTED']"


def ranking_numbers(page) -> list[str]:
    page.get_by_role("heading", name="排名总览").wait_for()
    page.get_by_role("tab", name="进退步").wait_for()
    wait_idle(page)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("3", timeout=TIMEOUT_MS)  # 参评部门
    return page.get_by_test_id("stMetricValue").all_inner_texts()


def test_two_replicas_serve_the_same_numbers_and_a_restart_keeps_the_tab(tmp_path, pg_session_url, browser):  # noqa: F811
    need_chromium()
    if not pg_session_url:
        pytest.skip("no PostgreSQL server: set PAOBAN_TEST_PG_URL (scripts/pg_test_server.sh)")
    truncate_all(pg_session_url)
    engine = make_engine(pg_session_url)
    score_fixture.load(engine)
    with engine.begin() as conn:
        create_user(conn, "leader", "leader", PASSWORD, actor="e2e")
    engine.dispose()
    launcher = ("-m", "dashboard")
    port_a = free_port()
    with served(tmp_path, pg_session_url, launcher, port_b := free_port(), PAOBAN_SESSION_KEY=KEY) as base_b:
        with served(tmp_path, pg_session_url, launcher, port_a, PAOBAN_SESSION_KEY=KEY) as base_a:
            context_a, page_a = logged_in(browser, base_a, "leader")
            context_b, page_b = logged_in(browser, base_b, "leader")
            assert ranking_numbers(page_a) == ranking_numbers(page_b)
            context_b.close()
            page_a.get_by_role("button", name="打开部门详情").click()
            page_a.get_by_role("heading", name="部门详情").wait_for()
            wait_idle(page_a)
            expect(page_a.get_by_test_id("stMetricValue").first).to_contain_text("92.50", timeout=TIMEOUT_MS)
        # replica A is down under the open tab; it comes back on the same address
        page_a.wait_for_selector(f"[data-testid='stApp']:not({CONNECTED})", timeout=TIMEOUT_MS)
        with served(tmp_path, pg_session_url, launcher, port_a, PAOBAN_SESSION_KEY=KEY):
            page_a.wait_for_selector(f"[data-testid='stApp']{CONNECTED}", timeout=TIMEOUT_MS)
            wait_idle(page_a)
            # a pick needs the new process to answer: the tab is served again, still logged in,
            # on its department (a 部门 pick after the restart is not heard yet: see issue 21's note)
            page_a.get_by_text("季度", exact=True).click()
            expect(page_a.get_by_role("combobox", name="考核周期")).to_have_value(
                re.compile("季度"), timeout=TIMEOUT_MS
            )
            wait_idle(page_a)
            expect(page_a.get_by_role("heading", name="市公安局", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
            expect(page_a.get_by_role("button", name="退出登录")).to_be_visible()
            assert page_a.get_by_role("button", name="登录", exact=True).count() == 0
            shot(page_a, "replica_restarted")
            context_a.close()
    assert port_b != port_a
