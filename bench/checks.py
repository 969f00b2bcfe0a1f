"""What the store holds after a collector run, in the shape the DuckDB floor computes,
so a benchmark run also checks that the collector counted every valid row once.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from bench.alternatives import ROLLUP_COLUMNS
from data.db import make_engine
from data.models import Department, ExchangeCall, ExchangeDaily, Quarantine


def store_rollup(url: str) -> pd.DataFrame:
    """exchange_daily with department names, sorted like rollup_frame sorts the floor's."""
    provider, consumer = aliased(Department), aliased(Department)
    stmt = (
        select(
            ExchangeDaily.day,
            provider.name,
            consumer.name,
            ExchangeDaily.service_code,
            ExchangeDaily.calls,
            ExchangeDaily.failures,
            ExchangeDaily.duration_sum_ms,
        )
        .join(provider, provider.id == ExchangeDaily.provider_dept_id)
        .join(consumer, consumer.id == ExchangeDaily.consumer_dept_id)
    )
    engine = make_engine(url)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).all(), columns=ROLLUP_COLUMNS)
    engine.dispose()
    return _normalised(frame)


def rollup_frame(table: pa.Table) -> pd.DataFrame:
    return _normalised(table.to_pandas())


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype(
        {
            "provider": str,
            "consumer": str,
            "service_code": str,
            "calls": "int64",
            "failures": "int64",
            "duration_sum_ms": "int64",
        }
    )
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame.sort_values(ROLLUP_COLUMNS[:4]).reset_index(drop=True)


def store_counts(url: str, source: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = {
            "rollup_calls": conn.execute(select(func.coalesce(func.sum(ExchangeDaily.calls), 0))).scalar_one(),
            "rollup_failures": conn.execute(select(func.coalesce(func.sum(ExchangeDaily.failures), 0))).scalar_one(),
            "raw_calls": conn.execute(select(func.count()).select_from(ExchangeCall)).scalar_one(),
            "quarantined": conn.execute(
                select(func.count()).select_from(Quarantine).where(Quarantine.source == source)
            ).scalar_one(),
        }
    engine.dispose()
    return {k: int(v) for k, v in counts.items()}
