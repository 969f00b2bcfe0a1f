"""The scheme page in a real headless Chromium: an administrator changes one weight, sees
the comparison, downloads the workbook (opened with openpyxl) and saves a new version into
a scheme folder of its own (PAOBAN_SCHEME_DIR)."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from playwright.sync_api import expect

from metrics.scheme import scheme_path
from tests.e2e.test_browser import TIMEOUT_MS, browser, dashboard_server, logged_in, open_page, shot, wait_idle  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e_scheme")
    folder = tmp / "schemes"
    folder.mkdir()
    shutil.copy(scheme_path(2026), folder / "2026.toml")
    with dashboard_server(tmp, PAOBAN_SCHEME_DIR=str(folder)) as (base, _url):
        yield base, folder


def test_admin_changes_a_weight_compares_downloads_and_saves(served, browser, tmp_path):  # noqa: F811
    base, folder = served
    context, page = logged_in(browser, base, "root")
    open_page(page, "考核方案与模拟")
    page.get_by_role("button", name="下载对比工作簿（Excel）").wait_for()
    wait_idle(page)
    weight = page.get_by_label("“数据共享”维度权重")
    weight.fill("30")
    weight.press("Enter")
    wait_idle(page)
    # 联动: 数据更新 25 → 29.17
    expect(page.get_by_label("“数据更新”维度权重")).to_have_value("29.17", timeout=TIMEOUT_MS)
    shot(page, "scheme_editor")

    with page.expect_download() as download:
        page.get_by_role("button", name="下载对比工作簿（Excel）").click()
    saved = tmp_path / "whatif.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved)["对比"]
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("部门")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    # 市公安局, 2026-10: (30 × 93.33 + 29.17 × 100 + 17.5 × 100) / 76.67 = 97.39, was 96.67
    assert rows["市公安局"][header.index("草案总分")] == pytest.approx(97.39)
    assert rows["市公安局"][header.index("现行总分")] == pytest.approx(96.67)

    page.get_by_role("tab", name="版本与保存").click()
    page.get_by_text("维度“数据共享”权重：40 → 30").wait_for()
    page.get_by_label("修改说明（写入审计日志）").fill("浏览器测试")
    page.get_by_label("修改说明（写入审计日志）").press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="保存为新版本").click()
    page.get_by_text("已保存为方案版本 2026.2").wait_for()
    assert (folder / "versions" / "2026.2.toml").is_file()
    context.close()
