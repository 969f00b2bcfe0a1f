"""AppTest of the supervision pages on the dashboard store: the inspector creates, returns and
closes a 督办单 through the page, overdue items show their working days late, and a
department cannot open 督查督办."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import openpyxl
import pytest
from sqlalchemy import insert
from streamlit.testing.v1 import AppTest

from dashboard.exports import workbook
from dashboard.inbox import inbox_title
from dashboard.supervision_tables import ITEM_COLUMNS, evidence_rows_table, finding_kind, item_table
from data import appeals, clock, notifications, supervision
from data.db import get_engine
from data.models import ScoreSnapshot
from data.viewer import Viewer
from tests.dashboard.conftest import APP, login
from tests.dashboard.test_pages import open_page, page_text

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _item(id_, state, deadline):
    return {
        "id": id_,
        "dept_id": 1,
        "kind": "resource",
        "title": "t",
        "severity": "normal",
        "state": state,
        "issued_on": date(2026, 11, 20),
        "deadline": deadline,
        "returns": 0,
        "closed_at": None,
    }


def test_overdue_counts_working_days_while_with_the_department():
    # deadline Fri 27 Nov; today Thu 3 Dec: Mon 30 Nov, Tue 1, Wed 2, Thu 3 Dec → 4 working days
    table = item_table(
        [
            _item(1, "rectifying", date(2026, 11, 27)),
            _item(2, "verifying", date(2026, 11, 27)),
            _item(3, "pending", date(2026, 12, 4)),
        ],
        {1: "市卫健委"},
        date(2026, 12, 3),
    )
    assert list(table["逾期工作日"]) == [4, 0, 0]
    assert list(table["状态"]) == ["整改中", "待核验", "待签收"]
    assert list(table["部门"]) == ["市卫健委"] * 3


def test_ledger_workbook_holds_every_item_with_state_dates_and_days_overdue():
    table = item_table([_item(7, "rectifying", date(2026, 11, 27))], {1: "市卫健委"}, date(2026, 12, 3))
    sheet = openpyxl.load_workbook(io.BytesIO(workbook({"整改台账": table})))["整改台账"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ITEM_COLUMNS
    assert rows[1][:9] == (7, "市卫健委", "目录资源未按时更新", "t", "一般", "整改中", "2026-11-20", "2026-11-27", 4)


def test_inspector_creates_returns_and_closes(app, dashboard_store):
    health = dashboard_store.fixture.dept["市卫健委"]
    at = open_page(login(app, "inspector"), "supervision.py")
    assert "没有符合条件的督办事项" in page_text(at)
    at.selectbox(key="sv_new_dept").set_value(health).run()
    at.selectbox(key="sv_new_period").set_value("2026-10").run()
    at.selectbox(key="sv_new_kind").set_value("service").run()
    rows = at.multiselect(key="sv_new_rows")
    assert any("WJ-001" in o and "（逾期未办）" in o for o in rows.options), rows.options
    rows.select(next(o for o in rows.options if "WJ-001" in o)).run()
    assert at.selectbox(key="sv_new_kind").value == "resource"  # an overdue resource row sets the kind
    assert at.number_input(key="sv_new_workdays_resource").value == 5  # the scheme's default for resources
    at.text_input(key="sv_new_title").input("目录资源逾期未更新")
    at.text_area(key="sv_new_problem").input("医疗机构执业登记信息超期未更新")
    at.text_area(key="sv_new_requirement").input("按月更新并说明原因")
    at.button(key="sv_create").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert list(table["部门"]) == ["市卫健委"] and list(table["状态"]) == ["待签收"]
    assert at.text_input(key="sv_new_title").value == ""  # the form starts empty: not sent twice
    assert at.text_area(key="sv_new_problem").value == ""

    engine = get_engine()
    dept = Viewer("dept_x", "department", dept_id=health)
    with engine.begin() as conn:
        item_id = supervision.list_items(conn, dept)[0]["id"]
        frozen = supervision.evidence(conn, dept, item_id)
        supervision.acknowledge(conn, dept, item_id)
        supervision.submit(conn, dept, item_id, "已更新", [("说明.pdf", PDF)])
    assert [r["item_key"] for r in frozen] == ["WJ-001"]

    at.run()
    text = page_text(at)
    assert "已更新" in text and "尚未整改" in text  # WJ-001 is still in the latest 2026-10 snapshot
    assert "下发时的 1 条证据中仍有 1 条在最新计算结果里未整改" in text
    assert any(b.label == "下载附件：说明.pdf" for b in at.get("download_button"))
    assert {"sv_notice_docx", "sv_report_docx"} <= {b.key for b in at.get("download_button")}
    at.button(key="sv_return").click().run()
    assert "请填写退回理由" in "\n".join(e.value for e in at.error)
    at.text_area(key="sv_return_reason").input("缺少更新记录截图")
    at.button(key="sv_return").click().run()
    with engine.begin() as conn:
        item = supervision.get_item(conn, dept, item_id)
        assert (item["state"], item["returns"]) == ("rectifying", 1)
        supervision.submit(conn, dept, item_id, "已补截图")
    at.run()
    at.button(key="sv_close").click().run()
    with engine.connect() as conn:
        assert supervision.get_item(conn, dept, item_id)["state"] == "closed"
        actions = [e["action"] for e in supervision.events(conn, dept, item_id)]
    assert actions == ["create", "acknowledge", "submit", "return", "submit", "close"]


def test_leader_reads_without_actions(app):
    at = open_page(login(app, "leader"), "supervision.py")
    assert not any(b.key in ("sv_create", "sv_close", "sv_return") for b in at.button)


def test_department_has_no_supervision_page(app, dashboard_store):
    at = login(app, dashboard_store.dept_user("市卫健委"))
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/supervision.py")


def _issue(conn, dept_id: int, title: str) -> int:
    return supervision.create_item(
        conn,
        Viewer("inspector", "inspector"),
        dept_id=dept_id,
        kind="resource",
        title=title,
        problem="资源超期未更新",
        requirement="按月更新",
        issued_on=date(2026, 11, 20),
        workdays=5,
    )


def test_department_acknowledges_uploads_submits_and_asks_extension(app, dashboard_store):
    fx = dashboard_store.fixture
    engine = get_engine()
    with engine.begin() as conn:
        own = _issue(conn, fx.dept["市卫健委"], "卫健委资源未更新")
        second = _issue(conn, fx.dept["市卫健委"], "卫健委第二项")
        _issue(conn, fx.dept["市人社局"], "人社局资源未更新")
    at = open_page(login(app, dashboard_store.dept_user("市卫健委")), "rectification.py")
    text = page_text(at)
    assert "卫健委资源未更新" in text and "人社局资源未更新" not in text
    assert list(at.dataframe[0].value["编号"]) == [own, second]
    at.button(key="rc_ack").click().run()
    at.text_area(key="rc_text").input("已按月补齐数据")
    at.file_uploader(key="rc_files").set_value([("更新记录.pdf", PDF, "application/pdf")]).run()
    at.button(key="rc_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    viewer = Viewer("x", "department", dept_id=fx.dept["市卫健委"])
    with engine.connect() as conn:
        assert supervision.get_item(conn, viewer, own)["state"] == "verifying"
        files = supervision.rectifications(conn, viewer, own)[0]["attachments"]
    assert [f["filename"] for f in files] == ["更新记录.pdf"]

    at.selectbox(key="rc_item").set_value(second).run()
    at.date_input(key="rc_ext_date").set_value(date(2026, 12, 11))
    at.text_area(key="rc_ext_reason").input("需等待系统升级")
    at.button(key="rc_ext").click().run()
    assert not at.error, [e.value for e in at.error]

    leader = open_page(login(AppTest.from_file(APP, default_timeout=30), "leader"), "supervision.py")
    leader.selectbox(key="sv_item").set_value(second).run()
    assert "需等待系统升级" in page_text(leader)
    leader.button(key="sv_ext_yes").click().run()
    with engine.connect() as conn:
        assert supervision.get_item(conn, viewer, second)["deadline"] == date(2026, 12, 11)


def test_bad_file_is_refused_and_nothing_submitted(app, dashboard_store):
    health = dashboard_store.fixture.dept["市卫健委"]
    with get_engine().begin() as conn:
        item_id = _issue(conn, health, "卫健委资源未更新")
        supervision.acknowledge(conn, Viewer("x", "department", dept_id=health), item_id)
    at = open_page(login(app, dashboard_store.dept_user("市卫健委")), "rectification.py")
    at.text_area(key="rc_text").input("已整改")
    at.file_uploader(key="rc_files").set_value([("说明.pdf", b"not a pdf", "application/pdf")]).run()
    at.button(key="rc_submit").click().run()
    assert "内容不是允许的类型" in "\n".join(e.value for e in at.error)
    with get_engine().connect() as conn:
        assert supervision.get_item(conn, Viewer("x", "department", dept_id=health), item_id)["state"] == "rectifying"


def pin_today(monkeypatch, day: date) -> None:
    """Every page and data call sees `day` (10:00 in Shanghai) as today: data.clock's one source."""
    moment = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "wall_clock", lambda: moment)


