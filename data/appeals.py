"""申诉 and 复核: a department disputes an indicator or evidence rows; an inspector rejects the
appeal or accepts it as an exemption (the rows leave the indicator: data.appeals.exemptions is a
metrics input) or as a score adjustment (a ScoreAdjustment row that names the appeal).

A department files only for itself and only inside a window: the yearly result's 公示期, or
N working days after a month's end (N: supervision.appeal_window_workdays in the scheme).
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable
from datetime import date, datetime

import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from data import attachments, audit
from data.models import (
    Appeal,
    AppealEvidence,
    Exemption,
    Publication,
    ScoreAdjustment,
    utcnow,
)
from data.supervision_settings import adjustment_caps, settings_for
from data.viewer import AccessDenied, Viewer

# re-pointed to data.workdays when that module lands
from data.workdays import calendar_for

_appeal = Appeal.__table__
_ev = AppealEvidence.__table__
_ex = Exemption.__table__
_pub = Publication.__table__
_adj = ScoreAdjustment.__table__
DECISIONS = {"reject": "驳回", "exemption": "采纳（豁免）", "adjustment": "采纳（调整分值）"}
ADJUSTMENT_KINDS = {"bonus": "加分", "deduction": "扣分"}


class AppealError(ValueError):
    """An appeal or review that cannot be recorded, with what to do instead."""


def _year_of(period_key: str) -> int:
    if not re.fullmatch(r"\d{4}(-\d{2})?", period_key):
        raise AppealError(f"只能对年度（如 2026）或月度（如 2026-05）结果申诉，而不是 {period_key!r}")
    return int(period_key[:4])


def window_open(conn: Connection, period_key: str, today: date) -> bool:
    """Whether a department may appeal `period_key`'s result on `today`."""
    year = _year_of(period_key)
    if len(period_key) == 4:
        return (
            conn.execute(
                select(_pub.c.id).where(
                    _pub.c.year == year,
                    _pub.c.state == "publicizing",
                    _pub.c.publicity_start <= today,
                    _pub.c.publicity_end >= today,
                )
            ).first()
            is not None
        )
    month = int(period_key[5:])
    month_end = date(year, month, monthrange(year, month)[1])
    last = calendar_for(month_end, month_end).add_one(month_end, settings_for(year).appeal_window_workdays)
    return month_end < today <= last


def file_appeal(
    conn: Connection,
    viewer: Viewer,
    *,
    period_key: str,
    indicator: str,
    reason: str,
    today: date,
    evidence: Iterable[dict] = (),
    files: Iterable[tuple[str, bytes]] = (),
) -> int:
    """A department's appeal of one indicator (optionally naming evidence rows: item_type, item_key, label)."""
    if viewer.role != "department" or viewer.dept_id is None:
        raise AccessDenied("只有部门联络员可以为本部门提出申诉")
    if not reason or not reason.strip():
        raise AppealError("请写明申诉理由")
    year = _year_of(period_key)
    files = list(files)
    for filename, content in files:
        attachments.validate(filename, content)
    if not window_open(conn, period_key, today):
        days = settings_for(year).appeal_window_workdays
        raise AppealError(
            f"{period_key} 的结果当前不在申诉期内：年度结果在公示期内可申诉，月度结果在月末后 {days} 个工作日内可申诉"
        )
    appeal_id = conn.execute(
        insert(_appeal)
        .values(
            dept_id=viewer.dept_id,
            year=year,
            period_key=period_key,
            indicator=indicator,
            reason=reason.strip(),
            filed_by=viewer.username,
            filed_at=utcnow(),
            state="pending",
        )
        .returning(_appeal.c.id)
    ).scalar_one()
    rows = [
        {
            "appeal_id": appeal_id,
            "item_type": e["item_type"],
            "item_key": str(e["item_key"])[:200],
            "label": (e.get("label") or None),
        }
        for e in evidence
    ]
    if rows:
        conn.execute(insert(_ev), rows)
    for filename, content in files:
        attachments.store(
            conn,
            viewer,
            owner_kind="appeal",
            owner_id=appeal_id,
            dept_id=viewer.dept_id,
            filename=filename,
            content=content,
        )
    audit.record(
        conn,
        viewer.username,
        "appeal.file",
        f"appeal:{appeal_id}",
        period=period_key,
        indicator=indicator,
        evidence=len(rows),
    )
    return appeal_id


def get_appeal(conn: Connection, viewer: Viewer, appeal_id: int) -> dict:
    """One appeal with its disputed rows and files, if the viewer may see its department."""
    row = conn.execute(select(_appeal).where(_appeal.c.id == appeal_id)).mappings().first()
    if row is None or not viewer.can_see_dept(row["dept_id"]):
        raise AccessDenied(f"申诉 {appeal_id} 不存在或无权查看")
    rows = conn.execute(select(_ev).where(_ev.c.appeal_id == appeal_id).order_by(_ev.c.id)).mappings()
    return {
        **row,
        "evidence": [dict(r) for r in rows],
        "attachments": attachments.listing(conn, viewer, "appeal", appeal_id),
    }


