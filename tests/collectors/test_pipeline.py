"""The two-process path for exchange-call files (collectors.pipeline) stores exactly what
the sequential path stores, from a forked worker or one started by a fork server, and a
worker's failure fails the run with a reason instead of hanging or losing batches."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import text

import collectors.pipeline as pipeline
import collectors.runner as runner
from collectors.bookkeeping import read_cursor
from collectors.readers import make_reader
from collectors.runner import run_source
from tests.collectors.exchange_log import COLUMNS, department_names, write_exchange_log
from tests.collectors.helpers import all_rows, count, quarantine_rows, register, source

TABLES = {
    "exchange_daily": "day, provider_dept_id, consumer_dept_id, service_code, calls, failures, duration_sum_ms, "
    "duration_count",
    "exchange_service_month": "month, provider_dept_id, service_code, calls, failures, duration_sum_ms, "
    "duration_count, " + ", ".join(f"h{i}" for i in range(12)),
    "exchange_partner_month": "month, provider_dept_id, consumer_dept_id, calls, failures",
    "exchange_fault_month": "month, provider_dept_id, service_code, fault_code, failures",
    "exchange_call": "call_id, requested_at, consumer_dept_id, provider_dept_id, service_code, fault_code, duration_ms",
}


def calls_source(tmp_path, **options):
    return source(tmp_path, kind="exchange_call", glob="*.csv", columns=COLUMNS, **options)


def stored(engine) -> dict:
    out = {table: all_rows(engine, f"SELECT {cols} FROM {table} ORDER BY {cols}") for table, cols in TABLES.items()}
    out["quarantine"] = [(q["line"], q["raw"], q["reason"]) for q in quarantine_rows(engine)]
    return out


def drop_logs(tmp_path) -> None:
    """7,000 rows in two exports; the second repeats the last 1,000 calls of the first."""
    (tmp_path / "drop").mkdir()
    first = write_exchange_log(tmp_path / "drop" / "a.csv", 4000, unknown_every=300, days=40, seed=5)
    second = write_exchange_log(tmp_path / "drop" / "b.csv", 3000, unknown_every=250, days=40, seed=6, first_id=4000)
    second.iloc[:1000] = first.iloc[3000:].to_numpy()
    second.to_csv(tmp_path / "drop" / "b.csv", index=False)


@pytest.fixture
def forked(monkeypatch):
    """Workers forked from the test process, so they inherit the test's monkeypatches
    (under xdist the test process runs threads, and the fork server would be used)."""
    monkeypatch.setattr(pipeline, "start_method", lambda: "fork")


def test_pipelined_and_sequential_runs_store_the_same(engine, tmp_path, monkeypatch):
    register(engine, department_names(20))
    drop_logs(tmp_path)
    cfg = calls_source(tmp_path, batch_rows=900)
    assert pipeline.runs_pipelined(cfg, make_reader(cfg, {}))
    piped = run_source(engine, cfg)
    # The 1,000 repeated calls are a.csv's rows 3000–3999, of which 3000, 3300, 3600 and 3900
    # name the unknown department (quarantined, not counted): 996 duplicates.
    assert piped.status == "partial" and piped.counts.rows_duplicate == 996
    expected = stored(engine)

    with engine.begin() as conn:  # the same store as before the run, then the sequential path
        for table in [*TABLES, "call_id_batch", "quarantine", "source_cursor", "collector_run"]:
            conn.execute(text(f"DELETE FROM {table}"))
    monkeypatch.setattr(runner, "runs_pipelined", lambda cfg, reader: False)
    sequential = run_source(engine, cfg)
    assert sequential.counts == piped.counts
    assert stored(engine) == expected


def test_less_than_a_batch_to_read_is_stored_without_a_worker(engine, tmp_path, monkeypatch):
    register(engine, department_names(20))
    drop_logs(tmp_path)  # a.csv and b.csv: 7,000 rows of 80–100 bytes, about 650 kB
    cfg = calls_source(tmp_path, batch_rows=2000)  # a batch: 2,000 × 64 = 128 kB
    assert pipeline.runs_pipelined(cfg, make_reader(cfg, {}))
    larger = calls_source(tmp_path, batch_rows=20_000)
    assert not pipeline.runs_pipelined(larger, make_reader(larger, {}))
    run_source(engine, cfg)
    assert not pipeline.runs_pipelined(cfg, make_reader(cfg, read_cursor(engine, cfg.name)))  # everything read

    day = write_exchange_log(tmp_path / "day.csv", 300, days=1, seed=8, first_id=9000)
    with (tmp_path / "drop" / "a.csv").open("a") as fh:  # a day's rows appended to a.csv
        day.to_csv(fh, index=False, header=False)
    assert not pipeline.runs_pipelined(cfg, make_reader(cfg, read_cursor(engine, cfg.name)))
    monkeypatch.setattr(runner, "pipelined", None)  # starting a worker would fail the run
    grown = run_source(engine, cfg)
    assert (grown.status, grown.counts.rows_read, grown.counts.rows_loaded) == ("ok", 300, 300)


def test_a_threaded_collector_starts_its_worker_from_a_fork_server(engine, tmp_path):
    register(engine, department_names(20))
    drop_logs(tmp_path)
    cfg = calls_source(tmp_path, batch_rows=2000)
    done: list = []
    thread = threading.Thread(target=lambda: done.append((pipeline.start_method(), run_source(engine, cfg))))
    thread.start()
    thread.join(timeout=120)
    method, run = done[0]
    assert method == "forkserver"
    assert (run.status, run.counts.rows_read, run.counts.rows_duplicate) == ("partial", 7000, 996)
    # Unknown departments: a.csv rows 0, 300, …, 3900 (14); b.csv rows 0, 300, 600, 900 (copied
    # from a.csv) and 1000, 1250, …, 2750 (8): 26 quarantined, 7000 − 26 − 996 counted.
    assert (run.counts.rows_quarantined, run.counts.rows_loaded) == (26, 5978)
    assert count(engine, "quarantine") == 26


def test_an_error_in_the_worker_fails_the_run_with_its_reason(engine, tmp_path, monkeypatch, forked):
    register(engine, department_names(20))
    drop_logs(tmp_path)

    def broken(engine, cfg, batch):
        raise ValueError("无法解析")

    monkeypatch.setattr(pipeline, "prepare", broken)  # the forked worker inherits it
    run = run_source(engine, calls_source(tmp_path, batch_rows=2000))
    assert run.status == "failed"
    assert "ValueError: 无法解析" in run.error
    assert count(engine, "exchange_daily") == 0


def test_a_worker_that_dies_fails_the_run_and_keeps_what_was_committed(engine, tmp_path, monkeypatch, forked):
    register(engine, department_names(20))
    drop_logs(tmp_path)
    real = pipeline.prepare
    seen: list = []

    def dies_on_the_third(engine, cfg, batch):
        seen.append(batch)
        if len(seen) == 3:
            os._exit(3)
        return real(engine, cfg, batch)

    monkeypatch.setattr(pipeline, "prepare", dies_on_the_third)
    cfg = calls_source(tmp_path, batch_rows=1000)
    run = run_source(engine, cfg)
    assert run.status == "failed"
    assert "读取数据的子进程意外退出（退出码 3）" in run.error
    # Batches prepared but not yet stored die with the worker; they were never committed.
    assert 1 <= count(engine, "call_id_batch") <= 2
    monkeypatch.setattr(pipeline, "prepare", real)
    again = run_source(engine, cfg)
    assert run.counts.rows_read + again.counts.rows_read == 7000
    assert again.counts.rows_loaded + run.counts.rows_loaded == 7000 - 26 - 996
