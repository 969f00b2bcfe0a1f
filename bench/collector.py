"""Our collector, measured as an administrator runs it: `python -m collectors once` in its
own process (wall time and peak RSS of that process), plus the run the collector recorded
in the store (its own start and end, without interpreter start-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from bench.process import run_child
from bench.workspace import Workspace
from data.db import make_engine
from data.models import CollectorRun


@dataclass(frozen=True)
class CollectorResult:
    wall_seconds: float
    cpu_seconds: float
    run_seconds: float
    peak_rss_mb: float
    rows_read: int
    rows_loaded: int
    rows_duplicate: int
    rows_quarantined: int
    statuses: tuple[str, ...]


def _last_run_id(url: str, source: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        last = conn.execute(select(func.max(CollectorRun.id)).where(CollectorRun.source == source)).scalar()
    engine.dispose()
    return last or 0


def _runs_after(url: str, source: str, after_id: int) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        runs = conn.execute(select(CollectorRun).where(CollectorRun.source == source, CollectorRun.id > after_id)).all()
    engine.dispose()
    return runs


def run_collector(ws: Workspace, url: str, source: str, log: Path) -> CollectorResult:
    before = _last_run_id(url, source)
    child = run_child(
        ["-m", "collectors", "once", "--config", str(ws.config), "--source", source, "--no-refresh"],
        env={"DATABASE_URL": url},
        log=log,
    )
    runs = _runs_after(url, source, before)
    if not runs:
        raise RuntimeError(f"collector source {source!r} recorded no run in {url} (see {log})")
    finished = [r.finished_at for r in runs if r.finished_at is not None]
    return CollectorResult(
        wall_seconds=child.seconds,
        cpu_seconds=child.cpu_seconds,
        run_seconds=(max(finished) - min(r.started_at for r in runs)).total_seconds() if finished else child.seconds,
        peak_rss_mb=child.peak_rss_mb,
        rows_read=sum(r.rows_read for r in runs),
        rows_loaded=sum(r.rows_loaded for r in runs),
        rows_duplicate=sum(r.rows_duplicate for r in runs),
        rows_quarantined=sum(r.rows_quarantined for r in runs),
        statuses=tuple(r.status for r in runs),
    )