def list_appeals(
    conn: Connection, viewer: Viewer, year: int | None = None, states: Iterable[str] | None = None
) -> list[dict]:
    stmt = select(_appeal)
    if not viewer.sees_all_departments:
        if viewer.role != "department" or viewer.dept_id is None:
            raise AccessDenied(f"{viewer.username} 未绑定部门，无权查看申诉")
        stmt = stmt.where(_appeal.c.dept_id == viewer.dept_id)
    if year is not None:
        stmt = stmt.where(_appeal.c.year == year)
    if states:
        stmt = stmt.where(_appeal.c.state.in_(list(states)))
    return [dict(r) for r in conn.execute(stmt.order_by(_appeal.c.id)).mappings()]


def review(
    conn: Connection,
    viewer: Viewer,
    appeal_id: int,
    decision: str,
    reason: str,
    *,
    kind: str | None = None,
    points: float | None = None,
) -> None:
    """复核 by an inspector: 'reject', 'exemption' (the appeal's evidence rows leave its indicator)
    or 'adjustment' (`kind` bonus|deduction of `points`, within the scheme's cap)."""
    viewer.require_role("inspector")
    if decision not in DECISIONS:
        raise AppealError(f"复核结论 {decision!r} 无效：应为 驳回、采纳（豁免）或 采纳（调整分值）")
    if not reason or not reason.strip():
        raise AppealError("请写明复核意见")
    appeal = get_appeal(conn, viewer, appeal_id)
    if appeal["state"] != "pending":
        raise AppealError(f"申诉 {appeal_id} 已复核（{DECISIONS[appeal['effect'] or 'reject']}），不能再次复核")
    values = {
        "state": "rejected" if decision == "reject" else "accepted",
        "effect": None if decision == "reject" else decision,
        "review_reason": reason.strip(),
        "reviewed_by": viewer.username,
        "reviewed_at": utcnow(),
    }
    if decision == "exemption":
        if not appeal["evidence"]:
            raise AppealError("该申诉没有列出具体证据行，不能以豁免方式采纳；可改为调整分值")
        conn.execute(
            insert(_ex),
            [
                {
                    "appeal_id": appeal_id,
                    "dept_id": appeal["dept_id"],
                    "year": appeal["year"],
                    "indicator": appeal["indicator"],
                    "item_type": e["item_type"],
                    "item_key": e["item_key"],
                    "created_at": utcnow(),
                }
                for e in appeal["evidence"]
            ],
        )
    if decision == "adjustment":
        values["adjustment_id"] = _adjust(conn, viewer, appeal, kind, points, reason.strip())
    conn.execute(update(_appeal).where(_appeal.c.id == appeal_id).values(**values))
    audit.record(
        conn,
        viewer.username,
        f"appeal.{decision}",
        f"appeal:{appeal_id}",
        reason=reason.strip(),
        kind=kind,
        points=points,
    )


def _adjust(conn: Connection, viewer: Viewer, appeal: dict, kind: str | None, points: float | None, reason: str) -> int:
    if kind not in ADJUSTMENT_KINDS:
        raise AppealError("调整分值须选择 加分（bonus）或 扣分（deduction）")
    if points is None or not points > 0:
        raise AppealError("调整的分值应大于 0")
    caps = dict(zip(ADJUSTMENT_KINDS, adjustment_caps(appeal["year"])))
    if points > caps[kind]:
        raise AppealError(f"{ADJUSTMENT_KINDS[kind]} {points:g} 分超过考核方案的上限 {caps[kind]:g} 分")
    period_key = None if len(appeal["period_key"]) == 4 else appeal["period_key"]
    return conn.execute(
        insert(_adj)
        .values(
            dept_id=appeal["dept_id"],
            year=appeal["year"],
            period_key=period_key,
            kind=kind,
            points=float(points),
            reason=f"申诉 {appeal['id']} 复核采纳：{reason}",
            author=viewer.username,
            created_at=utcnow(),
        )
        .returning(_adj.c.id)
    ).scalar_one()


EXEMPTION_COLUMNS = ["dept_id", "indicator", "item_type", "item_key", "appeal_id"]


def exemptions(conn: Connection, year: int, as_at: datetime | None = None) -> pd.DataFrame:
    """The year's exemptions (those recorded by `as_at`, to recompute an earlier version), the
    frame metrics drops from its inputs (not viewer-scoped: an input)."""
    stmt = select(*[_ex.c[c] for c in EXEMPTION_COLUMNS]).where(_ex.c.year == year)
    if as_at is not None:
        stmt = stmt.where(_ex.c.created_at <= as_at)
    rows = conn.execute(stmt.order_by(_ex.c.id)).mappings().all()
    frame = pd.DataFrame([dict(r) for r in rows], columns=EXEMPTION_COLUMNS)
    return frame.astype({"dept_id": "int64", "appeal_id": "int64"})
