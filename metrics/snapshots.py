"""Score snapshots in the store: compute a period from the store, write it, keep the current
month/quarter/year fresh after collector runs, compare a recomputation with what was stored,
and record manual adjustments. The only metrics module (with __main__) that touches the store.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from data import appeals, audit, frames
from data.clock import local_today, utcnow
from data.departments import name_index
from data.load import plain
from data.models import (
    DeptScore,
    EvidenceItem,
    GainItem,
    IndicatorScore,
    RankInterval,
    ScoreAdjustment,
    ScoreSnapshot,
)
from data.periods import Period, year
from metrics.assessment import Assessment, assess
from metrics.indicators.updates import updates_since
from metrics.inputs import PeriodInputs
from metrics.periods import evaluation_day, periods_of_year
from metrics.scheme import Scheme, load_scheme

# Records started up to this many days before a period can have their deadline in it
# (90 calendar days hold more working days than any answer limit in use).
DEADLINE_LOOKBACK_DAYS = 90
FAULT_WINDOW_DAYS = 31  # top fault codes come from the raw failed calls of the period's last 31 days
SNAPSHOT_TABLE = ScoreSnapshot.__table__


def load_inputs(conn: Connection, period: Period, as_of: date) -> PeriodInputs:
    cutoff = min(period.end, as_of)
    resources = frames.resources(conn)
    since = updates_since(resources["update_frequency"], period.start)
    first_start = period.start - timedelta(days=DEADLINE_LOOKBACK_DAYS)
    return PeriodInputs(
        departments=frames.departments(conn),
        resources=resources,
        updates=frames.resource_updates(conn, since, as_of),
        first_updates=frames.first_updates(conn),
        calls=frames.call_totals(conn, period.start, cutoff),
        faults=frames.top_faults(conn, max(period.start, cutoff - timedelta(days=FAULT_WINDOW_DAYS - 1)), cutoff),
        latency=frames.service_latency(conn, period.start, cutoff),
        requests=frames.sharing_requests(conn, first_start, cutoff, period.start),
        objections=frames.objections(conn, first_start, cutoff, period.start),
        complaints=frames.complaints(conn, first_start, cutoff, period.start),
        office=frames.office_kpis(conn, period.start.replace(day=1), period.end),
        adjustments=frames.adjustments(conn, period.year, None if period.kind == "year" else period.key),
        exemptions=appeals.exemptions(conn, period.year),
    )


def frequencies(conn: Connection) -> list[str]:
    """The catalog's distinct update frequencies: they decide how long a period stays 暂定."""
    return list(frames.resources(conn)["update_frequency"].dropna().unique())


def judged_on(engine: Engine, period: Period, today: date) -> date:
    """The default as_of of a period: min(today, period end + the longest grace among its slots)."""
    with engine.connect() as conn:
        return evaluation_day(period, load_scheme(period.year), frequencies(conn), today)


def _assessment(
    engine: Engine,
    period: Period,
    as_of: date,
    today: date,
    cache: dict,
    *,
    with_previous: bool = True,
    inputs: PeriodInputs | None = None,
    scheme: Scheme | None = None,
) -> Assessment:
    """Assess `period` (under `scheme`, default the year's); the previous period of the same length
    (as of its judged_on day) supplies prev_total / prev_rank. `cache` holds (assessment, has_previous)
    by (key, as_of)."""
    hit = cache.get((period.key, as_of))
    if hit is not None and (hit[1] or not with_previous):
        return hit[0]
    scheme = scheme or load_scheme(period.year)
    if inputs is None:
        with engine.connect() as conn:
            inputs = load_inputs(conn, period, as_of)
    previous = None
    if with_previous:
        prev = period.previous()
        previous = _assessment(engine, prev, judged_on(engine, prev, today), today, cache, with_previous=False)
        previous = previous.departments[["dept_id", "total", "rank"]]
    result = assess(
        inputs, period, as_of, scheme, previous, inputs.digest(period, as_of, scheme), detailed=with_previous
    )
    cache[(period.key, as_of)] = (result, with_previous)
    return result


def compute(
    engine: Engine,
    period_key: str,
    as_of: date | None = None,
    today: date | None = None,
    scheme: Scheme | None = None,
) -> Assessment:
    """Assess a period from the store (as_of defaults to judged_on: min(today, end + longest grace));
    `scheme` assesses it under another scheme than the year's (a comparison, never stored)."""
    period = Period.parse(period_key)
    today = today or local_today()
    return _assessment(engine, period, as_of or judged_on(engine, period, today), today, {}, scheme=scheme)


def _day(value):
    return None if pd.isna(value) else pd.Timestamp(value).date()


