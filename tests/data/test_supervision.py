"""The 督办 state machine on both engines: every (role, state, action) cell, allowed or refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from data import supervision
from data.models import AuditLog, ExtensionRequest
from data.supervision import MOVES, TransitionError
from data.viewer import AccessDenied
from tests.data.supervision_fixture import ISSUED, drive, load, new_item

STATES = ["pending", "rectifying", "verifying", "closed"]
ROLES = ["inspector", "own_dept", "other_dept", "leader", "admin"]
ALLOWED = {
    ("own_dept", "pending", "acknowledge"),
    ("own_dept", "rectifying", "submit"),
    ("inspector", "verifying", "return"),
    ("inspector", "verifying", "close"),
    ("own_dept", "pending", "request_extension"),
    ("own_dept", "rectifying", "request_extension"),
    ("leader", "pending", "decide_extension"),
    ("leader", "rectifying", "decide_extension"),
}
AFTER = {"acknowledge": "rectifying", "submit": "verifying", "return": "rectifying", "close": "closed"}


@pytest.fixture
def loop(engine):
    return load(engine)


def act(conn, viewer, item_id, action):
    calls = {
        "acknowledge": lambda: supervision.acknowledge(conn, viewer, item_id),
        "submit": lambda: supervision.submit(conn, viewer, item_id, "已整改"),
        "return": lambda: supervision.return_item(conn, viewer, item_id, "佐证材料不全"),
        "close": lambda: supervision.close(conn, viewer, item_id),
        "request_extension": lambda: supervision.request_extension(
            conn, viewer, item_id, date(2026, 10, 30), "系统升级需要时间"
        ),
        "decide_extension": lambda: supervision.decide_extension(conn, viewer, item_id, True),
    }
    calls[action]()


def test_the_table_is_the_one_tested():
    assert {(r, s, a) for r in ROLES for s in STATES for a in MOVES if supervision.allowed(r, s, a)} == ALLOWED


@pytest.mark.parametrize("action", list(MOVES))
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_every_cell(engine, loop, role, state, action):
    with engine.begin() as conn:
        item_id = new_item(conn, loop)
        drive(conn, loop, item_id, state)
        if action == "decide_extension" and state in ("pending", "rectifying"):
            supervision.request_extension(conn, loop.viewers["own_dept"], item_id, date(2026, 10, 30), "系统升级")
    viewer = loop.viewers[role]
    with engine.begin() as conn:
        if (role, state, action) in ALLOWED:
            act(conn, viewer, item_id, action)
        elif role == "other_dept":
            with pytest.raises(AccessDenied, match="不存在或无权查看"):
                act(conn, viewer, item_id, action)
        else:
            with pytest.raises(TransitionError):
                act(conn, viewer, item_id, action)
    with engine.connect() as conn:
        item = supervision.get_item(conn, loop.viewers["inspector"], item_id)
        log = supervision.events(conn, loop.viewers["inspector"], item_id)
    moved = (role, state, action) in ALLOWED
    assert item["state"] == (AFTER.get(action, state) if moved else state)
    assert log[-1]["action"] == (
        action
        if moved
        else (
            "request_extension"
            if action == "decide_extension" and state in ("pending", "rectifying")
            else {"pending": "create", "rectifying": "acknowledge", "verifying": "submit", "closed": "close"}[state]
        )
    )
    if (role, state, action) == ("leader", "pending", "decide_extension"):
        assert item["deadline"] == date(2026, 10, 30)


def test_messages_name_the_role_and_the_state(engine, loop):
    with engine.begin() as conn:
        item_id = new_item(conn, loop)
    with engine.begin() as conn, pytest.raises(TransitionError, match="督察组不能签收督办事项：只有本部门联络员可以"):
        supervision.acknowledge(conn, loop.viewers["inspector"], item_id)
    with (
        engine.begin() as conn,
        pytest.raises(TransitionError, match="当前为「待签收」，不能核验销号：仅在「待核验」时可以"),
    ):
        supervision.close(conn, loop.viewers["inspector"], item_id)
    with engine.begin() as conn, pytest.raises(TransitionError, match="只有督察组可以"):
        new_item(conn, loop.__class__(loop.own, loop.other, {**loop.viewers, "inspector": loop.viewers["leader"]}))


def test_deadline_counts_working_days_over_the_national_day_holiday(engine, loop):
    with engine.begin() as conn:
        item_id = new_item(conn, loop, workdays=3)
        late = new_item(conn, loop, workdays=6)
    with engine.connect() as conn:
        # 9-29, 9-30, then 10-01…10-07 off, 10-08 is the 3rd; 10-10 (Saturday) is a 调休 working day
        assert supervision.get_item(conn, loop.viewers["inspector"], item_id)["deadline"] == date(2026, 10, 8)
        assert supervision.get_item(conn, loop.viewers["inspector"], late)["deadline"] == date(2026, 10, 12)


def test_return_then_close_with_history_and_audit(engine, loop):
    v = loop.viewers
    with engine.begin() as conn:
        item_id = new_item(
            conn,
            loop,
            evidence_rows=[
                {
                    "indicator": "update_timeliness",
                    "item_type": "resource",
                    "item_key": "TJ-001",
                    "label": "人口统计月报",
                    "status": "overdue",
                }
            ],
        )
        drive(conn, loop, item_id, "verifying")
        supervision.return_item(conn, v["inspector"], item_id, "缺少数据更新截图")
        supervision.submit(conn, v["own_dept"], item_id, "补充了截图")
        supervision.close(conn, v["inspector"], item_id, "已核验")
    with engine.connect() as conn:
        item = supervision.get_item(conn, v["own_dept"], item_id)
        log = supervision.events(conn, v["own_dept"], item_id)
        frozen = supervision.evidence(conn, v["inspector"], item_id)
        rects = supervision.rectifications(conn, v["own_dept"], item_id)
        audited = (
            conn.execute(
                select(AuditLog.action).where(AuditLog.target == f"supervision_item:{item_id}").order_by(AuditLog.id)
            )
            .scalars()
            .all()
        )
    assert item["state"] == "closed" and item["returns"] == 1 and item["closed_at"] is not None
    assert [e["action"] for e in log] == ["create", "acknowledge", "submit", "return", "submit", "close"]
    assert log[3]["reason"] == "缺少数据更新截图" and log[3]["actor"] == "duch"
    assert audited == ["supervision." + e["action"] for e in log]
    assert frozen[0]["snapshot"]["label"] == "人口统计月报"
    assert [r["text"] for r in rects] == ["已补齐 3 个资源的数据", "补充了截图"]
    assert [a["filename"] for a in rects[0]["attachments"]] == ["说明.pdf"]


def test_extension_rejected_keeps_deadline_and_needs_reason(engine, loop):
    v = loop.viewers
    with engine.begin() as conn:
        item_id = new_item(conn, loop)
        with pytest.raises(TransitionError, match="应晚于现期限 2026-10-08"):
            supervision.request_extension(conn, v["own_dept"], item_id, date(2026, 10, 8), "来不及")
        supervision.request_extension(conn, v["own_dept"], item_id, date(2026, 10, 20), "需要协调市大数据局")
        with pytest.raises(TransitionError, match="已有一份延期申请"):
            supervision.request_extension(conn, v["own_dept"], item_id, date(2026, 10, 21), "再延一天")
        with pytest.raises(TransitionError, match="不同意延期的理由"):
            supervision.decide_extension(conn, v["leader"], item_id, False)
        supervision.decide_extension(conn, v["leader"], item_id, False, "期限内可以完成")
    with engine.connect() as conn:
        assert supervision.get_item(conn, v["inspector"], item_id)["deadline"] == date(2026, 10, 8)
        decision = conn.execute(select(ExtensionRequest.decision, ExtensionRequest.decided_by)).one()
    assert tuple(decision) == ("rejected", "lingdao")


def test_departments_see_only_items_they_lead_or_assist(engine, loop):
    v = loop.viewers
    with engine.begin() as conn:
        mine = new_item(conn, loop)
        assisted = supervision.create_item(
            conn,
            v["inspector"],
            dept_id=loop.other,
            kind="service",
            title="接口故障",
            problem="连续 3 天故障",
            requirement="恢复服务",
            issued_on=ISSUED,
            workdays=3,
            assisting=[loop.own],
        )
        theirs = supervision.create_item(
            conn,
            v["inspector"],
            dept_id=loop.other,
            kind="complaint",
            title="投诉超时",
            problem="5 件超时",
            requirement="办结",
            issued_on=ISSUED,
            workdays=5,
        )
    with engine.connect() as conn:
        assert [i["id"] for i in supervision.list_items(conn, v["own_dept"])] == [mine, assisted]
        assert [i["id"] for i in supervision.list_items(conn, v["other_dept"])] == [assisted, theirs]
        assert len(supervision.list_items(conn, v["leader"])) == 3
        with pytest.raises(AccessDenied):
            supervision.list_items(conn, v["own_dept"], dept_id=loop.other)
        for read in (supervision.get_item, supervision.events, supervision.evidence, supervision.rectifications):
            with pytest.raises(AccessDenied):
                read(conn, v["own_dept"], theirs)
    with engine.begin() as conn, pytest.raises(TransitionError, match="其他部门联络员不能签收"):
        supervision.acknowledge(conn, v["own_dept"], assisted)
