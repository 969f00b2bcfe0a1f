"""督办事项的状态机: who may move an item, from which state, to which state.

待签收 → 整改中 → 待核验 → 已销号, with 退回 (待核验 → 整改中, with a reason) and 延期 (the
department asks for a new deadline, a leader decides). 逾期 is not a state: metrics.supervision
derives it from the deadline. Every move is checked here — whatever a page or a forged request
sends — and writes a SupervisionEvent and an audit row in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection

from data import attachments, audit
from data.models import (
    ROLES,
    SEVERITIES,
    SUPERVISION_STATES,
    EvidenceItem,
    ExtensionRequest,
    Rectification,
    ScoreSnapshot,
    SupervisionAssist,
    SupervisionEvent,
    SupervisionEvidence,
    SupervisionItem,
    utcnow,
)
from data.supervision_settings import FINDING_KINDS
from data.viewer import AccessDenied, Viewer

# re-pointed to data.workdays when that module lands
from data.workdays import calendar_for

_item = SupervisionItem.__table__
_assist = SupervisionAssist.__table__
_event = SupervisionEvent.__table__
_evidence = SupervisionEvidence.__table__
_ext = ExtensionRequest.__table__
_rect = Rectification.__table__

# Who the viewer is to one item: the two department cases differ by the item's lead department.
ITEM_ROLES = {
    "inspector": "督察组",
    "own_dept": "本部门联络员",
    "other_dept": "其他部门联络员",
    "leader": "领导小组",
    "admin": "管理员",
}


class TransitionError(ValueError):
    """A move the viewer's role or the item's state does not allow, said in Chinese."""


@dataclass(frozen=True)
class Move:
    label: str
    roles: frozenset[str]
    from_states: frozenset[str]
    to_state: str | None  # None: the state stays (延期 does not move the item)


MOVES = {
    "acknowledge": Move("签收", frozenset({"own_dept"}), frozenset({"pending"}), "rectifying"),
    "submit": Move("提交整改反馈", frozenset({"own_dept"}), frozenset({"rectifying"}), "verifying"),
    "return": Move("退回", frozenset({"inspector"}), frozenset({"verifying"}), "rectifying"),
    "close": Move("核验销号", frozenset({"inspector"}), frozenset({"verifying"}), "closed"),
    "request_extension": Move("申请延期", frozenset({"own_dept"}), frozenset({"pending", "rectifying"}), None),
    "decide_extension": Move("审批延期", frozenset({"leader"}), frozenset({"pending", "rectifying"}), None),
}
CREATORS = frozenset({"inspector"})


def item_role(viewer: Viewer, dept_id: int) -> str:
    if viewer.role == "department":
        return "own_dept" if viewer.dept_id == dept_id else "other_dept"
    if viewer.role not in ROLES:
        raise AccessDenied(f"未知角色 {viewer.role!r}")
    return viewer.role


def allowed(role: str, state: str, action: str) -> bool:
    move = MOVES[action]
    return role in move.roles and state in move.from_states


def check(role: str, state: str, action: str) -> Move:
    """The move, or TransitionError saying why the role or the state forbids it."""
    move = MOVES[action]
    if role not in move.roles:
        who = "、".join(ITEM_ROLES[r] for r in sorted(move.roles))
        raise TransitionError(f"{ITEM_ROLES[role]}不能{move.label}督办事项：只有{who}可以")
    if state not in move.from_states:
        when = "、".join(f"「{SUPERVISION_STATES[s]}」" for s in sorted(move.from_states))
        raise TransitionError(f"督办事项当前为「{SUPERVISION_STATES[state]}」，不能{move.label}：仅在{when}时可以")
    return move


def _visible(viewer: Viewer):
    """WHERE clause: a department sees the items it leads or assists; others see all."""
    if viewer.sees_all_departments:
        return _item.c.id.isnot(None)
    if viewer.role == "department" and viewer.dept_id is not None:
        assisted = select(_assist.c.item_id).where(_assist.c.dept_id == viewer.dept_id)
        return or_(_item.c.dept_id == viewer.dept_id, _item.c.id.in_(assisted))
    raise AccessDenied(f"{viewer.username} 未绑定部门，无权查看督办事项")


def get_item(conn: Connection, viewer: Viewer, item_id: int, *, for_update: bool = False) -> dict:
    stmt = select(_item).where(_item.c.id == item_id, _visible(viewer))
    row = conn.execute(stmt.with_for_update() if for_update else stmt).mappings().first()
    if row is None:
        raise AccessDenied(f"督办事项 {item_id} 不存在或无权查看")
    return dict(row)


def list_items(
    conn: Connection, viewer: Viewer, states: Iterable[str] | None = None, dept_id: int | None = None
) -> list[dict]:
    """Items the viewer may see, earliest deadline first."""
    stmt = select(_item).where(_visible(viewer))
    if states:
        stmt = stmt.where(_item.c.state.in_(list(states)))
    if dept_id is not None:
        viewer.require_dept(dept_id)
        stmt = stmt.where(_item.c.dept_id == dept_id)
    return [dict(r) for r in conn.execute(stmt.order_by(_item.c.deadline, _item.c.id)).mappings()]


def assisting(conn: Connection, viewer: Viewer, item_id: int) -> list[int]:
    """The ids of the item's assisting departments."""
    get_item(conn, viewer, item_id)
    return list(
        conn.execute(
            select(_assist.c.dept_id).where(_assist.c.item_id == item_id).order_by(_assist.c.dept_id)
        ).scalars()
    )


