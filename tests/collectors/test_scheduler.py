"""One process per source (the lock in the store), retries of transient database errors,
the scheduler's jobs, and the score refresh after a run that loaded rows."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError, OperationalError

from collectors.bookkeeping import HOST, SourceLease
from collectors.config import CollectorConfig, ConfigError
from collectors.runner import is_transient, run_source, with_retry
from collectors.scheduler import DIGEST_JOB, OUTBOX_JOB, REMINDER_JOB, REPLAY_JOB, build_scheduler, run_once
from data.clock import utcnow
from data.models import SourceLock
from tests.collectors.helpers import count, register, source


def hold(engine, owner: str, expires_in: timedelta) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(SourceLock.__table__).values(
                source="test-source", owner=owner, acquired_at=utcnow(), expires_at=utcnow() + expires_in
            )
        )


def test_a_second_process_does_not_run_a_locked_source(engine, tmp_path):
    cfg = source(tmp_path, kind="complaint")
    first = SourceLease(engine, "test-source")
    assert first.acquire()
    assert not SourceLease(engine, "test-source").acquire()
    skipped = run_source(engine, cfg)
    assert skipped.status == "locked" and count(engine, "collector_run") == 0
    first.release()
    assert run_source(engine, cfg).status == "ok" and count(engine, "source_lock") == 0


def test_lock_of_a_dead_process_on_this_host_is_taken_over(engine):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    hold(engine, f"{HOST}:{gone.pid}:deadbeef", timedelta(minutes=10))
    assert SourceLease(engine, "test-source").acquire()


def test_lock_of_another_machine_holds_until_it_expires(engine):
    hold(engine, "other-host:4242:cafe", timedelta(minutes=10))
    assert not SourceLease(engine, "test-source").acquire()
    with engine.begin() as conn:
        conn.execute(SourceLock.__table__.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    assert SourceLease(engine, "test-source").acquire()


def test_transient_database_errors_are_retried_and_others_are_not():
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise OperationalError("INSERT …", {}, Exception("database is locked"))
        return "done"

    assert with_retry(flaky) == "done" and len(attempts) == 3
    assert not is_transient(IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed")))


def test_scheduler_has_one_guarded_job_per_enabled_source(sqlite_engine, tmp_path):
    config = CollectorConfig(
        tmp_path / "sources.toml",
        (
            source(tmp_path, kind="complaint", name="hotline", interval_minutes=5),
            source(tmp_path, kind="catalog", name="catalog", interval_minutes=60),
            source(tmp_path, kind="office_kpi", name="paused", enabled=False),
        ),
    )
    jobs = {job.id: job for job in build_scheduler(sqlite_engine, config).get_jobs()}
    digest = jobs.pop(DIGEST_JOB)
    assert (str(digest.trigger.fields[5]), str(digest.trigger.fields[6])) == ("8", "30")  # 预警日报 at 08:30
    reminders = jobs.pop(REMINDER_JOB)
    assert (str(reminders.trigger.fields[5]), str(reminders.trigger.fields[6])) == ("8", "30")  # 督办催办 too
    replays = jobs.pop(REPLAY_JOB)
    assert replays.trigger.interval == timedelta(minutes=1) and replays.max_instances == 1  # 数据源状态's 重放
    assert sorted(jobs) == ["catalog", "hotline"]
    assert jobs["hotline"].trigger.interval == timedelta(minutes=5)
    assert jobs["catalog"].trigger.interval == timedelta(minutes=60)
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce is True
    assert jobs["hotline"].misfire_grace_time == 300 and jobs["catalog"].misfire_grace_time == 3600


def test_the_outbox_job_runs_only_with_a_channel_configured(sqlite_engine, tmp_path, monkeypatch):
    config = CollectorConfig(tmp_path / "sources.toml", ())
    monkeypatch.delenv("PAOBAN_SMTP_URL", raising=False)
    monkeypatch.delenv("PAOBAN_WEBHOOK_URL", raising=False)
    assert OUTBOX_JOB not in {job.id for job in build_scheduler(sqlite_engine, config).get_jobs()}
    monkeypatch.setenv("PAOBAN_WEBHOOK_URL", "http://127.0.0.1:9/robot")
    outbox = build_scheduler(sqlite_engine, config).get_job(OUTBOX_JOB)
    assert outbox.trigger.interval == timedelta(minutes=1) and outbox.max_instances == 1
    monkeypatch.setenv("PAOBAN_SMTP_URL", "smtp://mail.example.gov.cn:25")
    with pytest.raises(ConfigError, match="缺少发件地址 from"):
        build_scheduler(sqlite_engine, config)


@pytest.mark.slow
def test_run_once_refreshes_scores_only_when_rows_were_loaded(sqlite_engine, tmp_path):
    register(sqlite_engine, ["市公安局"])
    folder = tmp_path / "drop"
    folder.mkdir()
    config = CollectorConfig(
        tmp_path / "sources.toml",
        (
            source(
                tmp_path,
                kind="complaint",
                columns={"工单号": "ticket_id", "承办单位": "dept", "受理时间": "received_at"},
            ),
        ),
    )
    summaries, error = run_once(sqlite_engine, config)
    assert summaries[0].counts.rows_loaded == 0 and error is None
    assert count(sqlite_engine, "score_snapshot") == 0
    today = (utcnow() + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    (folder / "t.csv").write_text(f"工单号,承办单位,受理时间\nT1,市公安局,{today}\n", encoding="utf-8")
    summaries, error = run_once(sqlite_engine, config)
    assert summaries[0].counts.rows_loaded == 1 and error is None
    assert count(sqlite_engine, "score_snapshot") >= 1
