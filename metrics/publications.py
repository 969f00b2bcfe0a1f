"""Recompute a publication version (data.publication) bit for bit: with the scheme text stored
with it, and with the exemptions and adjustments as they were when its snapshot was computed,
so a later accepted appeal leaves the earlier version verifiable."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from data import appeals
from data.models import Publication, ScoreSnapshot
from data.periods import Period
from metrics import snapshots
from metrics.assessment import assess
from metrics.scheme import parse_scheme


def verify_version(engine: Engine, publication_id: int) -> snapshots.Verification:
    pub_t, snap_t = Publication.__table__, ScoreSnapshot.__table__
    with engine.connect() as conn:
        pub = conn.execute(select(pub_t).where(pub_t.c.id == publication_id)).mappings().first()
        if pub is None:
            raise snapshots.PublishError(f"发布版本 {publication_id} 不存在")
        snap = conn.execute(select(snap_t).where(snap_t.c.id == pub["snapshot_id"])).mappings().one()
        stored = snapshots.stored_scores(conn, snap["id"])
        period = Period.parse(snap["period_key"])
        inputs = snapshots.load_inputs(conn, period, snap["as_of"])
        inputs.exemptions = appeals.exemptions(conn, period.year, as_at=snap["computed_at"])
    adjustments = inputs.adjustments
    inputs.adjustments = adjustments[adjustments["created_at"] <= pd.Timestamp(snap["computed_at"])]
    scheme = parse_scheme(pub["scheme_text"])
    a = assess(inputs, period, snap["as_of"], scheme, None, inputs.digest(period, snap["as_of"], scheme))
    result = snapshots.Verification(
        snap["id"], snap["as_of"], a.input_digest == pub["input_digest"], scheme.digest == pub["scheme_digest"]
    )
    if not result.scheme_same:
        result.differences.append("保存的方案文本与其摘要不符")
    snapshots.compare_scores(result, stored, a)
    return result
