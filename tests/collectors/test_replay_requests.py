"""A replay asked for on 数据源状态: only an administrator may ask, a second identical request
while one waits is refused, the collector process runs each request once and writes the outcome
back; a request for a source no longer configured fails with the configuration's words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from collectors.config import CollectorConfig
from collectors.replay_queue import run_requested_replays
from collectors.runner import run_source
from collectors.scheduler import run_once
from data.clock import utcnow
from data.models import ReplayRequest
from data.replay_requests import ReplayRequestError, claim_next, recent, request_replay
from data.viewer import AccessDenied, Viewer
from tests.collectors.helpers import all_rows, count, register
from tests.collectors.test_replay import complaints, write

ADMIN = Viewer("root", "admin")


def _ask(engine, viewer=ADMIN, source="complaints", reason="未知部门") -> int:
    with engine.begin() as conn:
        return request_replay(conn, viewer, source, reason)


def _quarantined_unknown_department(engine, tmp_path):
    write(tmp_path, "tickets", "t.csv", "工单号,承办单位,受理时间\nT1,市新设局,2026-03-05\nT2,市公安局,2026-03-06\n")
    register(engine, ["市公安局"])
    cfg = complaints(tmp_path)
    assert run_source(engine, cfg).counts.rows_quarantined == 1
    register(engine, ["市新设局"])
    return CollectorConfig(tmp_path / "sources.toml", (cfg,))


def test_only_an_administrator_asks_and_the_same_request_waits_once(engine):
    for role in ("leader", "inspector", "department"):
        with pytest.raises(AccessDenied):
            _ask(engine, Viewer("u", role, dept_id=1))
    first = _ask(engine)
    with pytest.raises(ReplayRequestError, match=f"已有一个相同的重放申请（#{first}）"):
        _ask(engine)
    assert _ask(engine, reason="") != first  # every reason is another request
    assert all_rows(engine, "SELECT action, target FROM audit_log ORDER BY id") == [
        ("replay_request", "source:complaints"),
        ("replay_request", "source:complaints"),
    ]


def test_the_collector_runs_a_request_once_and_records_the_outcome(engine, tmp_path):
    config = _quarantined_unknown_department(engine, tmp_path)
    request = _ask(engine)
    summaries, _ = run_once(engine, config, refresh=False)
    assert [(s.source, s.counts.rows_loaded) for s in summaries] == [("complaints", 0), ("complaints", 1)]
    assert count(engine, "complaint") == 2 and count(engine, "quarantine") == 0
    with engine.connect() as conn:
        shown = recent(conn, ADMIN)
    row = shown.iloc[0]
    assert (row["id"], row["state"], row["loaded"], row["kept"], row["message"]) == (request, "done", 1, 0, None)
    assert run_requested_replays(engine, config) == []  # done requests are not run again
    with engine.connect() as conn, pytest.raises(AccessDenied):
        recent(conn, Viewer("u", "inspector"))


def test_a_request_for_a_source_no_longer_configured_fails_with_the_reason(engine, tmp_path):
    _ask(engine, source="old-hotline")
    [summary] = run_requested_replays(engine, CollectorConfig(tmp_path / "sources.toml", ()))
    assert summary.status == "failed"
    with engine.connect() as conn:
        row = recent(conn, ADMIN).iloc[0]
    assert row["state"] == "failed" and "没有名为 'old-hotline' 的数据源" in row["message"]


def test_a_claim_is_taken_once_and_again_only_when_its_claimer_died(engine):
    request = _ask(engine)
    with engine.begin() as conn:
        assert claim_next(conn)["id"] == request
    with engine.begin() as conn:
        assert claim_next(conn) is None
        conn.execute(
            update(ReplayRequest.__table__).values(started_at=utcnow() - timedelta(hours=2))
        )  # the process that claimed it is gone
    with engine.begin() as conn:
        assert claim_next(conn)["id"] == request
