"""对比 and the 一页纸 in a real headless Chromium on the score fixture: a leader compares two
departments and then one department in two periods (screenshots at 1440×900 and of the
whole page; axe-core finds no contrast or label violation, also for a department user), and
an inspector downloads a department's one-page PDF."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.test_accessibility import check
from tests.e2e.test_browser import SHOTS, TIMEOUT_MS, browser, logged_in, open_page, server, shot, wait_idle  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_compare(page) -> None:
    open_page(page, "对比", page.get_by_role("heading", name="差异来自哪里"))


def test_leader_compares_departments_and_periods(server, browser):  # noqa: F811
    context, page = logged_in(browser, server[0], "leader")
    page.get_by_role("heading", name="排名总览").wait_for()
    open_compare(page)
    # the first two 市直部门 in name order: 市人社局 (81.25) and 市公安局 (92.5), 2026年10月
    expect(page.get_by_text("市人社局比市公安局总分低 11.25 分")).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)  # the waterfall draws after the text
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "compare_departments_1440x900.png"))
    shot(page, "compare_departments")

    check(page, "compare", page.get_by_role("heading", name="差异来自哪里"))
    page.set_viewport_size({"width": 1440, "height": 900})

    page.get_by_text("同一部门（两个周期）").click()
    wait_idle(page)
    expect(page.get_by_text("2026年10月比2026年9月总分")).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "compare_periods_1440x900.png"))
    shot(page, "compare_periods")
    context.close()


def test_department_user_compares_its_own_periods(server, browser):  # noqa: F811
    context, page = logged_in(browser, server[0], "weijian")
    page.get_by_role("heading", name="我的得分").wait_for()
    open_compare(page)
    expect(page.get_by_text("2026年10月比2026年9月总分低 3.00 分")).to_be_visible(timeout=TIMEOUT_MS)
    check(page, "compare_department_user", page.get_by_role("heading", name="差异来自哪里"))
    assert "市公安局" not in page.inner_text("body")
    context.close()


def test_inspector_downloads_the_one_pager(server, browser):  # noqa: F811
    context, page = logged_in(browser, server[0], "inspector")
    page.get_by_role("heading", name="排名总览").wait_for()
    open_page(page, "部门详情")
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="下载一页纸（PDF，A4）").click()
    assert download.value.suggested_filename.endswith("_2026-10.pdf")
    reader = PdfReader(download.value.path())
    text = re.sub(r"[\s\x00]+", "", reader.pages[0].extract_text())
    assert len(reader.pages) == 1
    name = download.value.suggested_filename.split("_")[1]
    assert f"{name}考核情况" in text and "2026年10月" in text
    context.close()
