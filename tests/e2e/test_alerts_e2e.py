"""预警 in a real Chromium: an inspector acknowledges an outage alert on 预警, a later collector
run (the real `python -m collectors once`, whose hook checks the alerts) brings calls that
succeed, and the alert shows 已解决; the department's user sees only its own alerts.

The dashboard and the collector run with data.clock pinned to Thu 3 Dec 2026 10:00 (Shanghai,
tests/e2e/pinned.py), so the days checked never cross midnight between the steps."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from collectors.alert_check import check_alerts
from data.db import make_engine
from data.migrate import upgrade
from data.models import Alert, AlertEvent, ExchangeDaily
from data.service_daily import refold_service_days
from data.users import create_user
from tests.dashboard import score_fixture
from tests.e2e.test_browser import (  # noqa: F401  (browser: the fixture)
    CHROMIUM,
    PASSWORD,
    REPO,
    browser,
    free_port,
    logged_in,
    open_page,
    shot,
    wait_healthy,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PINNED = "2026-12-03T10:00:00+08:00"
TODAY = date(2026, 12, 3)
PIN = (sys.executable, "-m", "tests.e2e.pinned", PINNED)
SOURCES = """
[[source]]
name = "exchange-log"
kind = "exchange_call"
reader = "files"
path = "drop"
glob = "*.csv"
settle_seconds = 0
[source.columns]
"调用流水号" = "call_id"
"调用时间" = "requested_at"
"调用方部门" = "consumer_dept"
"提供方部门" = "provider_dept"
"服务编码" = "service_code"
"调用结果" = "succeeded"
[source.values.succeeded]
"成功" = true
"失败" = false
"""


def _days(engine, dept_id: int, failing: set[int]) -> None:
    """Two services of the department, 10 calls a day over the 10 days before today; every call
    failed on the days `failing` (counted back from today)."""
    with engine.begin() as conn:
        conn.execute(
            insert(ExchangeDaily.__table__),
            [
                {
                    "day": TODAY - timedelta(days=back),
                    "provider_dept_id": dept_id,
                    "consumer_dept_id": dept_id,
                    "service_code": code,
                    "calls": 10,
                    "failures": 10 if back in failing else 0,
                    "duration_sum_ms": 0,
                    "duration_count": 0,
                }
                for back in range(1, 11)
                for code in ("svc-a", "svc-b")
            ],
        )
        refold_service_days(conn)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The dashboard fixture, 市卫健委 down for the last two days and 市公安局 yesterday, checked;
    the dashboard served from it."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium not installed (make system-deps)")
    tmp = tmp_path_factory.mktemp("alerts_e2e")
    url = f"sqlite:///{tmp / 'paoban.db'}"
    engine = make_engine(url)
    upgrade(engine)
    fx = score_fixture.load(engine)
    with engine.begin() as conn:
        create_user(conn, "duch", "inspector", PASSWORD, actor="e2e")
        create_user(conn, "root", "admin", PASSWORD, actor="e2e")
        create_user(conn, "weijian", "department", PASSWORD, actor="e2e", dept_id=fx.dept["市卫健委"])
    _days(engine, fx.dept["市卫健委"], failing={1, 2})
    _days(engine, fx.dept["市公安局"], failing={1})
    for back in (2, 1):
        check_alerts(engine, day=TODAY - timedelta(days=back))
    engine.dispose()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PAOBAN_VAR_DIR": str(tmp)}
    log = open(tmp / "streamlit.log", "wb")  # noqa: SIM115 - the server outlives this block; closed in finally
    proc = subprocess.Popen(
        [
            *PIN,
            "dashboard",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--server.headless=true",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        yield base, url, tmp
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def pick(page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option).click()
    wait_idle(page)


def collect_todays_calls(url: str, tmp) -> None:
    """Today's calls of 市卫健委's two services, all successful, through the real collector."""
    (tmp / "drop").mkdir(exist_ok=True)
    rows = [
        f"C{code}{n},{TODAY} 00:{n:02d}:00,市公安局,市卫健委,{code},成功"
        for code in ("svc-a", "svc-b")
        for n in range(5)
    ]
    (tmp / "drop" / "today.csv").write_text(
        "调用流水号,调用时间,调用方部门,提供方部门,服务编码,调用结果\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    (tmp / "sources.toml").write_text(SOURCES, encoding="utf-8")
    done = subprocess.run(
        [*PIN, "collectors", "once", "--config", str(tmp / "sources.toml")],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": url, "PAOBAN_VAR_DIR": str(tmp)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "预警检查失败" not in done.stderr, done.stderr


def test_department_sees_only_its_own_alerts(store, browser):  # noqa: F811
    context, page = logged_in(browser, store[0], "weijian")
    page.get_by_role("heading", name="本部门预警").wait_for()
    page.get_by_text("状态：新").wait_for()
    page.get_by_role("heading", name="提分清单").wait_for()
    wait_idle(page)
    body = page.inner_text("body")
    assert re.search(r"我的得分（\d+ 条预警）", body), body
    assert "市公安局" not in body
    _option_once_listed(page, "查看预警", "部门接口集中中断：市卫健委")
    assert not [o for o in _options(page, "查看预警") if "市卫健委" not in o]
    shot(page, "alerts_my_scores")
    context.close()


def test_admin_sees_collector_health_on_sources(store, browser):  # noqa: F811
    context, page = logged_in(browser, store[0], "root")
    open_page(page, "数据源状态", page.get_by_role("heading", name="采集运行预警"))
    page.get_by_text("方案原文（TOML）").wait_for()
    wait_idle(page)
    shot(page, "alerts_sources")
    context.close()


def test_inspector_acknowledges_and_a_later_run_resolves(store, browser):  # noqa: F811
    base, url, tmp = store
    context, page = logged_in(browser, base, "duch")
    open_page(page, "预警", page.get_by_role("heading", name="预警列表"))
    page.get_by_text("处理记录").wait_for()
    wait_idle(page)
    _option_once_listed(page, "查看预警", "部门接口集中中断：市公安局")
    option = _option_once_listed(page, "查看预警", "部门接口集中中断：市卫健委")
    pick(page, "查看预警", option)
    alert_id = option.split()[0].removeprefix("#")
    # Fill and press inside the chosen alert's own form, once its rerun has drawn it: a click
    # on a form still being redrawn can be lost under CI load.
    note = page.locator(f".st-key-alerts_note_{alert_id} textarea")
    note.wait_for()
    wait_idle(page)
    note.fill("已通知市卫健委排查接口")
    page.locator(f".st-key-alerts_ack_{alert_id} button").click()
    page.get_by_text("状态：已确认").wait_for()
    shot(page, "alerts")
    context.close()

    collect_todays_calls(url, tmp)

    context, page = logged_in(browser, base, "duch")
    open_page(page, "预警", page.get_by_role("heading", name="预警列表"))
    page.get_by_text("处理记录").wait_for()
    wait_idle(page)
    page.get_by_label("状态", exact=True).click()
    page.get_by_role("option", name="已解决").click()
    page.keyboard.press("Escape")
    wait_idle(page)
    pick(page, "查看预警", _option_once_listed(page, "查看预警", "部门接口集中中断：市卫健委"))
    page.get_by_text("状态：已解决").wait_for()
    wait_idle(page)
    shot(page, "alerts_resolved")
    context.close()
    engine = make_engine(url)
    with engine.connect() as conn:
        log = conn.execute(
            select(AlertEvent.actor, AlertEvent.action, AlertEvent.note)
            .join(Alert, Alert.id == AlertEvent.alert_id)
            .where(Alert.kind == "provider_outage", Alert.first_seen == TODAY - timedelta(days=2))
            .order_by(AlertEvent.id)
        ).all()
    engine.dispose()
    assert [tuple(e[:2]) for e in log] == [("system", "open"), ("duch", "acknowledge"), ("system", "auto_resolve")]
    assert log[1][2] == "已通知市卫健委排查接口"
    assert log[2][2].startswith(f"{TODAY} 检查时已不再出现（最后一次出现于 {TODAY - timedelta(days=1)}）")


def _option_once_listed(page, label: str, text: str) -> str:
    """The first option of a selectbox holding `text`, read again until the rerun that lists it
    has arrived."""
    for _ in range(30):
        options = _options(page, label)
        found = [o for o in options if text in o]
        if found:
            return found[0]
        page.wait_for_timeout(1000)
    raise AssertionError(f"{label} never listed {text!r}: {options}")


def _options(page, label: str) -> list[str]:
    page.get_by_label(label, exact=True).click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return options