def write_snapshot(conn: Connection, a: Assessment) -> int:
    """A new current snapshot of `a` (data.publication.publish marks one published)."""
    snap_id = conn.execute(
        insert(SNAPSHOT_TABLE)
        .values(
            period_key=a.period.key,
            period_kind=a.period.kind,
            period_start=a.period.start,
            period_end=a.period.end,
            as_of=a.as_of,
            scheme_version=a.scheme.version,
            input_digest=a.input_digest,
            status="current",
            computed_at=utcnow(),
        )
        .returning(SNAPSHOT_TABLE.c.id)
    ).scalar_one()
    dept_rows = [
        {
            "snapshot_id": snap_id,
            **{
                c: plain(getattr(r, c))
                for c in (
                    "dept_id",
                    "category",
                    "total",
                    "base_total",
                    "bonus",
                    "deduction",
                    "vetoed",
                    "tier",
                    "rank",
                    "prev_total",
                    "prev_rank",
                )
            },
        }
        for r in a.departments.itertuples()
    ]
    ind_rows = [
        {
            "snapshot_id": snap_id,
            "dept_id": int(r.dept_id),
            "key": r.key,
            "dimension": r.dimension,
            "value": plain(r.value),
            "score": plain(r.score),
            "numerator": plain(r.numerator),
            "denominator": plain(r.denominator),
            "weight": plain(r.weight),
            "status": r.status,
            "explanation": json.dumps(r.explanation, ensure_ascii=False),
        }
        for r in a.indicators.itertuples()
    ]
    ev_rows = [
        {
            "snapshot_id": snap_id,
            "dept_id": int(r.dept_id),
            "indicator": r.indicator,
            "item_type": r.item_type,
            "item_key": str(r.item_key)[:200],
            "label": str(r.label)[:500],
            "status": r.status,
            "due_at": _day(r.due_at),
            "done_at": None if pd.isna(r.done_at) else pd.Timestamp(r.done_at).to_pydatetime(),
            "detail": json.dumps(r.detail, ensure_ascii=False, default=str),
        }
        for r in a.evidence.itertuples()
    ]
    gain_rows = [
        {
            "snapshot_id": snap_id,
            "dept_id": int(r.dept_id),
            "indicator": r.indicator,
            "item_type": r.item_type,
            "item_key": str(r.item_key)[:200],
            "action": r.action,
            "points": float(r.points),
            "deadline": _day(r.deadline),
            "upcoming": bool(r.upcoming),
        }
        for r in a.gains.itertuples()
    ]
    interval_rows = [
        {
            "snapshot_id": snap_id,
            "dept_id": int(r.dept_id),
            "rank_best": int(r.rank_best),
            "rank_worst": int(r.rank_worst),
            "note": r.rank_note,
        }
        for r in a.departments.itertuples()
        if pd.notna(r.rank_best)
    ]
    for model, rows in (
        (DeptScore, dept_rows),
        (IndicatorScore, ind_rows),
        (EvidenceItem, ev_rows),
        (GainItem, gain_rows),
        (RankInterval, interval_rows),
    ):
        if rows:
            conn.execute(insert(model.__table__), rows)
    return snap_id


def _latest_current_digest(conn: Connection, period_key: str) -> str | None:
    t = SNAPSHOT_TABLE
    return conn.execute(
        select(t.c.input_digest)
        .where(t.c.period_key == period_key, t.c.status == "current")
        .order_by(t.c.id.desc())
        .limit(1)
    ).scalar()


def _store_current(engine: Engine, a: Assessment) -> int | None:
    """Write `a` as the period's current snapshot unless the latest current one has its digest."""
    with engine.begin() as conn:
        if _latest_current_digest(conn, a.period.key) == a.input_digest:
            return None
        snap_id = write_snapshot(conn, a)
        t = SNAPSHOT_TABLE
        conn.execute(
            update(t)
            .where(t.c.period_key == a.period.key, t.c.status == "current", t.c.id != snap_id)
            .values(status="superseded")
        )
    return snap_id


def refresh_current(engine: Engine, today: date | None = None) -> list[int]:
    """(Re)compute every month, quarter and year from the earliest data up to today (at most
    the current and previous calendar year); unchanged periods (same input digest) are
    skipped, older current snapshots of a rewritten period are superseded, published ones
    are never touched. Returns the ids written."""
    today = today or local_today()
    with engine.connect() as conn:
        earliest = frames.earliest_data_day(conn)
        catalog_frequencies = frequencies(conn)
    if earliest is None or earliest > today:
        return []
    cache: dict = {}
    written = []
    for y in range(max(earliest.year, today.year - 1), today.year + 1):
        for period in sorted(periods_of_year(y, today), key=lambda p: (p.end, p.days)):
            if period.end < earliest:
                continue
            scheme = load_scheme(period.year)
            as_of = evaluation_day(period, scheme, catalog_frequencies, today)
            with engine.connect() as conn:
                inputs = load_inputs(conn, period, as_of)
                if _latest_current_digest(conn, period.key) == inputs.digest(period, as_of, scheme):
                    continue
            snap_id = _store_current(engine, _assessment(engine, period, as_of, today, cache, inputs=inputs))
            if snap_id is not None:
                written.append(snap_id)
    return written


