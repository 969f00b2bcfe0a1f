"""Honest periods in a real Chromium, on the demo city (issue #17): a leader picks a month
before any source data and reads 该期无数据 instead of a ranking of zeros; on 部门详情 every
pick of a department shows that department; in 市统计局's monthly view of August 2026 (it
stopped its monthly updates on 1 July) the overdue monthly resources are listed, and the
evidence CSV a clerk downloads holds them. Screenshots at 1440×900 and 1280×720.

The demo city of the twelve months to 31 Oct 2026 is loaded through the collectors, and the
dashboard runs with its clock pinned to Mon 2 Nov 2026 (tests/e2e/pinned.py), so August is
closed and past every slot's grace.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from data.db import make_engine
from data.migrate import upgrade
from data.models import Department
from data.users import create_user
from tests.e2e.test_browser import (
    PASSWORD,
    REPO,
    SHOTS,
    TIMEOUT_MS,
    browser,  # noqa: F401  (fixture)
    logged_in,
    need_chromium,
    open_page,
    served,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
NOW = "2026-11-02T10:00:00+08:00"
SIZES = ((1440, 900), (1280, 720))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    need_chromium()
    tmp = tmp_path_factory.mktemp("e2e_periods")
    url = f"sqlite:///{tmp / 'paoban.db'}"
    env = {**os.environ, "DATABASE_URL": url, "PAOBAN_VAR_DIR": str(tmp)}

    def run(*args: str) -> None:
        done = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr

    run("-m", "data", "demo", "--end", "2026-10-31", "--calls", "20000", "--files-only", "--out", str(tmp / "demo"))
    engine = make_engine(url)
    upgrade(engine)
    run("-m", "tests.e2e.pinned", NOW, "collectors", "once", "--config", str(tmp / "demo" / "sources.toml"))
    with engine.begin() as conn:
        create_user(conn, "leader", "leader", PASSWORD, actor="e2e")
        stats = conn.execute(select(Department.id).where(Department.name == "市统计局")).scalar_one()
        create_user(
            conn, "tongji", "department", PASSWORD, actor="e2e", dept_id=stats
        )  # tests/e2e/test_readable_cells.py
    engine.dispose()
    with served(tmp, url, ("-m", "tests.e2e.pinned", NOW, "dashboard"), **env) as base:
        yield base


def pick(page, label: str, option: str, typed: str | None = None) -> None:
    """Choose an option of a selectbox; `typed` filters a long list first (it draws only the
    options in view)."""
    box = page.get_by_label(label, exact=True)
    if typed:
        box.fill(typed)
    else:
        box.click()
    page.get_by_role("option", name=option, exact=True).first.click()
    wait_idle(page)


def shots(page, name: str) -> None:
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(800)
        page.screenshot(path=str(SHOTS / f"periods_{name}_{width}x{height}.png"))
    page.set_viewport_size({"width": 1440, "height": 900})


def test_a_month_before_any_data_is_not_ranked(demo, browser):  # noqa: F811
    context, page = logged_in(browser, demo, "leader")
    page.get_by_role("heading", name="排名总览").wait_for()
    wait_idle(page)
    pick(page, "考核周期", "2025年6月（无数据）")
    expect(page.get_by_text("2025年6月该期无数据")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0, timeout=TIMEOUT_MS)  # no table of zeros
    shots(page, "empty_month")
    context.close()


def test_each_pick_shows_its_department_and_a_stopped_department_is_overdue_in_its_month(demo, browser):  # noqa: F811
    context, page = logged_in(browser, demo, "leader")
    open_page(page, "部门详情")
    for name in ("市住房和城乡建设局", "市统计局", "市交通运输局", "市统计局"):
        pick(page, "部门", f"{name}（市直部门）", typed=name)
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    pick(page, "考核周期", "2026年8月")
    expect(page.get_by_role("heading", name="市统计局", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    overdue = page.get_by_text("逾期或未按时更新的资源（")
    overdue.first.scroll_into_view_if_needed()
    shots(page, "stopped_department_august")
    with page.expect_download() as download:
        page.locator("[data-testid='stExpander']").filter(has=overdue).get_by_role("button", name="下载 CSV").click()
    text = download.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    monthly = [r for r in rows if "更新频率：每月" in r["详情"] and r["问题"].startswith("逾期")]
    # every monthly resource missed its August slot (due 09-05, after the 5 days of grace)
    assert len(monthly) >= 10, rows
    context.close()
