"""The complaint tickets behind a department's 投诉 scores, for its evidence page: the
tickets themselves and their count per local month and category. The per-10k rate is
an indicator, so pages read it from the snapshots (queries.indicator_history)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Text, cast, func, select
from sqlalchemy.engine import Connection

from data.clock import to_local_series, utc_bounds
from data.models import Complaint
from data.viewer import Viewer

_complaint = Complaint.__table__
TICKET_COLUMNS = ["ticket_id", "received_at", "category", "channel", "satisfaction", "due_at", "closed_at", "summary"]
UNCATEGORISED = "未分类"


def tickets(
    conn: Connection, viewer: Viewer, dept_id: int, first_day: date, last_day: date, limit: int = 5000
) -> pd.DataFrame:
    """The department's tickets received on local days [first_day, last_day], newest first."""
    viewer.require_dept(dept_id)
    since, until = utc_bounds(first_day, last_day)
    c = _complaint.c
    stmt = (
        select(*[c[name] for name in TICKET_COLUMNS])
        .where(c.dept_id == dept_id, c.received_at >= since, c.received_at < until)
        .order_by(c.received_at.desc(), c.ticket_id)
        .limit(limit)
    )
    return pd.DataFrame([dict(r) for r in conn.execute(stmt).mappings()], columns=TICKET_COLUMNS)


def tickets_by_month(conn: Connection, viewer: Viewer, dept_id: int, first_day: date, last_day: date) -> pd.DataFrame:
    """Tickets per local month × category (blank categories as 未分类), months ascending.

    Counted per UTC hour in the store (a day's tickets are a few rows, whatever the volume)
    and moved to local months here, since a month's edge is local midnight."""
    viewer.require_dept(dept_id)
    since, until = utc_bounds(first_day, last_day)
    c = _complaint.c
    hour = func.substr(cast(c.received_at, Text), 1, 13)  # 'YYYY-MM-DD HH' on both engines
    stmt = (
        select(hour.label("hour"), c.category, func.count().label("tickets"))
        .where(c.dept_id == dept_id, c.received_at >= since, c.received_at < until)
        .group_by(hour, c.category)
    )
    rows = pd.DataFrame([dict(r) for r in conn.execute(stmt).mappings()], columns=["hour", "category", "tickets"])
    columns = ["month", "category", "tickets"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    at = to_local_series(pd.to_datetime(rows["hour"].str.replace("T", " ") + ":00"))
    rows = rows.assign(
        month=at.dt.to_period("M").dt.start_time.dt.date,
        category=rows["category"].fillna("").replace("", UNCATEGORISED),
    )
    out = rows.groupby(["month", "category"], as_index=False)["tickets"].sum()
    return out.sort_values(["month", "tickets"], ascending=[True, False], ignore_index=True)[columns]
