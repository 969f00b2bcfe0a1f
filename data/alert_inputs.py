"""What the alert detectors read, as frames: rollups and bookkeeping only, never the raw
exchange_call table, so a check costs the same whatever the volume of calls.

The frames cover the checked days and, before them, the longest baseline window any
detector uses (rules.lookback_days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.engine import Engine

from data import frames
from data.frames import _frame as typed_frame  # the store → frame reader with fixed dtypes
from data.models import ExchangeDaily

if TYPE_CHECKING:
    from metrics.alerts.rules import AlertRules


@dataclass
class AlertInputs:
    """Frames over local days [first_day, last_day] (last_day = the last checked day)."""

    first_day: date
    last_day: date
    departments: pd.DataFrame  # dept_id, name, category, active_from
    service_days: pd.DataFrame  # day, provider_dept_id, service_code, calls, failures


def load_alert_inputs(engine: Engine, days: list[date], rules: AlertRules) -> AlertInputs:
    """The frames the detectors need to judge `days`."""
    if not days:
        raise ValueError("没有要检查的日期")
    last = max(days)
    first = min(days) - timedelta(days=rules.lookback_days)
    with engine.connect() as conn:
        return AlertInputs(
            first_day=first,
            last_day=last,
            departments=frames.departments(conn),
            service_days=service_days(conn, first, last),
        )


def service_days(conn, first: date, last: date) -> pd.DataFrame:
    """Calls and failures per local day × provider × service, from the daily rollup."""
    d = ExchangeDaily.__table__
    stmt = (
        select(
            d.c.day,
            d.c.provider_dept_id,
            d.c.service_code,
            cast(func.sum(d.c.calls), BigInteger),
            cast(func.sum(d.c.failures), BigInteger),
        )
        .where(d.c.day >= first, d.c.day <= last)
        .group_by(d.c.day, d.c.provider_dept_id, d.c.service_code)
        .order_by(d.c.day, d.c.provider_dept_id, d.c.service_code)
    )
    return typed_frame(
        conn,
        stmt,
        ["day", "provider_dept_id", "service_code", "calls", "failures"],
        ints=["provider_dept_id", "calls", "failures"],
        dates=("day",),
    )
