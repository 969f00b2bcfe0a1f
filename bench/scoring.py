"""Scoring, timed in this process through metrics' own entry points on a loaded store."""

from __future__ import annotations

import time
from datetime import date

from data.db import make_engine

SNAPSHOT_MODES = ("current", "year")


def time_scoring(url: str, period_key: str, as_of: date, repeat: int) -> tuple[float, float]:
    """Best wall and best CPU seconds of `repeat` full computations of every department's
    scores for the period (CPU of this process: the SQLite reads, not a PostgreSQL server's)."""
    from metrics.snapshots import compute

    engine = make_engine(url)
    best, best_cpu = float("inf"), float("inf")
    try:
        for _ in range(repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            compute(engine, period_key, as_of=as_of)
            best = min(best, time.perf_counter() - started)
            best_cpu = min(best_cpu, time.process_time() - started_cpu)
    finally:
        engine.dispose()
    return best, best_cpu


def prepare_snapshots(url: str, mode: str, period_key: str, as_of: date) -> float:
    """Stored snapshots for the pages to read; returns the seconds it took.

    current: refresh_current, every month, quarter and year up to today, as the scheduler
    leaves the store after a collector run. year: only the year's snapshot (quicker; the
    small test uses it).
    """
    from metrics.snapshots import compute, refresh_current, write_snapshot

    engine = make_engine(url)
    started = time.perf_counter()
    try:
        if mode == "current":
            refresh_current(engine)
        elif mode == "year":
            assessment = compute(engine, period_key, as_of=as_of)
            with engine.begin() as conn:
                write_snapshot(conn, assessment)
        else:
            raise SystemExit(f"未知的得分快照方式 {mode!r}：可选 {', '.join(SNAPSHOT_MODES)}")
    finally:
        engine.dispose()
    return time.perf_counter() - started
