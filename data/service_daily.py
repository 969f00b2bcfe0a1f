"""exchange_service_daily rebuilt from exchange_daily: for a store loaded before the
per-service rollup existed, and for records written straight into exchange_daily.

The collector folds both tables from the same calls in one transaction, so on a store it
loaded the rebuild changes nothing; `python -m data refold-service-days` runs it."""

from __future__ import annotations

from sqlalchemy import BigInteger, cast, delete, func, insert, select
from sqlalchemy.engine import Connection

from data.models import ExchangeDaily, ExchangeServiceDaily

SUMMED = ("calls", "failures", "duration_sum_ms", "duration_count")
KEYS = ("day", "provider_dept_id", "service_code")


def refold_service_days(conn: Connection) -> int:
    """Replace exchange_service_daily by exchange_daily summed over consumers; returns its rows."""
    d, s = ExchangeDaily.__table__, ExchangeServiceDaily.__table__
    conn.execute(delete(s))
    grouped = select(
        *[d.c[k] for k in KEYS],
        *[cast(func.sum(d.c[c]), BigInteger) for c in SUMMED],
    ).group_by(*[d.c[k] for k in KEYS])
    conn.execute(insert(s).from_select([*KEYS, *SUMMED], grouped))
    return conn.execute(select(func.count()).select_from(s)).scalar_one()