def events(conn: Connection, viewer: Viewer, item_id: int) -> list[dict]:
    get_item(conn, viewer, item_id)
    rows = conn.execute(select(_event).where(_event.c.item_id == item_id).order_by(_event.c.id)).mappings()
    return [dict(r) for r in rows]


def evidence(conn: Connection, viewer: Viewer, item_id: int) -> list[dict]:
    """The frozen evidence rows, each with its snapshot parsed back into a dict."""
    get_item(conn, viewer, item_id)
    rows = conn.execute(select(_evidence).where(_evidence.c.item_id == item_id).order_by(_evidence.c.id)).mappings()
    return [{**r, "snapshot": json.loads(r["snapshot"])} for r in rows]


def evidence_now(conn: Connection, viewer: Viewer, item_id: int) -> list[dict]:
    """The frozen rows with `still_open`: whether the latest snapshot of the same period still lists
    the row (False: fixed — the resource updated, the service healthy again; None: the row came
    from no snapshot, or its period has none), for the inspector verifying the item."""
    item = get_item(conn, viewer, item_id)
    snap, ev = ScoreSnapshot.__table__, EvidenceItem.__table__
    out = []
    for row in evidence(conn, viewer, item_id):
        source = row["snapshot"].get("snapshot_id")
        period = conn.execute(select(snap.c.period_key).where(snap.c.id == source)).scalar() if source else None
        latest = (
            conn.execute(
                select(snap.c.id).where(snap.c.period_key == period).order_by(snap.c.id.desc()).limit(1)
            ).scalar()
            if period
            else None
        )
        still = (
            None
            if latest is None
            else conn.execute(
                select(ev.c.id).where(
                    ev.c.snapshot_id == latest,
                    ev.c.dept_id == item["dept_id"],
                    ev.c.indicator == row["indicator"],
                    ev.c.item_type == row["item_type"],
                    ev.c.item_key == row["item_key"],
                )
            ).first()
            is not None
        )
        out.append({**row, "still_open": still})
    return out


def _log(
    conn: Connection,
    viewer: Viewer,
    role: str,
    item_id: int,
    action: str,
    from_state: str | None,
    to_state: str,
    reason: str | None,
    **detail,
) -> None:
    conn.execute(
        insert(_event).values(
            item_id=item_id,
            at=utcnow(),
            actor=viewer.username,
            role=role,
            action=action,
            from_state=from_state,
            to_state=to_state,
            reason=reason,
            detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        )
    )
    audit.record(
        conn,
        viewer.username,
        f"supervision.{action}",
        f"supervision_item:{item_id}",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        **detail,
    )


