"""The supervision loop in a real Chromium (issue #18): the inspector issues a 督办单 for
市卫健委 from an evidence row, the department signs it and sends feedback with a PDF, the
inspector returns it once and closes it after the second feedback; the department appeals
inside its window and the inspector reviews; the 督办通知单 downloaded from the page names the
department and the deadline. A screenshot of every step goes to test-artifacts/screenshots/.

The server runs with data.clock pinned to Thu 3 Dec 2026 10:00 (Shanghai): the 2026-11
result is then open to appeal (the month ends Mon 30 Nov; 5 working days after it run to
Mon 7 Dec) and a 5-working-day deadline from the 3rd falls on Thu 10 Dec.
"""

from __future__ import annotations

import time

import docx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from data.db import make_engine
from data.models import Appeal, AuditLog, SupervisionItem
from tests.e2e.test_browser import (
    TIMEOUT_MS,
    browser,  # noqa: F401  (fixture)
    dashboard_server,
    logged_in,
    open_page,
    shot,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PINNED = "2026-12-03T10:00:00+08:00"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def pinned_server(tmp_path_factory):
    launcher = ("-m", "tests.e2e.pinned", PINNED, "dashboard")
    with dashboard_server(tmp_path_factory.mktemp("e2e_loop"), launcher) as served:
        yield served


def revisit(page, title: str) -> None:
    """Show a page again with what others changed meanwhile (a reload would end the session)."""
    open_page(page, "消息")
    open_page(page, title)


def pick(page, label: str, option: str) -> None:
    """Choose one option of a Streamlit selectbox or multiselect by its label."""
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option).first.click()
    page.keyboard.press("Escape")
    wait_idle(page)


def fill(page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Control+Enter")  # Streamlit commits a text area on blur or Ctrl+Enter
    wait_idle(page)


def click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    wait_idle(page)


def wait_state(url: str, state: str, returns: int) -> None:
    """Wait until the store holds the one item in `state`, returned `returns` times: a click's
    rerun may still be writing when the page first looks idle."""
    engine = make_engine(url)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        with engine.connect() as conn:
            row = tuple(conn.execute(select(SupervisionItem.state, SupervisionItem.returns)).one())
        if row == (state, returns) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    engine.dispose()
    assert row == (state, returns)


def test_issue_rectify_return_close_appeal_and_notice(pinned_server, browser, tmp_path):  # noqa: F811
    base, url = pinned_server
    inspector, ip = logged_in(browser, base, "inspector")
    open_page(ip, "督查督办")
    pick(ip, "责任部门", "市卫健委")
    pick(ip, "证据所属考核周期（默认最新一期）", "2026年10月")
    pick(ip, "选取证据", "WJ-001")
    fill(ip, "督办事项标题", "医疗机构执业登记信息逾期未更新")
    fill(ip, "存在的问题", "WJ-001 医疗机构执业登记信息超过更新周期未更新")
    fill(ip, "整改要求", "按月更新并说明逾期原因")
    shot(ip, "loop_01_inspector_drafts")
    click(ip, "下发督办单")
    expect(ip.get_by_test_id("stDataFrame").first).to_contain_text("待签收", timeout=TIMEOUT_MS)
    wait_state(url, "pending", 0)
    expect(ip.get_by_label("督办事项标题", exact=True)).to_have_value("")  # the form starts empty again
    shot(ip, "loop_02_issued")

    dept, dp = logged_in(browser, base, "weijian")
    open_page(dp, "我的整改")
    click(dp, "签收")
    dp.get_by_label("整改情况（做了什么、何时完成、如何防止再次发生）").wait_for()
    wait_state(url, "rectifying", 0)
    shot(dp, "loop_03_department_signed")
    fill(dp, "整改情况（做了什么、何时完成、如何防止再次发生）", "已于 12 月 2 日补录更新")
    dp.locator("input[type=file]").first.set_input_files(
        [{"name": "更新记录.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    dp.get_by_text("更新记录.pdf").first.wait_for()
    shot(dp, "loop_04_department_feedback")
    click(dp, "提交整改反馈")
    dp.get_by_text("整改反馈已提交，等待督察组核验。").wait_for()
    wait_state(url, "verifying", 0)

    revisit(ip, "督查督办")
    ip.get_by_role("button", name="下载附件：更新记录.pdf").wait_for()
    fill(ip, "退回理由（退回时必填）", "缺少更新后的系统截图")
    shot(ip, "loop_05_inspector_returns")
    click(ip, "退回")
    expect(ip.get_by_test_id("stDataFrame").first).to_contain_text("整改中", timeout=TIMEOUT_MS)
    wait_state(url, "rectifying", 1)

    revisit(dp, "我的整改")
    dp.get_by_text("督察组已退回（inspector）：缺少更新后的系统截图").wait_for()
    shot(dp, "loop_06_department_sees_return")
    fill(dp, "整改情况（做了什么、何时完成、如何防止再次发生）", "已补系统截图")
    click(dp, "提交整改反馈")
    dp.get_by_text("整改反馈已提交，等待督察组核验。").wait_for()
    wait_state(url, "verifying", 1)

    revisit(ip, "督查督办")
    click(ip, "核验销号")
    wait_state(url, "closed", 1)
    pick(ip, "状态", "已销号")
    expect(ip.get_by_test_id("stDataFrame").first).to_contain_text("已销号", timeout=TIMEOUT_MS)
    shot(ip, "loop_07_closed")

    with ip.expect_download() as download:
        click(ip, "下载督办通知单（Word）")
    saved = tmp_path / "notice.docx"
    download.value.save_as(saved)
    document = docx.Document(saved)
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        c.text for t in document.tables for r in t.rows for c in r.cells
    )
    assert "市卫健委" in text and "2026年12月10日" in text, text

    open_page(dp, "申诉")
    pick(dp, "考核周期", "2026年11月")
    fill(dp, "申诉理由", "该资源已于 11 月停用，有停用通知为证")
    dp.locator("input[type=file]").first.set_input_files(
        [{"name": "停用通知.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    dp.get_by_text("停用通知.pdf").first.wait_for()
    shot(dp, "loop_08_department_appeals")
    click(dp, "提交申诉")
    expect(dp.get_by_test_id("stDataFrame").first).to_contain_text("待复核", timeout=TIMEOUT_MS)
    expect(dp.get_by_label("申诉理由", exact=True)).to_have_value("")

    open_page(ip, "申诉")
    ip.get_by_role("button", name="下载附件：停用通知.pdf").wait_for()
    fill(ip, "复核意见", "停用通知不能说明 11 月数据有误")
    click(ip, "提交复核结论")
    expect(ip.get_by_test_id("stDataFrame").first).to_contain_text("驳回", timeout=TIMEOUT_MS)
    ip.get_by_text("复核意见：停用通知不能说明 11 月数据有误").wait_for()
    shot(ip, "loop_09_inspector_reviews")

    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(Appeal.state)).scalars().all() == ["rejected"]
        trail = conn.execute(
            select(AuditLog.actor, AuditLog.action)
            .where(AuditLog.action.like("supervision.%") | AuditLog.action.like("appeal.%"))
            .order_by(AuditLog.id)
        ).all()
    engine.dispose()
    assert [tuple(r) for r in trail] == [
        ("inspector", "supervision.create"),
        ("weijian", "supervision.acknowledge"),
        ("weijian", "supervision.submit"),
        ("inspector", "supervision.return"),
        ("weijian", "supervision.submit"),
        ("inspector", "supervision.close"),
        ("weijian", "appeal.file"),
        ("inspector", "appeal.reject"),
    ]
    inspector.close()
    dept.close()
