"""What a what-if rescoring reads: a snapshot's stored indicator counts, its stored totals,
tiers and ranks, and the manual adjustments as they stood when it was computed.

Rescoring from these never recomputes an indicator, so comparing schemes for a year takes
a fraction of a second; only leaders, inspectors and administrators may read every
department's counts side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from data import frames
from data.models import Department, DeptScore, IndicatorScore, ScoreSnapshot
from data.periods import Period
from data.viewer import Viewer

READERS = ("leader", "inspector", "admin")
DIMENSION_PREFIX = "dim:"


@dataclass(frozen=True)
class SnapshotValues:
    snapshot_id: int
    period: Period
    as_of: date
    scheme_version: str
    computed_at: datetime
    departments: pd.DataFrame  # dept_id, name, category, total, tier, rank (as stored)
    indicators: pd.DataFrame  # dept_id, key, numerator, denominator, status (indicator rows only)
    adjustments: pd.DataFrame  # data.frames.adjustments columns, in force at computed_at


def snapshot_values(conn: Connection, viewer: Viewer, snapshot_id: int) -> SnapshotValues:
    viewer.require_role(*READERS)
    snap_t, score_t, ind_t, dept_t = (m.__table__ for m in (ScoreSnapshot, DeptScore, IndicatorScore, Department))
    snap = conn.execute(select(snap_t).where(snap_t.c.id == snapshot_id)).mappings().first()
    if snap is None:
        raise LookupError(f"得分快照 {snapshot_id} 不存在")
    depts = pd.DataFrame(
        conn.execute(
            select(
                score_t.c.dept_id, dept_t.c.name, score_t.c.category, score_t.c.total, score_t.c.tier, score_t.c.rank
            )
            .join(dept_t, dept_t.c.id == score_t.c.dept_id)
            .where(score_t.c.snapshot_id == snapshot_id)
            .order_by(score_t.c.dept_id)
        ).all(),
        columns=["dept_id", "name", "category", "total", "tier", "rank"],
    )
    depts["total"] = pd.to_numeric(depts["total"]).astype(float)
    depts["rank"] = pd.to_numeric(depts["rank"]).astype("Int64")
    inds = pd.DataFrame(
        conn.execute(
            select(ind_t.c.dept_id, ind_t.c.key, ind_t.c.numerator, ind_t.c.denominator, ind_t.c.status).where(
                ind_t.c.snapshot_id == snapshot_id, ~ind_t.c.key.like(DIMENSION_PREFIX + "%")
            )
        ).all(),
        columns=["dept_id", "key", "numerator", "denominator", "status"],
    )
    inds[["numerator", "denominator"]] = inds[["numerator", "denominator"]].apply(pd.to_numeric).astype(float)
    period = Period.parse(snap["period_key"])
    adjustments = frames.adjustments(
        conn, period.year, None if period.kind == "year" else period.key, as_at=snap["computed_at"]
    )
    return SnapshotValues(
        snapshot_id, period, snap["as_of"], snap["scheme_version"], snap["computed_at"], depts, inds, adjustments
    )