def _need_text(value: str | None, what: str) -> str:
    if not value or not value.strip():
        raise TransitionError(f"请填写{what}")
    return value.strip()


def create_item(
    conn: Connection,
    viewer: Viewer,
    *,
    dept_id: int,
    kind: str,
    title: str,
    problem: str,
    requirement: str,
    issued_on: date,
    workdays: int,
    severity: str = "normal",
    indicator: str | None = None,
    assisting: Iterable[int] = (),
    evidence_rows: Iterable[dict] = (),
) -> int:
    """Draft and send a 督办事项; the deadline is `workdays` working days after `issued_on`.
    `evidence_rows` (EvidenceItem-shaped dicts) are frozen as they are now."""
    role = item_role(viewer, dept_id)
    if role not in CREATORS:
        raise TransitionError(f"{ITEM_ROLES[role]}不能下发督办事项：只有督察组可以")
    if kind not in FINDING_KINDS:
        raise TransitionError(f"未知的督办类型 {kind!r}，可选：{'、'.join(FINDING_KINDS)}")
    if severity not in SEVERITIES:
        raise TransitionError(f"未知的严重程度 {severity!r}，可选：{'、'.join(SEVERITIES.values())}")
    if workdays <= 0:
        raise TransitionError("整改期限应至少为 1 个工作日")
    assisting = sorted(set(assisting) - {dept_id})
    deadline = calendar_for(issued_on, issued_on).add_one(issued_on, workdays)
    item_id = conn.execute(
        insert(_item)
        .values(
            dept_id=dept_id,
            kind=kind,
            indicator=indicator,
            title=_need_text(title, "督办事项标题"),
            problem=_need_text(problem, "存在的问题"),
            requirement=_need_text(requirement, "整改要求"),
            severity=severity,
            state="pending",
            issued_on=issued_on,
            deadline=deadline,
            created_by=viewer.username,
            created_at=utcnow(),
            returns=0,
        )
        .returning(_item.c.id)
    ).scalar_one()
    if assisting:
        conn.execute(insert(_assist), [{"item_id": item_id, "dept_id": d} for d in assisting])
    frozen = [
        {
            "item_id": item_id,
            "indicator": r.get("indicator") or indicator or "",
            "item_type": r["item_type"],
            "item_key": str(r["item_key"])[:200],
            "snapshot": json.dumps(r, ensure_ascii=False, default=str),
        }
        for r in evidence_rows
    ]
    if frozen:
        conn.execute(insert(_evidence), frozen)
    _log(
        conn,
        viewer,
        role,
        item_id,
        "create",
        None,
        "pending",
        None,
        dept_id=dept_id,
        deadline=deadline.isoformat(),
        workdays=workdays,
        assisting=assisting,
        evidence=len(frozen),
    )
    return item_id


def _move(
    conn: Connection,
    viewer: Viewer,
    item_id: int,
    action: str,
    reason: str | None = None,
    values: dict | None = None,
    **detail,
) -> dict:
    """Check and apply one move on a locked row (`values`: other columns it sets); returns the
    item as it was before."""
    values = values or {}
    item = get_item(conn, viewer, item_id, for_update=True)
    role = item_role(viewer, item["dept_id"])
    move = check(role, item["state"], action)
    to_state = move.to_state or item["state"]
    if move.to_state or values:
        conn.execute(update(_item).where(_item.c.id == item_id).values(state=to_state, **values))
    _log(conn, viewer, role, item_id, action, item["state"], to_state, reason, **values, **detail)
    return item


def acknowledge(conn: Connection, viewer: Viewer, item_id: int) -> None:
    _move(conn, viewer, item_id, "acknowledge")


