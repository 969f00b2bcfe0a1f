"""A year of supervision in the demo city, made through the state machine as people would:
items in every state (some overdue, one returned, one extended), and appeals rejected,
accepted as a monthly adjustment, and waiting. Exemptions and yearly adjustments are left to
the people trying the demo, so the demo city's pinned numbers stay as they are.

Item and appeal dates follow the demo's end date, and so does every event: each step runs with
the clock at the day it stands for (data.clock.replaying), so timelines, feedback and reports
read as a year of work, not as the minute the demo was loaded.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from data import appeals, supervision
from data.clock import replaying
from data.models import Department, EvidenceItem, ScoreSnapshot
from data.supervision_settings import FINDING_KINDS, settings_for
from data.viewer import Viewer

INSPECTOR = Viewer("demo_inspector", "inspector", display_name="演示-督察组")
LEADER = Viewer("demo_leader", "leader", display_name="演示-领导小组")
REQUIREMENTS = {
    "resource": "按目录登记的更新频率补齐数据，说明逾期原因并建立更新提醒",
    "request": "对超期未答复的共享申请逐件答复，明确答复时限责任人",
    "objection": "逐条核实数据异议，更正数据并反馈提出部门",
    "complaint": "逐件办结超期投诉工单，回访群众并报送整改情况",
    "service": "排查接口故障原因，恢复服务并提交故障分析报告",
    "unused": "梳理无人调用的资源，推动需求部门对接或申请调整目录",
}
# (days before the end it was issued, where it got to)
PLAN = [
    (200, "closed_returned"),
    (160, "closed"),
    (120, "closed"),
    (70, "verifying"),
    (45, "rectifying_extended"),
    (40, "rectifying_overdue"),
    (25, "pending_overdue"),
    (4, "pending"),
]


KIND_ORDER = ("resource", "request", "complaint", "service", "objection", "unused")


def _pick(rows: list[dict], kind: str) -> list[dict]:
    """Up to three evidence rows of `kind` (or of the department's first kind if it has none)."""
    chosen = [r for r in rows if r["item_type"] == kind] or [r for r in rows if r["item_type"] == rows[0]["item_type"]]
    return chosen[:3]


def _latest_year_snapshot(conn) -> dict | None:
    t = ScoreSnapshot.__table__
    return conn.execute(select(t).where(t.c.period_kind == "year").order_by(t.c.id.desc()).limit(1)).mappings().first()


def _evidence_by_dept(conn, snapshot_id: int) -> dict[int, list[dict]]:
    t = EvidenceItem.__table__
    out: dict[int, list[dict]] = {}
    for r in conn.execute(select(t).where(t.c.snapshot_id == snapshot_id).order_by(t.c.dept_id, t.c.id)).mappings():
        row = {**r, "detail": json.loads(r["detail"]) if r["detail"] else {}}
        if row["item_type"] in REQUIREMENTS:
            out.setdefault(r["dept_id"], []).append(row)
    return out


def _advance(conn, item_id: int, dept_id: int, plan: str, issued: date, deadline: date) -> None:
    """The item's later steps, each on its own day: signed the next day, feedback two days
    before the deadline, a return and the second feedback in the days after, closed after."""
    dept = Viewer(f"demo_dept_{dept_id}", "department", dept_id=dept_id)
    if plan.startswith("pending"):
        return
    with replaying(issued + timedelta(days=1), 9):
        supervision.acknowledge(conn, dept, item_id)
    if plan == "rectifying_extended":
        with replaying(issued + timedelta(days=3), 15):
            supervision.request_extension(
                conn, dept, item_id, deadline + timedelta(days=14), "需协调上级系统改造，申请延期两周"
            )
        with replaying(issued + timedelta(days=4)):
            supervision.decide_extension(conn, LEADER, item_id, True, "同意延期")
    if plan.startswith("rectifying"):
        return
    submitted = deadline - timedelta(days=2)
    with replaying(submitted, 16):
        supervision.submit(conn, dept, item_id, "已按要求完成整改，相关数据已补齐，并建立了责任人定期检查机制。")
    if plan == "closed_returned":
        with replaying(submitted + timedelta(days=1)):
            supervision.return_item(conn, INSPECTOR, item_id, "整改说明未附数据更新记录，请补充后重新提交")
        submitted += timedelta(days=4)
        with replaying(submitted, 11):
            supervision.submit(conn, dept, item_id, "已补充数据更新记录截图及责任分工说明。")
    if plan.startswith("closed"):
        with replaying(submitted + timedelta(days=2), 14):
            supervision.close(conn, INSPECTOR, item_id, "经核验，问题已整改到位")


def seed_supervision(engine: Engine) -> dict[str, int]:
    """Create the demo's items and appeals (nothing when items already exist); returns counts."""
    with engine.begin() as conn:
        if supervision.list_items(conn, INSPECTOR):
            return {"items": 0, "appeals": 0}
        snap = _latest_year_snapshot(conn)
        if snap is None:
            return {"items": 0, "appeals": 0}
        end = snap["as_of"]
        names = dict(conn.execute(select(Department.id, Department.name)).all())
        evidence = _evidence_by_dept(conn, snap["id"])
        depts = sorted(evidence, key=lambda d: -len(evidence[d]))[: len(PLAN)]
        days = settings_for(end.year)
        for n, ((before, plan), dept_id) in enumerate(zip(PLAN, depts)):
            rows = _pick(evidence[dept_id], KIND_ORDER[n % len(KIND_ORDER)])
            kind = rows[0]["item_type"]
            issued = end - timedelta(days=before)
            with replaying(issued):
                item_id = supervision.create_item(
                    conn,
                    INSPECTOR,
                    dept_id=dept_id,
                    kind=kind,
                    indicator=rows[0]["indicator"],
                    title=f"{names[dept_id]}{FINDING_KINDS[kind]}",
                    problem="；".join(r["label"] for r in rows),
                    requirement=REQUIREMENTS[kind],
                    issued_on=issued,
                    workdays=days.deadline_for(kind),
                    severity="serious" if plan.endswith("overdue") else "normal",
                    evidence_rows=rows,
                )
            deadline = supervision.get_item(conn, INSPECTOR, item_id)["deadline"]
            _advance(conn, item_id, dept_id, plan, issued, deadline)
        filed = _appeals(conn, depts, end)
    return {"items": min(len(PLAN), len(depts)), "appeals": filed}


def _appeals(conn, depts: list[int], end: date) -> int:
    """Three monthly appeals: rejected, accepted as a bonus for that month, and waiting."""
    months = [(end.replace(day=1) - timedelta(days=31 * k)).replace(day=1) for k in (4, 3, 1)]
    outcomes = ["reject", "adjustment", None]
    for dept_id, month, outcome in zip(depts, months, outcomes):
        key = f"{month:%Y-%m}"
        dept = Viewer(f"demo_dept_{dept_id}", "department", dept_id=dept_id)
        next_month = (month + timedelta(days=32)).replace(day=1)  # inside the month's appeal window
        with replaying(next_month, 15):
            appeal_id = appeals.file_appeal(
                conn,
                dept,
                period_key=key,
                indicator="request_on_time",
                reason="部分申请因申请方材料不全退回补正，不应计为超期",
                today=next_month,
            )
        with replaying(next_month + timedelta(days=3)):
            if outcome == "reject":
                appeals.review(conn, INSPECTOR, appeal_id, "reject", "经核对，退回补正前已超过答复时限，维持原结果")
            elif outcome == "adjustment":
                appeals.review(conn, INSPECTOR, appeal_id, "adjustment", "情况属实，酌情加分", kind="bonus", points=1)
    return min(len(depts), 3)
