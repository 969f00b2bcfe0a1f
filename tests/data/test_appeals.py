"""申诉 → 复核 on both engines: windows, who may do what, and what an accepted appeal changes."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from data import appeals, frames
from data.appeals import AppealError
from data.viewer import AccessDenied
from metrics.scheme import load_scheme
from metrics.scoring import adjusted_total, adjustment_totals
from tests.data.supervision_fixture import PDF, load

IN_WINDOW = date(2026, 10, 13)  # 2026-09 ends on Wed 9-30; 5 working days: 10-08, 09, 10 (Sat, 调休), 12, 13
OUTAGE = [{"item_type": "service", "item_key": "ZJ-API-07", "label": "房屋网签查询接口"}]


@pytest.fixture
def loop(engine):
    return load(engine)


def test_window_is_five_working_days_after_the_month(engine, loop):
    with engine.connect() as conn:
        assert [
            appeals.window_open(conn, "2026-09", d)
            for d in (date(2026, 9, 30), date(2026, 10, 8), IN_WINDOW, date(2026, 10, 14))
        ] == [False, True, True, False]
        # a year is open only during its 公示期: none yet
        assert not appeals.window_open(conn, "2026", date(2027, 1, 10))
    with engine.begin() as conn, pytest.raises(AppealError, match="不在申诉期内.*月末后 5 个工作日内"):
        appeals.file_appeal(
            conn,
            loop.viewers["own_dept"],
            period_key="2026-09",
            indicator="service_availability",
            reason="平台故障",
            today=date(2026, 10, 14),
        )


def test_only_a_department_files_and_only_an_inspector_reviews(engine, loop):
    v = loop.viewers
    with engine.begin() as conn:
        with pytest.raises(AccessDenied, match="只有部门联络员"):
            appeals.file_appeal(conn, v["inspector"], period_key="2026-09", indicator="x", reason="r", today=IN_WINDOW)
        appeal_id = appeals.file_appeal(
            conn,
            v["other_dept"],
            period_key="2026-09",
            indicator="service_availability",
            reason="省平台故障所致",
            today=IN_WINDOW,
            evidence=OUTAGE,
            files=[("故障说明.pdf", PDF)],
        )
    with engine.connect() as conn:
        with pytest.raises(AccessDenied):
            appeals.get_appeal(conn, v["own_dept"], appeal_id)
        assert appeals.list_appeals(conn, v["own_dept"]) == []
        assert [a["id"] for a in appeals.list_appeals(conn, v["other_dept"])] == [appeal_id]
        assert appeals.get_appeal(conn, v["other_dept"], appeal_id)["attachments"][0]["filename"] == "故障说明.pdf"
    with engine.begin() as conn, pytest.raises(AccessDenied):
        appeals.review(conn, v["leader"], appeal_id, "reject", "理由不足")


def test_accepted_as_exemption_becomes_a_metrics_input(engine, loop):
    v = loop.viewers
    with engine.begin() as conn:
        appeal_id = appeals.file_appeal(
            conn,
            v["other_dept"],
            period_key="2026-09",
            indicator="service_availability",
            reason="省平台故障所致",
            today=IN_WINDOW,
            evidence=OUTAGE,
        )
        appeals.review(conn, v["inspector"], appeal_id, "exemption", "经核实为省平台故障")
        with pytest.raises(AppealError, match="已复核"):
            appeals.review(conn, v["inspector"], appeal_id, "reject", "再议")
    with engine.connect() as conn:
        exempt = appeals.exemptions(conn, 2026)
        assert appeals.get_appeal(conn, v["inspector"], appeal_id)["state"] == "accepted"
    assert exempt.to_dict("records") == [
        {
            "dept_id": loop.other,
            "indicator": "service_availability",
            "item_type": "service",
            "item_key": "ZJ-API-07",
            "appeal_id": appeal_id,
        }
    ]


def test_exemption_needs_named_rows_and_rejection_changes_nothing(engine, loop):
    v = loop.viewers
    with engine.begin() as conn:
        appeal_id = appeals.file_appeal(
            conn, v["own_dept"], period_key="2026-09", indicator="update_timeliness", reason="数值不对", today=IN_WINDOW
        )
        with pytest.raises(AppealError, match="没有列出具体证据行"):
            appeals.review(conn, v["inspector"], appeal_id, "exemption", "采纳")
        appeals.review(conn, v["inspector"], appeal_id, "reject", "数据核对无误")
    with engine.connect() as conn:
        assert appeals.get_appeal(conn, v["own_dept"], appeal_id)["state"] == "rejected"
        assert appeals.exemptions(conn, 2026).empty
        assert frames.adjustments(conn, 2026, "2026-09").empty


def test_accepted_as_adjustment_moves_the_total_by_its_points(engine, loop):
    v = loop.viewers
    with engine.begin() as conn:
        appeal_id = appeals.file_appeal(
            conn,
            v["own_dept"],
            period_key="2026-09",
            indicator="update_timeliness",
            reason="资源经市政府决定撤回",
            today=IN_WINDOW,
        )
        with pytest.raises(AppealError, match="超过考核方案的上限 5 分"):
            appeals.review(conn, v["inspector"], appeal_id, "adjustment", "采纳", kind="bonus", points=6)
        appeals.review(conn, v["inspector"], appeal_id, "adjustment", "撤回资源不应计入", kind="bonus", points=1.5)
    with engine.connect() as conn:
        adj = frames.adjustments(conn, 2026, "2026-09")
        appeal = appeals.get_appeal(conn, v["own_dept"], appeal_id)
    assert appeal["adjustment_id"] == int(adj["id"].iloc[0])
    assert adj["reason"].iloc[0] == f"申诉 {appeal_id} 复核采纳：撤回资源不应计入"
    ids = pd.Index([loop.own, loop.other])
    totals = adjustment_totals(adj, ids, load_scheme(2026))
    # base 80.00 → 81.50 for the appellant; the other department keeps 70.00
    moved = adjusted_total(pd.Series([80.0, 70.0], index=ids), totals["bonus"], totals["deduction"])
    assert moved.tolist() == [81.5, 70.0]
