"""Scoring, timed in this process: metrics' own entry point on a loaded store."""
from __future__ import annotations

import time
from datetime import date

from data.db import make_engine


def time_scoring(url: str, period_key: str, as_of: date, repeat: int) -> float:
    """Best of `repeat` full computations of every department's scores for the period."""
    from metrics.snapshots import compute

    engine = make_engine(url)
    best = float("inf")
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            compute(engine, period_key, as_of=as_of)
            best = min(best, time.perf_counter() - started)
    finally:
        engine.dispose()
    return best


def refresh_snapshots(url: str) -> None:
    """The current month, quarter and year, as the scheduler leaves them after a run."""
    from metrics.snapshots import refresh_current

    engine = make_engine(url)
    try:
        refresh_current(engine)
    finally:
        engine.dispose()
