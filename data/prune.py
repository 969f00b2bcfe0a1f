"""`python -m data prune --before YEAR`: drop what only explained years gone by, keep what
scores and publications are made of.

Dropped (before 1 January of YEAR, local time): raw failed calls (exchange_call; the
daily and monthly rollups keep their counts and top fault codes), the call-id hashes that
guard against counting a call twice (call_id_batch; a file from those years read again
would count again, as after dedupe_keep_days), quarantined lines recorded before then,
and superseded score snapshots of periods that ended before then, with their indicator
scores, evidence and 提分清单. Kept: every rollup, every record an indicator is computed
from, every current and published snapshot and every snapshot a publication version
points at, so old years still show their scores and `metrics verify` still checks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine

from data import audit
from data.clock import local_today, utc_start
from data.models import (
    CallIdBatch,
    DeptScore,
    EvidenceItem,
    ExchangeCall,
    GainItem,
    IndicatorScore,
    Publication,
    Quarantine,
    RankInterval,
    ScoreSnapshot,
)

SNAPSHOT_PARTS = (EvidenceItem, GainItem, IndicatorScore, RankInterval, DeptScore)


class PruneError(ValueError):
    """A prune that would drop what the current or previous year still needs."""


@dataclass
class PruneResult:
    before: date
    rows: dict[str, int]  # table → rows dropped (or that would be, on a dry run)


def _old_snapshots(before: date):
    s, p = ScoreSnapshot.__table__, Publication.__table__
    return select(s.c.id).where(
        s.c.period_end < before, s.c.status == "superseded", s.c.id.not_in(select(p.c.snapshot_id))
    )


def _targets(before: date) -> list[tuple[str, object, object]]:
    """(table name, table, condition) of every row the prune drops, children before parents."""
    cutoff = utc_start(before)
    snaps = _old_snapshots(before)
    call, ids, quarantine = ExchangeCall.__table__, CallIdBatch.__table__, Quarantine.__table__
    return [
        ("exchange_call", call, call.c.requested_at < cutoff),
        ("call_id_batch", ids, ids.c.max_requested_at < cutoff),
        ("quarantine", quarantine, quarantine.c.created_at < cutoff),
        *[(m.__tablename__, m.__table__, m.__table__.c.snapshot_id.in_(snaps)) for m in SNAPSHOT_PARTS],
        ("score_snapshot", ScoreSnapshot.__table__, ScoreSnapshot.__table__.c.id.in_(snaps)),
    ]


def prune(
    engine: Engine, before_year: int, actor: str, dry_run: bool = False, today: date | None = None
) -> PruneResult:
    """Drop (or, dry, count) the rows above in one transaction, audited with the counts."""
    today = today or local_today()
    if before_year > today.year - 1:
        raise PruneError(
            f"--before 最大为 {today.year - 1}（即清理 {today.year - 2} 年及以前的数据）："
            "本年度和上一年度的证据仍用于考核、申诉和复核"
        )
    before = date(before_year, 1, 1)
    rows: dict[str, int] = {}
    with engine.begin() as conn:
        for name, table, condition in _targets(before):
            if dry_run:
                rows[name] = conn.execute(select(func.count()).select_from(table).where(condition)).scalar_one()
            else:
                rows[name] = conn.execute(delete(table).where(condition)).rowcount
        if not dry_run:
            audit.record(conn, actor, "prune", f"before:{before_year}", rows=rows)
    return PruneResult(before, rows)