def test_appeal_window_offers_open_periods_and_inspector_exemption(app, dashboard_store, monkeypatch):
    # Tue 3 Nov: 2026-10 ended Sat 31 Oct and is within its 5 working days; 2026-09's window
    # closed in October, 2026-11 has not ended, and a quarter cannot be appealed
    pin_today(monkeypatch, date(2026, 11, 3))
    health = dashboard_store.fixture.dept["市卫健委"]
    at = open_page(login(app, dashboard_store.dept_user("市卫健委")), "appeals.py")
    assert at.selectbox(key="ap_new_period").options == ["2026年10月"]
    at.selectbox(key="ap_new_indicator").set_value("update_on_time").run()
    rows = at.multiselect(key="ap_new_rows")
    rows.select(next(o for o in rows.options if "WJ-001" in o)).run()
    at.text_area(key="ap_new_reason").input("该资源已于 9 月停用")
    at.file_uploader(key="ap_new_files_0").set_value([("停用通知.pdf", PDF, "application/pdf")]).run()
    at.button(key="ap_file").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.text_area(key="ap_new_reason").value == ""
    assert at.file_uploader(key="ap_new_files_1").value == []  # a fresh, empty upload field
    dept = Viewer("x", "department", dept_id=health)
    with get_engine().connect() as conn:
        (appeal_id,) = [a["id"] for a in appeals.list_appeals(conn, dept)]

    inspector = open_page(login(AppTest.from_file(APP, default_timeout=30), "inspector"), "appeals.py")
    assert "该资源已于 9 月停用" in page_text(inspector)
    assert any(b.label == "下载附件：停用通知.pdf" for b in inspector.get("download_button"))
    inspector.radio(key="ap_decision").set_value("exemption").run()
    inspector.text_area(key="ap_reason").input("停用有文件为证")
    inspector.button(key="ap_review").click().run()
    assert not inspector.error, [e.value for e in inspector.error]
    assert "复核结论**：采纳（豁免）；**复核意见**：停用有文件为证" in "\n".join(m.value for m in inspector.markdown)
    with get_engine().connect() as conn:
        assert appeals.get_appeal(conn, dept, appeal_id)["state"] == "accepted"
        assert list(appeals.exemptions(conn, 2026)["item_key"]) == ["WJ-001"]
    other = open_page(
        login(AppTest.from_file(APP, default_timeout=30), dashboard_store.dept_user("市人社局")), "appeals.py"
    )
    assert "还没有申诉" in page_text(other) and "该资源已于 9 月停用" not in page_text(other)