def submit(conn: Connection, viewer: Viewer, item_id: int, text: str, files: Iterable[tuple[str, bytes]] = ()) -> int:
    """整改反馈 with its files, sent for verification; returns the rectification id."""
    text = _need_text(text, "整改情况")
    files = list(files)
    for filename, content in files:
        attachments.validate(filename, content)
    item = _move(conn, viewer, item_id, "submit")
    rect_id = conn.execute(
        insert(_rect)
        .values(item_id=item_id, author=viewer.username, text=text, submitted_at=utcnow())
        .returning(_rect.c.id)
    ).scalar_one()
    for filename, content in files:
        attachments.store(
            conn,
            viewer,
            owner_kind="rectification",
            owner_id=rect_id,
            dept_id=item["dept_id"],
            filename=filename,
            content=content,
        )
    return rect_id


def return_item(conn: Connection, viewer: Viewer, item_id: int, reason: str) -> None:
    item = get_item(conn, viewer, item_id)
    _move(conn, viewer, item_id, "return", _need_text(reason, "退回理由"), {"returns": item["returns"] + 1})


def close(conn: Connection, viewer: Viewer, item_id: int, note: str | None = None) -> None:
    _move(conn, viewer, item_id, "close", note, {"closed_at": utcnow()})


def _pending_extension(conn: Connection, item_id: int):
    return conn.execute(select(_ext).where(_ext.c.item_id == item_id, _ext.c.decision == "pending")).mappings().first()


def pending_extension(conn: Connection, viewer: Viewer, item_id: int) -> dict | None:
    """The item's 延期 request awaiting the leader, if any, for an item the viewer may see."""
    get_item(conn, viewer, item_id)
    row = _pending_extension(conn, item_id)
    return dict(row) if row is not None else None


def request_extension(conn: Connection, viewer: Viewer, item_id: int, new_deadline: date, reason: str) -> int:
    reason = _need_text(reason, "延期理由")
    item = get_item(conn, viewer, item_id)
    check(item_role(viewer, item["dept_id"]), item["state"], "request_extension")
    if new_deadline <= item["deadline"]:
        raise TransitionError(f"新的整改期限应晚于现期限 {item['deadline']:%Y-%m-%d}")
    if _pending_extension(conn, item_id) is not None:
        raise TransitionError("该督办事项已有一份延期申请待领导审批，请等待审批结果")
    _move(conn, viewer, item_id, "request_extension", reason, requested_deadline=new_deadline)
    return conn.execute(
        insert(_ext)
        .values(
            item_id=item_id,
            requested_by=viewer.username,
            requested_at=utcnow(),
            new_deadline=new_deadline,
            reason=reason,
            decision="pending",
        )
        .returning(_ext.c.id)
    ).scalar_one()


def decide_extension(conn: Connection, viewer: Viewer, item_id: int, approve: bool, reason: str | None = None) -> None:
    """A leader approves (the deadline moves) or rejects (reason required) the pending request."""
    item = get_item(conn, viewer, item_id)
    check(item_role(viewer, item["dept_id"]), item["state"], "decide_extension")
    request = _pending_extension(conn, item_id)
    if request is None:
        raise TransitionError("该督办事项没有待审批的延期申请")
    if not approve:
        reason = _need_text(reason, "不同意延期的理由")
    values = {"deadline": request["new_deadline"]} if approve else {}
    _move(conn, viewer, item_id, "decide_extension", reason, values, approved=approve)
    conn.execute(
        update(_ext)
        .where(_ext.c.id == request["id"])
        .values(
            decision="approved" if approve else "rejected",
            decided_by=viewer.username,
            decided_at=utcnow(),
            decision_reason=reason,
        )
    )


def rectifications(conn: Connection, viewer: Viewer, item_id: int) -> list[dict]:
    """Every feedback of the item, newest last, with its attachment listing."""
    get_item(conn, viewer, item_id)
    rows = conn.execute(select(_rect).where(_rect.c.item_id == item_id).order_by(_rect.c.id)).mappings().all()
    return [{**r, "attachments": attachments.listing(conn, viewer, "rectification", r["id"])} for r in rows]
