"""Every read the dashboard pages and exports do, scoped to the viewer.

Each function takes a connection and a `Viewer` first. Leaders, inspectors and
administrators see every department; a department viewer sees only its own rows and
gets `AccessDenied` when it names another department. Anonymous distributions (totals
and indicator scores without department ids) are the only cross-department answers a
department viewer receives. Pages render stored snapshots: nothing here computes a
score, value, tier or rank.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import func, select, true
from sqlalchemy.engine import Connection

from data.clock import utcnow
from data.models import (
    CatalogResource,
    CollectorRun,
    Department,
    DeptScore,
    EvidenceItem,
    ExchangeCall,
    ExchangeDaily,
    ExchangePartnerMonth,
    GainItem,
    IndicatorScore,
    Quarantine,
    RankInterval,
    ScoreSnapshot,
    SourceCursor,
)
from data.months import month_split, monthly_then_edges
from data.periods import Period
from data.viewer import AccessDenied, Viewer

DIMENSION_PREFIX = "dim:"

_dept = Department.__table__
_snap = ScoreSnapshot.__table__
_score = DeptScore.__table__
_ind = IndicatorScore.__table__
_evidence = EvidenceItem.__table__
_gain = GainItem.__table__
_interval = RankInterval.__table__
_daily = ExchangeDaily.__table__
_partner = ExchangePartnerMonth.__table__
_call = ExchangeCall.__table__
_run = CollectorRun.__table__
_quarantine = Quarantine.__table__
_cursor = SourceCursor.__table__


def _frame(conn: Connection, stmt, columns: list[str] | None = None, json_column: str | None = None) -> pd.DataFrame:
    """Rows as a frame; `json_column` holds stored JSON text, parsed into dicts ({} when absent)."""
    result = conn.execute(stmt)
    rows = [dict(r) for r in result.mappings()]
    if json_column:
        for r in rows:
            r[json_column] = json.loads(r[json_column]) if r[json_column] else {}
    return pd.DataFrame(rows, columns=columns or list(result.keys()))


def _scope(viewer: Viewer, column, dept_id: int | None = None):
    """WHERE clause restricting `column` to what the viewer may see (and to dept_id if given)."""
    if dept_id is not None:
        viewer.require_dept(dept_id)
        return column == dept_id
    if viewer.sees_all_departments:
        return true()
    if viewer.role == "department" and viewer.dept_id is not None:
        return column == viewer.dept_id
    raise AccessDenied(f"{viewer.username} 未绑定部门，无权查看部门数据")


# --- periods and snapshots -------------------------------------------------------------

SNAPSHOT_COLUMNS = [
    "snapshot_id",
    "period_key",
    "period_kind",
    "period_start",
    "period_end",
    "as_of",
    "scheme_version",
    "status",
    "computed_at",
    "published_at",
    "complete",
    "has_data",
]


@dataclass(frozen=True)
class ShownSnapshot:
    """The snapshot a page shows for a period (one row of `periods`)."""

    snapshot_id: int
    period: Period
    as_of: date
    scheme_version: str
    status: str  # published | current
    computed_at: datetime
    complete: bool  # evaluated at or after the period's end
    has_data: bool = True  # some department has a total (a period without records has none)

    @classmethod
    def from_row(cls, row: dict) -> ShownSnapshot:
        return cls(
            int(row["snapshot_id"]),
            Period.parse(row["period_key"]),
            row["as_of"],
            row["scheme_version"],
            row["status"],
            row["computed_at"],
            bool(row["complete"]),
            bool(row["has_data"]),
        )


def scores_version(conn: Connection) -> tuple:
    """What the stored scores are at this moment, as a cache key rather than viewer data: a
    new computation (a collector run, an exemption's recompute) or a publication changes it."""
    published = func.count().filter(_snap.c.status == "published")
    row = conn.execute(select(func.max(_snap.c.id), func.count(), published, func.max(_snap.c.published_at))).one()
    return tuple(row)


def periods(conn: Connection, viewer: Viewer) -> pd.DataFrame:
    """One row per period that has scores: the snapshot pages show for it, newest first.

    A period shows its latest published snapshot if there is one, else its latest
    current one; superseded snapshots are never shown. `complete` is true when the
    snapshot was evaluated at or after the period's end; `has_data` that some department
    in it has a total.
    """
    stmt = (
        select(
            _snap.c.id.label("snapshot_id"),
            _snap.c.period_key,
            _snap.c.period_kind,
            _snap.c.period_start,
            _snap.c.period_end,
            _snap.c.as_of,
            _snap.c.scheme_version,
            _snap.c.status,
            _snap.c.computed_at,
            _snap.c.published_at,
        )
        .where(_snap.c.status.in_(("published", "current")))
        .order_by(_snap.c.id)
    )
    chosen: dict[str, dict] = {}
    for row in conn.execute(stmt).mappings():
        held = chosen.get(row["period_key"])
        if held is None or row["status"] == "published" or held["status"] != "published":
            chosen[row["period_key"]] = dict(row)
    frame = pd.DataFrame(list(chosen.values()), columns=SNAPSHOT_COLUMNS[:-2])
    frame["complete"] = frame["as_of"] >= frame["period_end"]
    scored = set(
        conn.execute(
            select(_score.c.snapshot_id)
            .where(_score.c.total.is_not(None), _score.c.snapshot_id.in_([int(i) for i in frame["snapshot_id"]]))
            .distinct()
        ).scalars()
    )
    frame["has_data"] = frame["snapshot_id"].isin(scored)
    return frame.sort_values(["period_start", "period_end"], ascending=False, ignore_index=True)


def update_frequencies(conn: Connection, viewer: Viewer) -> list[str]:
    """The catalog's distinct update frequencies: with the scheme's grace days they say until
    when a closed period is 暂定 (metrics.periods.settled_day)."""
    t = CatalogResource.__table__
    return sorted(
        conn.execute(select(t.c.update_frequency).where(t.c.update_frequency.is_not(None)).distinct()).scalars()
    )


# --- departments -----------------------------------------------------------------------


def departments(conn: Connection, viewer: Viewer, category: str | None = None) -> pd.DataFrame:
    """Departments the viewer may see: dept_id, name, category."""
    stmt = (
        select(_dept.c.id.label("dept_id"), _dept.c.name, _dept.c.category)
        .where(_scope(viewer, _dept.c.id))
        .order_by(_dept.c.category, _dept.c.name)
    )
    if category:
        stmt = stmt.where(_dept.c.category == category)
    return _frame(conn, stmt)


def department(conn: Connection, viewer: Viewer, dept_id: int) -> dict:
    viewer.require_dept(dept_id)
    row = (
        conn.execute(
            select(_dept.c.id.label("dept_id"), _dept.c.name, _dept.c.category, _dept.c.active_from).where(
                _dept.c.id == dept_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise LookupError(f"部门 {dept_id} 不存在")
    return dict(row)


# --- scores ----------------------------------------------------------------------------

RANKING_COLUMNS = [
    "dept_id",
    "department",
    "category",
    "rank",
    "total",
    "tier",
    "base_total",
    "bonus",
    "deduction",
    "vetoed",
    "prev_total",
    "prev_rank",
    "active_from",
    "rank_best",
    "rank_worst",
    "rank_note",
]


def ranking(
    conn: Connection, viewer: Viewer, snapshot_id: int, category: str | None = None, dept_id: int | None = None
) -> pd.DataFrame:
    """Stored totals, tiers, ranks and rank intervals of a snapshot, with one column per dimension score."""
    stmt = (
        select(
            _score.c.dept_id,
            _dept.c.name.label("department"),
            _score.c.category,
            _score.c.rank,
            _score.c.total,
            _score.c.tier,
            _score.c.base_total,
            _score.c.bonus,
            _score.c.deduction,
            _score.c.vetoed,
            _score.c.prev_total,
            _score.c.prev_rank,
            _dept.c.active_from,
            _interval.c.rank_best,
            _interval.c.rank_worst,
            _interval.c.note.label("rank_note"),
        )
        .join(_dept, _dept.c.id == _score.c.dept_id)
        .outerjoin(
            _interval, (_interval.c.snapshot_id == _score.c.snapshot_id) & (_interval.c.dept_id == _score.c.dept_id)
        )
        .where(_score.c.snapshot_id == snapshot_id, _scope(viewer, _score.c.dept_id, dept_id))
        .order_by(_score.c.category, _score.c.rank.is_(None), _score.c.rank, _dept.c.name)
    )
    if category:
        stmt = stmt.where(_score.c.category == category)
    frame = _frame(conn, stmt, RANKING_COLUMNS)
    dims = indicator_scores(conn, viewer, snapshot_id, category=category, dept_id=dept_id, dimensions=True)
    if dims.empty or frame.empty:
        return frame
    wide = dims.pivot(index="dept_id", columns="dimension", values="score")
    return frame.merge(wide, left_on="dept_id", right_index=True, how="left")


INDICATOR_COLUMNS = [
    "dept_id",
    "department",
    "category",
    "key",
    "dimension",
    "value",
    "score",
    "numerator",
    "denominator",
    "weight",
    "status",
    "explanation",
]


def indicator_scores(
    conn: Connection,
    viewer: Viewer,
    snapshot_id: int,
    *,
    category: str | None = None,
    dept_id: int | None = None,
    dimensions: bool = False,
) -> pd.DataFrame:
    """Indicator rows (or, with dimensions=True, the dim:<dimension> rows) of a snapshot.

    `explanation` is the stored JSON parsed into a dict (empty when absent).
    """
    kind = _ind.c.key.like(DIMENSION_PREFIX + "%")
    stmt = (
        select(
            _ind.c.dept_id,
            _dept.c.name.label("department"),
            _dept.c.category,
            _ind.c.key,
            _ind.c.dimension,
            _ind.c.value,
            _ind.c.score,
            _ind.c.numerator,
            _ind.c.denominator,
            _ind.c.weight,
            _ind.c.status,
            _ind.c.explanation,
        )
        .join(_dept, _dept.c.id == _ind.c.dept_id)
        .where(
            _ind.c.snapshot_id == snapshot_id, kind if dimensions else ~kind, _scope(viewer, _ind.c.dept_id, dept_id)
        )
        .order_by(_dept.c.name, _ind.c.id)
    )
    if category:
        stmt = stmt.where(_dept.c.category == category)
    return _frame(conn, stmt, INDICATOR_COLUMNS, json_column="explanation")


def total_distribution(conn: Connection, viewer: Viewer, snapshot_id: int, category: str | None = None) -> list[float]:
    """Anonymous totals of a snapshot, ascending: the one cross-department view for everyone."""
    stmt = (
        select(_score.c.total)
        .where(_score.c.snapshot_id == snapshot_id, _score.c.total.is_not(None))
        .order_by(_score.c.total)
    )
    if category:
        stmt = stmt.where(_score.c.category == category)
    return [float(t) for t in conn.execute(stmt).scalars()]


def indicator_distribution(
    conn: Connection, viewer: Viewer, snapshot_id: int, category: str | None = None
) -> pd.DataFrame:
    """Anonymous indicator scores (key, score) of a category, without department ids."""
    stmt = (
        select(_ind.c.key, _ind.c.score)
        .join(_dept, _dept.c.id == _ind.c.dept_id)
        .where(_ind.c.snapshot_id == snapshot_id, _ind.c.score.is_not(None), ~_ind.c.key.like(DIMENSION_PREFIX + "%"))
        .order_by(_ind.c.key, _ind.c.score)
    )
    if category:
        stmt = stmt.where(_dept.c.category == category)
    return _frame(conn, stmt, ["key", "score"])


def _shown_snapshots(conn: Connection, viewer: Viewer, period_kind: str, year: int) -> pd.DataFrame:
    shown = periods(conn, viewer)
    chosen = shown[(shown["period_kind"] == period_kind) & (pd.to_datetime(shown["period_start"]).dt.year == year)]
    return chosen[["snapshot_id", "period_key", "period_start", "complete"]]


def dept_history(conn: Connection, viewer: Viewer, dept_id: int, period_kind: str, year: int) -> pd.DataFrame:
    """The department's total, rank and tier in each shown snapshot of a kind in a year.

    `complete` is false for a period still running on its evaluation date.
    """
    viewer.require_dept(dept_id)
    shown = _shown_snapshots(conn, viewer, period_kind, year)
    columns = ["period_key", "period_start", "complete", "total", "rank", "tier"]
    if shown.empty:
        return pd.DataFrame(columns=columns)
    stmt = select(_score.c.snapshot_id, _score.c.total, _score.c.rank, _score.c.tier).where(
        _score.c.dept_id == dept_id, _score.c.snapshot_id.in_([int(i) for i in shown["snapshot_id"]])
    )
    scores = _frame(conn, stmt, ["snapshot_id", "total", "rank", "tier"])
    merged = shown.merge(scores, on="snapshot_id")
    return merged.sort_values("period_start", ignore_index=True)[columns]


def indicator_history(conn: Connection, viewer: Viewer, dept_id: int, period_kind: str, year: int) -> pd.DataFrame:
    """The department's indicator values and scores in each shown snapshot of a kind in a year."""
    viewer.require_dept(dept_id)
    shown = _shown_snapshots(conn, viewer, period_kind, year)
    columns = ["period_key", "period_start", "complete", "key", "value", "score", "status"]
    if shown.empty:
        return pd.DataFrame(columns=columns)
    stmt = select(_ind.c.snapshot_id, _ind.c.key, _ind.c.value, _ind.c.score, _ind.c.status).where(
        _ind.c.dept_id == dept_id,
        ~_ind.c.key.like(DIMENSION_PREFIX + "%"),
        _ind.c.snapshot_id.in_([int(i) for i in shown["snapshot_id"]]),
    )
    rows = _frame(conn, stmt, ["snapshot_id", "key", "value", "score", "status"])
    merged = shown.merge(rows, on="snapshot_id")
    return merged.sort_values(["key", "period_start"], ignore_index=True)[columns]


# --- evidence and 提分清单 ----------------------------------------------------------------

EVIDENCE_COLUMNS = ["dept_id", "indicator", "item_type", "item_key", "label", "status", "due_at", "done_at", "detail"]


def evidence(conn: Connection, viewer: Viewer, snapshot_id: int, dept_id: int | None = None) -> pd.DataFrame:
    """Problem rows stored with the snapshot (overdue resources, late requests, …)."""
    stmt = (
        select(*[_evidence.c[c] for c in EVIDENCE_COLUMNS])
        .where(_evidence.c.snapshot_id == snapshot_id, _scope(viewer, _evidence.c.dept_id, dept_id))
        .order_by(_evidence.c.dept_id, _evidence.c.indicator, _evidence.c.due_at, _evidence.c.id)
    )
    return _frame(conn, stmt, EVIDENCE_COLUMNS, json_column="detail")


GAIN_COLUMNS = ["dept_id", "indicator", "item_type", "item_key", "action", "points", "deadline", "upcoming"]


def gain_items(conn: Connection, viewer: Viewer, snapshot_id: int, dept_id: int | None = None) -> pd.DataFrame:
    """提分清单 of the snapshot, most points first."""
    stmt = (
        select(*[_gain.c[c] for c in GAIN_COLUMNS])
        .where(_gain.c.snapshot_id == snapshot_id, _scope(viewer, _gain.c.dept_id, dept_id))
        .order_by(_gain.c.points.desc(), _gain.c.deadline, _gain.c.id)
    )
    return _frame(conn, stmt, GAIN_COLUMNS)


# --- exchange calls (rollup, and failed calls bounded by period and limit) --------------


def call_partners(conn: Connection, viewer: Viewer, dept_id: int, period: Period, limit: int = 8) -> pd.DataFrame:
    """Top departments calling this one's services ('consumer') and that it calls ('provider'):
    whole months from exchange_partner_month, edge days from the daily rollup, both
    directions in one pass over them."""
    viewer.require_dept(dept_id)
    columns = ["direction", "partner_id", "partner", "calls", "failures"]
    pairs = monthly_then_edges(
        *month_split(period.start, period.end),
        lambda lo, hi: select(
            _partner.c.provider_dept_id, _partner.c.consumer_dept_id, _partner.c.calls, _partner.c.failures
        ).where(
            _partner.c.month >= lo,
            _partner.c.month < hi,
            (_partner.c.provider_dept_id == dept_id) | (_partner.c.consumer_dept_id == dept_id),
        ),
        lambda a, b: select(
            _daily.c.provider_dept_id, _daily.c.consumer_dept_id, _daily.c.calls, _daily.c.failures
        ).where(
            _daily.c.day >= a,
            _daily.c.day <= b,
            (_daily.c.provider_dept_id == dept_id) | (_daily.c.consumer_dept_id == dept_id),
        ),
    )
    stmt = select(
        pairs.c.provider_dept_id.label("provider_id"),
        pairs.c.consumer_dept_id.label("consumer_id"),
        func.sum(pairs.c.calls).label("calls"),
        func.sum(pairs.c.failures).label("failures"),
    ).group_by(pairs.c.provider_dept_id, pairs.c.consumer_dept_id)
    totals = _frame(conn, stmt)
    names = dict(conn.execute(select(_dept.c.id, _dept.c.name)).all())
    parts = []
    for direction, own, other in (
        ("consumer", "provider_id", "consumer_id"),
        ("provider", "consumer_id", "provider_id"),
    ):
        part = totals[totals[own] == dept_id].rename(columns={other: "partner_id"})
        part = part.assign(direction=direction, partner=part["partner_id"].map(names))
        parts.append(part.sort_values(["calls", "partner"], ascending=[False, True]).head(limit))
    return pd.concat(parts, ignore_index=True)[columns]


def failures_by_day(conn: Connection, viewer: Viewer, dept_id: int, period: Period) -> pd.DataFrame:
    """Calls and failures per day to the department's services, from the daily rollup."""
    viewer.require_dept(dept_id)
    stmt = (
        select(_daily.c.day, func.sum(_daily.c.calls).label("calls"), func.sum(_daily.c.failures).label("failures"))
        .where(_daily.c.provider_dept_id == dept_id, _daily.c.day >= period.start, _daily.c.day <= period.end)
        .group_by(_daily.c.day)
        .order_by(_daily.c.day)
    )
    return _frame(conn, stmt, ["day", "calls", "failures"])


def top_fault_codes(conn: Connection, viewer: Viewer, dept_id: int, period: Period, limit: int = 10) -> pd.DataFrame:
    """Most frequent (service, fault code) pairs of failed calls to the department."""
    viewer.require_dept(dept_id)
    since, until = period.utc_bounds
    failures = func.count().label("failures")
    stmt = (
        select(
            _call.c.service_code,
            func.coalesce(_call.c.fault_code, _call.c.status_code).label("fault_code"),
            failures,
            func.min(_call.c.requested_at).label("first_at"),
            func.max(_call.c.requested_at).label("last_at"),
        )
        .where(
            _call.c.provider_dept_id == dept_id,
            _call.c.succeeded.is_(False),
            _call.c.requested_at >= since,
            _call.c.requested_at < until,
        )
        .group_by(_call.c.service_code, func.coalesce(_call.c.fault_code, _call.c.status_code))
        .order_by(failures.desc(), _call.c.service_code)
        .limit(limit)
    )
    return _frame(conn, stmt, ["service_code", "fault_code", "failures", "first_at", "last_at"])


def failed_calls(conn: Connection, viewer: Viewer, dept_id: int, period: Period, limit: int = 200) -> pd.DataFrame:
    """The latest failed calls to the department's services in the period (time, service, caller)."""
    viewer.require_dept(dept_id)
    since, until = period.utc_bounds
    stmt = (
        select(
            _call.c.requested_at,
            _call.c.service_code,
            _dept.c.name.label("consumer"),
            _call.c.fault_code,
            _call.c.status_code,
            _call.c.duration_ms,
        )
        .join(_dept, _dept.c.id == _call.c.consumer_dept_id)
        .where(
            _call.c.provider_dept_id == dept_id,
            _call.c.succeeded.is_(False),
            _call.c.requested_at >= since,
            _call.c.requested_at < until,
        )
        .order_by(_call.c.requested_at.desc())
        .limit(limit)
    )
    return _frame(conn, stmt, ["requested_at", "service_code", "consumer", "fault_code", "status_code", "duration_ms"])


# --- collector health (administrators) --------------------------------------------------

SOURCE_COLUMNS = [
    "source",
    "status",
    "started_at",
    "finished_at",
    "rows_read",
    "rows_loaded",
    "rows_duplicate",
    "rows_quarantined",
    "error",
    "last_ok_at",
    "cursor_updated_at",
    "lag_hours",
    "quarantine_total",
]


def source_status(conn: Connection, viewer: Viewer) -> pd.DataFrame:
    """Each source's latest run, its last successful run, cursor time and lag in hours."""
    viewer.require_role("admin")
    latest = select(_run.c.source, func.max(_run.c.id).label("run_id")).group_by(_run.c.source).subquery()
    last_ok = (
        select(_run.c.source, func.max(_run.c.finished_at).label("last_ok_at"))
        .where(_run.c.status.in_(("ok", "partial")))
        .group_by(_run.c.source)
        .subquery()
    )
    held = (
        select(_quarantine.c.source, func.count().label("quarantine_total")).group_by(_quarantine.c.source).subquery()
    )
    stmt = (
        select(
            _run.c.source,
            _run.c.status,
            _run.c.started_at,
            _run.c.finished_at,
            _run.c.rows_read,
            _run.c.rows_loaded,
            _run.c.rows_duplicate,
            _run.c.rows_quarantined,
            _run.c.error,
            last_ok.c.last_ok_at,
            _cursor.c.updated_at.label("cursor_updated_at"),
            held.c.quarantine_total,
        )
        .join(latest, latest.c.run_id == _run.c.id)
        .outerjoin(last_ok, last_ok.c.source == _run.c.source)
        .outerjoin(_cursor, _cursor.c.source == _run.c.source)
        .outerjoin(held, held.c.source == _run.c.source)
        .order_by(_run.c.source)
    )
    frame = _frame(conn, stmt, [c for c in SOURCE_COLUMNS if c != "lag_hours"])
    now = utcnow()
    frame["lag_hours"] = [
        round((now - t).total_seconds() / 3600, 1) if isinstance(t, datetime) else None for t in frame["last_ok_at"]
    ]
    frame["quarantine_total"] = frame["quarantine_total"].fillna(0).astype(int)
    return frame[SOURCE_COLUMNS]


QUARANTINE_COLUMNS = ["id", "source", "kind", "file", "line", "reason", "raw", "created_at"]


def quarantined(conn: Connection, viewer: Viewer, source: str | None = None, limit: int = 5000) -> pd.DataFrame:
    """Quarantined rows with their reasons, newest first."""
    viewer.require_role("admin")
    stmt = select(*[_quarantine.c[c] for c in QUARANTINE_COLUMNS]).order_by(_quarantine.c.id.desc()).limit(limit)
    if source:
        stmt = stmt.where(_quarantine.c.source == source)
    return _frame(conn, stmt, QUARANTINE_COLUMNS)
