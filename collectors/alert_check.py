"""The alert check the scheduler process runs after a collector run that loaded rows: the days
since the last check up to today go through the detectors (metrics.alerts, on the rollups), the
findings into the alert store (data.alerts), and the new high-severity alerts into the outbox.

The last checked day is checked again: its data may have been incomplete then. The very first
check starts at the first day with exchange rollups (at most a year back), so a store loaded
with history shows its alerts and how they cleared.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from collectors.alert_delivery import queue_urgent
from data.alert_inputs import load_alert_inputs
from data.alerts import SyncResult, last_checked_day, sync_alerts
from data.clock import local_today
from data.models import ExchangeDaily
from metrics.alerts import detect, load_rules

FIRST_CHECK_DAYS = 366


def days_to_check(conn: Connection, today: date) -> list[date]:
    last = last_checked_day(conn)
    if last is None:
        earliest = conn.execute(select(func.min(ExchangeDaily.__table__.c.day))).scalar()
        last = max(earliest or today, today - timedelta(days=FIRST_CHECK_DAYS - 1))
    first = min(last, today)
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


def check_alerts(
    engine: Engine, today: date | None = None, day: date | None = None, channels: tuple[str, ...] = ()
) -> tuple[list[date], SyncResult]:
    """Check one `day`, or every day since the last check up to `today`; returns the days and
    what changed."""
    if day is not None:
        days = [day]
    else:
        with engine.connect() as conn:
            days = days_to_check(conn, today or local_today())
    rules = load_rules()
    found = detect(load_alert_inputs(engine, days, rules), days, rules)
    result = sync_alerts(engine, found, days)
    if result.urgent:
        queue_urgent(engine, result.urgent, channels)
    return days, result
