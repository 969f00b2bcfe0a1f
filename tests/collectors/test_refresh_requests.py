"""A committed batch owes the scores a refresh in its own transaction: a run that dies (or is
told --no-refresh) after its last commit leaves the request, and the next run of any source
refreshes even when it loads nothing; a refresh clears only the requests it saw."""

from __future__ import annotations

import pytest

import metrics.snapshots
from collectors.config import CollectorConfig
from collectors.scheduler import run_once
from data.clock import local_today, utcnow
from data.refresh_requests import pending_requests, request_refresh
from tests.collectors.helpers import count, register, source

COLUMNS = {"工单号": "ticket_id", "承办单位": "dept", "受理时间": "received_at"}


def _config(tmp_path) -> CollectorConfig:
    (tmp_path / "drop").mkdir()
    return CollectorConfig(tmp_path / "sources.toml", (source(tmp_path, kind="complaint", columns=COLUMNS),))


def _drop_ticket(tmp_path, ticket: str) -> None:
    (tmp_path / "drop" / f"{ticket}.csv").write_text(
        f"工单号,承办单位,受理时间\n{ticket},市公安局,{local_today()} 09:00\n", encoding="utf-8"
    )


def _owed(engine) -> int:
    with engine.connect() as conn:
        return len(pending_requests(conn))


@pytest.mark.slow
def test_a_run_that_stopped_before_refreshing_is_refreshed_by_the_next(sqlite_engine, tmp_path):
    register(sqlite_engine, ["市公安局"])
    config = _config(tmp_path)
    _drop_ticket(tmp_path, "T1")
    summaries, _ = run_once(sqlite_engine, config, refresh=False)  # as if the process died here
    assert summaries[0].counts.rows_loaded == 1
    assert _owed(sqlite_engine) == 1 and count(sqlite_engine, "score_snapshot") == 0
    summaries, error = run_once(sqlite_engine, config)
    assert summaries[0].counts.rows_loaded == 0 and error is None
    assert count(sqlite_engine, "score_snapshot") >= 1 and _owed(sqlite_engine) == 0
    run_once(sqlite_engine, config)
    assert _owed(sqlite_engine) == 0


def test_nothing_owed_means_no_refresh(sqlite_engine, tmp_path):
    register(sqlite_engine, ["市公安局"])
    summaries, error = run_once(sqlite_engine, _config(tmp_path))
    assert summaries[0].counts.rows_loaded == 0 and error is None
    assert count(sqlite_engine, "score_snapshot") == 0


def test_a_failed_refresh_keeps_the_request(sqlite_engine, tmp_path, monkeypatch):
    register(sqlite_engine, ["市公安局"])
    config = _config(tmp_path)
    _drop_ticket(tmp_path, "T1")

    def broken(engine, today=None):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(metrics.snapshots, "refresh_current", broken)
    _, error = run_once(sqlite_engine, config)
    assert error.startswith("评分刷新失败：RuntimeError: 磁盘已满")
    assert _owed(sqlite_engine) == 1


def test_a_request_committed_during_the_refresh_is_kept(sqlite_engine, tmp_path, monkeypatch):
    register(sqlite_engine, ["市公安局"])
    with sqlite_engine.begin() as conn:
        request_refresh(conn, "complaints", utcnow())

    def refresh_while_another_batch_commits(engine, today=None):
        with engine.begin() as conn:
            request_refresh(conn, "exchange-log", utcnow())
        return []

    monkeypatch.setattr(metrics.snapshots, "refresh_current", refresh_while_another_batch_commits)
    _, error = run_once(sqlite_engine, CollectorConfig(tmp_path / "sources.toml", ()))
    assert error is None
    assert _owed(sqlite_engine) == 1
