"""Store → pandas frame reads for the metrics package: parameterised Core selects only.

Timestamps come back naive UTC as stored; local-date logic belongs to metrics/.
Every frame has fixed columns and dtypes whatever the engine, so digests of the same
data are the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pandas as pd
from sqlalchemy import BigInteger, String, and_, cast, func, or_, select, type_coerce
from sqlalchemy.engine import Connection

from data.clock import local_day, utc_bounds, utc_start
from data.models import (
    HIST_COLUMNS,
    NO_FAULT_CODE,
    CatalogResource,
    Complaint,
    DataObjection,
    Department,
    ExchangeCall,
    ExchangeDaily,
    ExchangeFaultMonth,
    ExchangeServiceMonth,
    OfficeKpi,
    ResourceUpdate,
    ScoreAdjustment,
    SharingRequest,
)
from data.months import month_split, monthly_then_edges


def _in_days(column, first: date, last: date):
    """`column` (naive UTC) within local days [first, last]."""
    since, until = utc_bounds(first, last)
    return and_(column >= since, column < until)


def typed_frame(
    conn: Connection,
    stmt,
    columns: Sequence[str],
    ints: Sequence[str] = (),
    dates: Sequence[str] = (),
    stamps: Sequence[str] = (),
    bools: Sequence[str] = (),
) -> pd.DataFrame:
    return typed_rows(conn.execute(stmt).all(), columns, ints, dates, stamps, bools)


def typed_rows(
    rows: Sequence[Sequence],
    columns: Sequence[str],
    ints: Sequence[str] = (),
    dates: Sequence[str] = (),
    stamps: Sequence[str] = (),
    bools: Sequence[str] = (),
) -> pd.DataFrame:
    """Rows (tuples in `columns` order) as a frame with the given columns typed, the rest objects."""
    # one list per column by index: zip(*rows) took six times as long on 100 k rows
    values = [[row[i] for row in rows] for i in range(len(columns))]
    df = pd.DataFrame({name: pd.Series(v, dtype="object") for name, v in zip(columns, values)})
    for c in ints:
        df[c] = pd.to_numeric(df[c]).fillna(0).astype("int64")
    for c in dates + tuple(stamps):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    for c in bools:
        df[c] = df[c].fillna(False).astype(bool)
    for c in df.columns:
        if c not in (*ints, *dates, *stamps, *bools):
            df[c] = df[c].astype("object").where(df[c].notna(), None)
    return df


def departments(conn: Connection) -> pd.DataFrame:
    t = Department.__table__
    return typed_frame(
        conn,
        select(t.c.id, t.c.name, t.c.category, t.c.active_from).order_by(t.c.id),
        ["dept_id", "name", "category", "active_from"],
        ints=["dept_id"],
        dates=("active_from",),
    )


def resources(conn: Connection) -> pd.DataFrame:
    t = CatalogResource.__table__
    cols = [
        "resource_code",
        "name",
        "provider_dept_id",
        "share_type",
        "update_frequency",
        "mounted",
        "service_code",
        "registered_at",
        "last_updated_at",
        "first_seen_at",
        "update_note",
    ]
    return typed_frame(
        conn,
        select(*[t.c[c] for c in cols]).order_by(t.c.resource_code),
        cols,
        ints=["provider_dept_id"],
        dates=("registered_at",),
        stamps=["last_updated_at", "first_seen_at"],
        bools=["mounted"],
    )


def resource_updates(conn: Connection, since: date, until: date) -> pd.DataFrame:
    """Update events of local days [since, until]."""
    t = ResourceUpdate.__table__
    # read the timestamp untyped and parse it in one vectorised step: the bulk of the update log
    stmt = (
        select(t.c.resource_code, type_coerce(t.c.updated_at, String))
        .where(_in_days(t.c.updated_at, since, until))
        .order_by(t.c.resource_code, t.c.updated_at)
    )
    return typed_frame(conn, stmt, ["resource_code", "updated_at"], stamps=["updated_at"])


def first_updates(conn: Connection) -> pd.DataFrame:
    t = ResourceUpdate.__table__
    stmt = select(t.c.resource_code, func.min(t.c.updated_at)).group_by(t.c.resource_code).order_by(t.c.resource_code)
    return typed_frame(conn, stmt, ["resource_code", "first_update"], stamps=["first_update"])


def call_totals(conn: Connection, first_day: date, last_day: date) -> pd.DataFrame:
    """Calls and failures per provider × service over local days [first_day, last_day]: whole
    months from exchange_service_month, edge days from the daily rollup."""
    m, d = ExchangeServiceMonth.__table__, ExchangeDaily.__table__
    parts = monthly_then_edges(
        *month_split(first_day, last_day),
        lambda lo, hi: select(m.c.provider_dept_id, m.c.service_code, m.c.calls, m.c.failures).where(
            m.c.month >= lo, m.c.month < hi
        ),
        lambda a, b: select(d.c.provider_dept_id, d.c.service_code, d.c.calls, d.c.failures).where(
            d.c.day >= a, d.c.day <= b
        ),
    )
    stmt = (
        select(
            parts.c.provider_dept_id,
            parts.c.service_code,
            cast(func.sum(parts.c.calls), BigInteger),
            cast(func.sum(parts.c.failures), BigInteger),
        )
        .group_by(parts.c.provider_dept_id, parts.c.service_code)
        .order_by(parts.c.provider_dept_id, parts.c.service_code)
    )
    return typed_frame(
        conn,
        stmt,
        ["provider_dept_id", "service_code", "calls", "failures"],
        ints=["provider_dept_id", "calls", "failures"],
    )


def service_latency(conn: Connection, first_day: date, last_day: date) -> pd.DataFrame:
    """Duration sums, counts and histogram (h0…h11) per provider × service over the local
    months that [first_day, last_day] touches: the histogram is kept per month only."""
    m = ExchangeServiceMonth.__table__
    sums = ["duration_count", "duration_sum_ms", *HIST_COLUMNS]
    stmt = (
        select(m.c.provider_dept_id, m.c.service_code, *[cast(func.sum(m.c[c]), BigInteger) for c in sums])
        .where(m.c.month >= first_day.replace(day=1), m.c.month <= last_day)
        .group_by(m.c.provider_dept_id, m.c.service_code)
        .order_by(m.c.provider_dept_id, m.c.service_code)
    )
    return typed_frame(conn, stmt, ["provider_dept_id", "service_code", *sums], ints=["provider_dept_id", *sums])


def top_faults(conn: Connection, first_day: date, last_day: date) -> pd.DataFrame:
    """Failed calls per provider × service × fault code over local days [first_day, last_day]:
    whole months from exchange_fault_month, edge days from the raw failed calls."""
    m, c = ExchangeFaultMonth.__table__, ExchangeCall.__table__
    parts = monthly_then_edges(
        *month_split(first_day, last_day),
        lambda lo, hi: select(
            m.c.provider_dept_id,
            m.c.service_code,
            func.nullif(m.c.fault_code, NO_FAULT_CODE).label("fault_code"),
            m.c.failures,
        ).where(m.c.month >= lo, m.c.month < hi),
        lambda a, b: (
            select(c.c.provider_dept_id, c.c.service_code, c.c.fault_code, func.count().label("failures"))
            .where(_in_days(c.c.requested_at, a, b), c.c.succeeded.is_(False))
            .group_by(c.c.provider_dept_id, c.c.service_code, c.c.fault_code)
        ),
    )
    stmt = (
        select(
            parts.c.provider_dept_id,
            parts.c.service_code,
            parts.c.fault_code,
            cast(func.sum(parts.c.failures), BigInteger),
        )
        .group_by(parts.c.provider_dept_id, parts.c.service_code, parts.c.fault_code)
        .order_by(parts.c.provider_dept_id, parts.c.service_code, parts.c.fault_code)
    )
    return typed_frame(
        conn, stmt, ["provider_dept_id", "service_code", "fault_code", "failed"], ints=["provider_dept_id", "failed"]
    )


def _deadline_records(table, cols, start_col, first_start: date, last_start: date, due_from: date):
    start = table.c[start_col]
    stmt = (
        select(*[table.c[c] for c in cols])
        .where(or_(_in_days(start, first_start, last_start), table.c.due_at >= utc_start(due_from)))
        .order_by(table.c[cols[0]])
    )
    return stmt


def sharing_requests(conn: Connection, first_start: date, last_start: date, due_from: date) -> pd.DataFrame:
    """Requests submitted on local days [first_start, last_start], or with a source deadline from due_from."""
    cols = [
        "request_id",
        "requester_dept_id",
        "provider_dept_id",
        "resource_code",
        "submitted_at",
        "answered_at",
        "due_at",
        "decision",
    ]
    stmt = _deadline_records(SharingRequest.__table__, cols, "submitted_at", first_start, last_start, due_from)
    return typed_frame(
        conn,
        stmt,
        cols,
        ints=["requester_dept_id", "provider_dept_id"],
        stamps=["submitted_at", "answered_at", "due_at"],
    )


def objections(conn: Connection, first_start: date, last_start: date, due_from: date) -> pd.DataFrame:
    cols = [
        "objection_id",
        "raised_by_dept_id",
        "provider_dept_id",
        "resource_code",
        "kind",
        "raised_at",
        "resolved_at",
        "due_at",
    ]
    stmt = _deadline_records(DataObjection.__table__, cols, "raised_at", first_start, last_start, due_from)
    return typed_frame(
        conn, stmt, cols, ints=["raised_by_dept_id", "provider_dept_id"], stamps=["raised_at", "resolved_at", "due_at"]
    )


def complaints(conn: Connection, first_start: date, last_start: date, due_from: date) -> pd.DataFrame:
    cols = [
        "ticket_id",
        "dept_id",
        "received_at",
        "due_at",
        "limit_workdays",
        "closed_at",
        "category",
        "channel",
        "satisfaction",
    ]
    stmt = _deadline_records(Complaint.__table__, cols, "received_at", first_start, last_start, due_from)
    df = typed_frame(conn, stmt, cols, ints=["dept_id"], stamps=["received_at", "due_at", "closed_at"])
    df["limit_workdays"] = pd.to_numeric(df["limit_workdays"]).astype("Int64")
    return df


def office_kpis(conn: Connection, first_month: date, last_month: date) -> pd.DataFrame:
    t = OfficeKpi.__table__
    cols = [
        "dept_id",
        "month",
        "cases_received",
        "cases_completed",
        "cases_on_time",
        "cases_online",
        "reviews_good",
        "reviews_bad",
    ]
    stmt = (
        select(*[t.c[c] for c in cols])
        .where(t.c.month >= first_month, t.c.month <= last_month)
        .order_by(t.c.dept_id, t.c.month)
    )
    return typed_frame(conn, stmt, cols, ints=[c for c in cols if c != "month"], dates=("month",))


ADJUSTMENT_COLUMNS = ["id", "dept_id", "kind", "points", "reason", "author", "created_at"]


def adjustments(conn: Connection, year: int, period_key: str | None, as_at: datetime | None = None) -> pd.DataFrame:
    """Unrevoked adjustments of `year` recorded for `period_key` (None: for the whole year); with
    `as_at`, those in force at that moment (recorded by then and not yet revoked)."""
    t = ScoreAdjustment.__table__
    which = t.c.period_key.is_(None) if period_key is None else t.c.period_key == period_key
    if as_at is None:
        live = t.c.revoked_at.is_(None)
    else:
        live = and_(t.c.created_at <= as_at, or_(t.c.revoked_at.is_(None), t.c.revoked_at > as_at))
    stmt = select(*[t.c[c] for c in ADJUSTMENT_COLUMNS]).where(t.c.year == year, which, live).order_by(t.c.id)
    return typed_adjustments(conn.execute(stmt).all())


def typed_adjustments(rows: Sequence[Sequence]) -> pd.DataFrame:
    df = typed_rows(rows, ADJUSTMENT_COLUMNS, ints=["id", "dept_id"], stamps=["created_at"])
    df["points"] = pd.to_numeric(df["points"]).astype("float64")
    return df


def earliest_data_day(conn: Connection) -> date | None:
    """The first local day any scored record falls on (calls, updates, requests, objections,
    complaints, office months, registrations)."""
    firsts = [
        conn.execute(select(func.min(ExchangeDaily.__table__.c.day))).scalar(),
        conn.execute(select(func.min(OfficeKpi.__table__.c.month))).scalar(),
        conn.execute(select(func.min(CatalogResource.__table__.c.registered_at))).scalar(),
    ]
    for table, col in (
        (ResourceUpdate, "updated_at"),
        (SharingRequest, "submitted_at"),
        (DataObjection, "raised_at"),
        (Complaint, "received_at"),
        (CatalogResource, "first_seen_at"),
    ):
        first = conn.execute(select(func.min(table.__table__.c[col]))).scalar()
        firsts.append(None if first is None else local_day(first))
    days = [pd.Timestamp(d).date() for d in firsts if d is not None]
    return min(days) if days else None
