"""Viewer-scoped reads of alerts for the pages: the list, the badge count, the open-alert trend
and one alert's log. A department reads its own alerts only, never collector health."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta

import pandas as pd
from sqlalchemy import func, select, true
from sqlalchemy.engine import Connection

from data.alerts import OPEN_STATES, get_alert, last_checked_day, visible
from data.clock import local_days
from data.models import Alert, AlertEvent
from data.viewer import Viewer

_alert = Alert.__table__
_event = AlertEvent.__table__
HEALTH_PREFIX = "source:"
ALERT_COLUMNS = [c.name for c in _alert.columns if c.name not in ("open_key",)]


def alerts(
    conn: Connection,
    viewer: Viewer,
    *,
    kinds: Iterable[str] | None = None,
    states: Iterable[str] | None = None,
    dept_id: int | None = None,
    health: bool | None = None,
) -> pd.DataFrame:
    """Alerts the viewer may see, newest last seen first; evidence parsed into lists.
    `health`: see _health."""
    stmt = select(*[_alert.c[c] for c in ALERT_COLUMNS]).where(visible(viewer))
    if kinds:
        stmt = stmt.where(_alert.c.kind.in_(list(kinds)))
    if states:
        stmt = stmt.where(_alert.c.state.in_(list(states)))
    if dept_id is not None:
        viewer.require_dept(dept_id)
        stmt = stmt.where(_alert.c.dept_id == dept_id)
    stmt = stmt.where(_health(health))
    rows = [dict(r) for r in conn.execute(stmt.order_by(_alert.c.last_seen.desc(), _alert.c.id.desc())).mappings()]
    for r in rows:
        r["evidence"] = json.loads(r["evidence"])
    return pd.DataFrame(rows, columns=ALERT_COLUMNS)


def _health(health: bool | None):
    """WHERE clause: True only collector health (subject source:…), False none of it, None both."""
    if health is None:
        return true()
    is_health = _alert.c.subject.like(f"{HEALTH_PREFIX}%")
    return is_health if health else ~is_health


def open_count(conn: Connection, viewer: Viewer, health: bool | None = None) -> int:
    """新 and 已确认 alerts the viewer may see: the navigation badge."""
    return conn.execute(
        select(func.count()).where(visible(viewer), _alert.c.state.in_(OPEN_STATES), _health(health))
    ).scalar_one()


def open_trend(conn: Connection, viewer: Viewer, days: int = 60, health: bool | None = None) -> pd.DataFrame:
    """Alerts open on each of the last `days` checked days (up to the latest check): an alert is
    open from its first day until the day its condition cleared, or the day someone resolved it."""
    last = last_checked_day(conn)
    if last is None:
        return pd.DataFrame(columns=["day", "open"])
    first = last - timedelta(days=days - 1)
    frame = alerts(conn, viewer, health=health)
    axis = pd.date_range(first, last, freq="D")
    if frame.empty:
        return pd.DataFrame({"day": axis.date, "open": 0})
    start = pd.to_datetime(frame["first_seen"])
    by_hand = local_days(frame["resolved_at"]).where(frame["cleared_on"].isna() & frame["resolved_at"].notna())
    end = pd.to_datetime(frame["cleared_on"]).fillna(by_hand).fillna(pd.Timestamp(last + timedelta(days=1)))
    counts = [int(((start <= d) & (d < end)).sum()) for d in axis]
    return pd.DataFrame({"day": axis.date, "open": counts})


def alert_events(conn: Connection, viewer: Viewer, alert_id: int) -> list[dict]:
    get_alert(conn, viewer, alert_id)
    rows = conn.execute(select(_event).where(_event.c.alert_id == alert_id).order_by(_event.c.id)).mappings()
    return [dict(r) for r in rows]