def test_publication_draft_publicize_publish_and_check(app, dashboard_store, monkeypatch):
    pin_today(monkeypatch, date(2026, 11, 9))  # the Monday after the 公示期 of 2–6 Nov
    at = open_page(login(app, "leader"), "publication.py")
    at.selectbox(key="pb_year").set_value(2026).run()
    at.button(key="pb_draft").click().run()
    assert "2026 年度尚无计算结果" in "\n".join(e.value for e in at.error)
    snap = ScoreSnapshot.__table__
    with get_engine().begin() as conn:  # a yearly result, as `python -m metrics refresh` would store it
        conn.execute(
            insert(snap).values(
                period_key="2026",
                period_kind="year",
                period_start=date(2026, 1, 1),
                period_end=date(2026, 12, 31),
                as_of=date(2026, 11, 20),
                scheme_version="2026.1",
                input_digest="0" * 64,
                status="current",
                computed_at=datetime(2026, 11, 20, 8, 0),
            )
        )
    at.button(key="pb_draft").click().run()
    assert list(at.dataframe[0].value["状态"]) == ["草稿"]
    at.date_input(key="pb_start").set_value(date(2026, 11, 2)).run()
    at.button(key="pb_publicize").click().run()
    # 5 working days from Mon 2 Nov (counted): 2, 3, 4, 5, 6 Nov
    assert list(at.dataframe[0].value["公示结束"]) == [date(2026, 11, 6)]
    assert "pb_notice_docx" in {b.key for b in at.get("download_button")}  # the 公示 document, once it is announced
    at.button(key="pb_publish").click().run()
    assert not at.error, [e.value for e in at.error]
    assert list(at.dataframe[0].value["状态"]) == ["已发布"]
    at.button(key="pb_verify").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # the fixture's yearly row was written by hand, not computed from inputs: the check must say so
    assert "核验未通过" in "\n".join(e.value for e in at.error)