@dataclass
class Verification:
    """A recomputation of a stored snapshot compared with it (metrics.publications)."""

    snapshot_id: int
    as_of: date | None
    digest_same: bool
    scheme_same: bool
    differences: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return self.digest_same and self.scheme_same and not self.differences

    @property
    def problems(self) -> list[str]:
        """Every reason the recomputation is not the stored result, in Chinese."""
        changed = (
            [] if self.digest_same else ["输入数据的摘要已变化（发布后有数据被修改或补录，或保存的豁免、调整被改动）"]
        )
        return changed + self.differences


DEPT_FIELDS = ("total", "base_total", "bonus", "deduction", "vetoed", "tier", "rank")
INDICATOR_FIELDS = ("value", "score", "numerator", "denominator", "weight", "status")


def _same(a, b) -> bool:
    a, b = plain(a), plain(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


@dataclass
class StoredScores:
    """A snapshot's rows as the store holds them, with the department names to report by."""

    departments: pd.DataFrame
    indicators: pd.DataFrame
    names: dict


def stored_scores(conn, snapshot_id: int) -> StoredScores:
    def rows(model) -> pd.DataFrame:
        table = model.__table__
        return pd.DataFrame(conn.execute(select(table).where(table.c.snapshot_id == snapshot_id)).mappings().all())

    names = frames.departments(conn).set_index("dept_id")["name"].to_dict()
    return StoredScores(rows(DeptScore), rows(IndicatorScore), names)


def compare_scores(result: Verification, stored: StoredScores, a) -> None:
    """Every department and indicator row that differs between the store and a recomputation."""
    names = stored.names
    depts, inds = stored.departments, stored.indicators
    _compare(
        result,
        depts.set_index("dept_id") if len(depts) else pd.DataFrame(),
        a.departments.set_index("dept_id"),
        DEPT_FIELDS,
        lambda d: names.get(d, d),
    )
    _compare(
        result,
        inds.set_index(["dept_id", "key"]) if len(inds) else inds,
        a.indicators.set_index(["dept_id", "key"]),
        INDICATOR_FIELDS,
        lambda k: f"{names.get(k[0], k[0])} {k[1]}",
    )


def _compare(result: Verification, stored: pd.DataFrame, fresh: pd.DataFrame, fields_, label) -> None:
    for key in stored.index.difference(fresh.index):
        result.differences.append(f"{label(key)}：发布时有，重算时没有")
    for key in fresh.index.difference(stored.index):
        result.differences.append(f"{label(key)}：重算时新出现")
    for key in stored.index.intersection(fresh.index):
        for f in fields_:
            old, new = stored.at[key, f], fresh.at[key, f]
            if not _same(old, new):
                result.differences.append(f"{label(key)} {f}：发布时 {plain(old)}，重算 {plain(new)}")


ADJUSTMENT_KINDS = {"bonus": "加分", "deduction": "扣分", "veto": "一票否决"}


def add_adjustment(
    engine: Engine,
    dept: str,
    kind: str,
    points: float,
    reason: str,
    author: str,
    period_key: str | None = None,
    today: date | None = None,
) -> int:
    """Record a manual bonus, deduction or veto with its audit row (one transaction).
    Without a period it applies to the yearly appraisal of the current year."""
    if kind not in ADJUSTMENT_KINDS:
        raise ValueError(f"调整类型 {kind!r} 无效：应为 bonus（加分）、deduction（扣分）或 veto（一票否决）")
    if not reason or not reason.strip():
        raise ValueError("请填写调整理由")
    if not author or not author.strip():
        raise ValueError("请填写操作人")
    if kind != "veto" and not points > 0:
        raise ValueError("加分或扣分的分值应大于 0")
    period = Period.parse(period_key) if period_key else year((today or local_today()).year)
    scheme = load_scheme(period.year)
    if kind == "veto" and not any(item in reason for item in scheme.veto_items):
        raise ValueError("一票否决的理由须写明否决事项，方案中的否决事项为：" + "、".join(scheme.veto_items))
    with engine.begin() as conn:
        dept_id = name_index(conn).get(dept.strip())
        if dept_id is None:
            raise ValueError(f"未知部门 {dept!r}：请核对部门名称或别名")
        t = ScoreAdjustment.__table__
        adj_id = conn.execute(
            insert(t)
            .values(
                dept_id=dept_id,
                year=period.year,
                period_key=None if period.kind == "year" else period.key,
                kind=kind,
                points=0.0 if kind == "veto" else float(points),
                reason=reason.strip(),
                author=author.strip(),
                created_at=utcnow(),
            )
            .returning(t.c.id)
        ).scalar_one()
        audit.record(
            conn,
            author.strip(),
            f"score.{kind}",
            f"score_adjustment:{adj_id}",
            dept=dept.strip(),
            period=period.key,
            points=points,
            reason=reason.strip(),
        )
    return adj_id
