"""Replays asked for on 数据源状态 (data/replay_requests.py), run by the collector process:
`collectors run` checks every minute, `collectors once` after its sources."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from collectors.config import CollectorConfig, ConfigError
from collectors.replay import replay_source
from collectors.runner import RunSummary
from data.replay_requests import claim_next, finish

FAILED = {"failed", "locked"}


def run_requested_replays(engine: Engine, config: CollectorConfig) -> list[RunSummary]:
    """Every waiting request, oldest first; each outcome written back to its request."""
    summaries = []
    while True:
        with engine.begin() as conn:
            request = claim_next(conn)
        if request is None:
            return summaries
        try:
            summary = replay_source(engine, config.source(request["source"]), request["reason"])
        except ConfigError as exc:
            summary = RunSummary(request["source"], "failed", error=str(exc))
        c = summary.counts
        with engine.begin() as conn:
            finish(
                conn,
                request["id"],
                failed=summary.status in FAILED,
                run_id=summary.run_id,
                loaded=c.rows_loaded,
                kept=c.rows_quarantined,
                message=summary.error,
            )
        summaries.append(summary)