def test_inbox_badge_counts_unread_and_reading_clears_it(app, dashboard_store):
    user = dashboard_store.dept_user("市卫健委")
    with get_engine().begin() as conn:
        notifications.notify(
            conn, [user], kind="issued", title="新的督办事项", body="请在 5 个工作日内签收", dedupe_key="t1"
        )
        notifications.notify(
            conn, [user], kind="remind", title="督办事项即将到期", body="请尽快提交整改反馈", dedupe_key="t2"
        )
        notifications.notify(conn, ["dept_other"], kind="issued", title="别人的消息", body="x", dedupe_key="t1")
    viewer = Viewer(user, "department", dept_id=dashboard_store.users[user][1])
    assert inbox_title(viewer, "消息") == "消息（2 条未读）"  # the navigation entry's title
    at = open_page(login(app, user), "inbox.py")
    text = page_text(at)
    assert "未读 2 条" in text and "别人的消息" not in text
    at.button(key="inbox_read_all").click().run()
    assert "未读 0 条" in page_text(at)
    assert inbox_title(viewer, "消息") == "消息"


def test_frozen_evidence_shows_chinese_type_and_status():
    rows = [
        {
            "indicator": "call_success",
            "item_type": "service",
            "item_key": "SVC-1",
            "snapshot": {"label": "接口 SVC-1", "status": "failing"},
            "still_open": False,
        }
    ]
    table = evidence_rows_table(rows, lambda key: {"call_success": "接口调用成功率"}[key])
    assert table.iloc[0].to_dict() == {
        "指标": "接口调用成功率",
        "类型": "接口服务",
        "编号": "SVC-1",
        "名称": "接口 SVC-1",
        "当时状态": "调用失败",
        "现在是否已整改": "已整改",
    }


def test_picked_evidence_suggests_its_finding_kind():
    def row(item_type, status):
        return {"item_type": item_type, "status": status}

    assert finding_kind([row("service", "failing"), row("service", "failing")]) == "service"
    assert finding_kind([row("resource", "unused")]) == "unused"
    assert finding_kind([row("resource", "overdue")]) == "resource"
    assert finding_kind([row("resource", "overdue"), row("request", "late")]) is None  # mixed: the inspector chooses
    assert finding_kind([row("resource", "unmounted")]) is None
    assert finding_kind([]) is None
