"""Exactly once: re-runs, re-dropped copies, overlapping exports and a collector killed
mid-file leave every valid row counted once, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from collectors.calls import prepare_calls, store_calls
from collectors.runner import run_source
from data.db import make_engine
from data.models import DURATION_BUCKETS_MS, HIST_COLUMNS
from tests.collectors.exchange_log import COLUMNS, department_names, write_exchange_log
from tests.collectors.helpers import REPO, all_rows, count, register, scalar, source

TOTALS = (
    "SELECT COALESCE(SUM(calls), 0), COALESCE(SUM(failures), 0), COALESCE(SUM(duration_sum_ms), 0), "
    "COUNT(*) FROM exchange_daily"
)


def load_calls(conn, cfg, calls) -> tuple[int, int]:
    """The store's part of a batch of calls, as commit() runs it: (loaded, duplicate)."""
    return store_calls(conn, cfg, prepare_calls(cfg, calls))


def state(engine) -> tuple:
    return (
        scalar(engine, "SELECT SUM(calls) FROM exchange_daily"),
        scalar(engine, "SELECT SUM(failures) FROM exchange_daily"),
        scalar(engine, "SELECT SUM(duration_sum_ms) FROM exchange_daily"),
        count(engine, "exchange_daily"),
        count(engine, "exchange_call"),
        count(engine, "quarantine"),
        *monthly(engine),
    )


def monthly(engine) -> tuple:
    """Calls and failures in exchange_service_month, failures in exchange_fault_month, calls
    and failures in exchange_partner_month."""
    return (
        scalar(engine, "SELECT SUM(calls) FROM exchange_service_month"),
        scalar(engine, "SELECT SUM(failures) FROM exchange_service_month"),
        scalar(engine, "SELECT SUM(failures) FROM exchange_fault_month"),
        scalar(engine, "SELECT SUM(calls) FROM exchange_partner_month"),
        scalar(engine, "SELECT SUM(failures) FROM exchange_partner_month"),
    )


def expected(frame, unknown: str = "市未登记局") -> tuple:
    valid = frame[frame["调用方部门"] != unknown]
    failed = valid["调用结果"] == "失败"
    return len(valid), int(failed.sum()), int(valid["响应时长(毫秒)"].sum()), int(failed.sum()), len(frame) - len(valid)


def running_with(argument: str) -> list[int]:
    """Live processes whose command line holds `argument`."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if (
                proc.name.isdigit()
                and argument in (proc / "cmdline").read_bytes().decode(errors="replace")
                and (proc / "stat").read_text().split()[2] != "Z"
            ):
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


def log_source(tmp_path, **options):
    return source(tmp_path, kind="exchange_call", glob="*.csv", columns=COLUMNS, **options)


def test_rerun_and_redrop_change_nothing(engine, tmp_path):
    register(engine, department_names(20))
    (tmp_path / "drop").mkdir()
    frame = write_exchange_log(tmp_path / "drop" / "day1.csv", 5000, unknown_every=500)
    cfg = log_source(tmp_path, batch_rows=1000)
    run = run_source(engine, cfg)
    calls, failures, duration, kept, bad = expected(frame)
    assert (run.counts.rows_read, run.counts.rows_loaded, run.counts.rows_quarantined) == (5000, calls, bad)
    before = state(engine)
    assert before[:3] == (calls, failures, duration) and before[4:] == (
        kept,
        bad,
        calls,
        failures,
        failures,
        calls,
        failures,
    )
    assert run_source(engine, cfg).counts.rows_read == 0
    shutil.copy(tmp_path / "drop" / "day1.csv", tmp_path / "drop" / "day1 (copy).csv")
    again = run_source(engine, cfg)
    assert again.counts.rows_read == 0
    assert {f["file"]: f["reason"] for f in again.files}["day1 (copy).csv"] == "内容与已导入的文件 day1.csv 相同"
    assert state(engine) == before


def test_overlapping_exports_count_each_call_once(engine, tmp_path):
    register(engine, department_names(20))
    (tmp_path / "drop").mkdir()
    # Two exports of one day of calls: ids 0–2999 and 2000–4999 (calls 2000–2999 in both).
    first = write_exchange_log(tmp_path / "drop" / "a.csv", 3000, days=1, seed=3)
    second = write_exchange_log(tmp_path / "drop" / "b.csv", 3000, days=1, seed=3, first_id=2000)
    second.iloc[:1000] = first.iloc[2000:].to_numpy()  # the overlap is the very same calls
    second.to_csv(tmp_path / "drop" / "b.csv", index=False)
    cfg = log_source(tmp_path, batch_rows=700)
    runs = run_source(engine, cfg)
    assert (runs.counts.rows_read, runs.counts.rows_loaded, runs.counts.rows_duplicate) == (6000, 5000, 1000)
    union = pd.concat([first, second.iloc[1000:]])
    calls, failures = expected(union)[:2]
    assert state(engine)[:2] == monthly(engine)[:2] == monthly(engine)[3:] == (calls, failures)
    assert monthly(engine)[2] == failures


@pytest.mark.slow
def test_sigkill_mid_file_then_restart_counts_every_row_once(db_url, tmp_path):
    engine = make_engine(db_url)
    register(engine, department_names(20))
    drop = tmp_path / "drop"
    drop.mkdir()
    frame = write_exchange_log(drop / "big.csv", 200_000, unknown_every=1000, days=60)
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nname = "big"\nkind = "exchange_call"\nreader = "files"\npath = "drop"\nglob = "*.csv"\n'
        "settle_seconds = 0\nbatch_rows = 20000\n[source.columns]\n"
        + "".join(f'"{k}" = "{v}"\n' for k, v in COLUMNS.items()),
        encoding="utf-8",
    )
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "collectors", "once", "--config", str(tmp_path / "sources.toml"), "--no-refresh"]
    child = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while count(engine, "call_id_batch") < 3 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, "the collector finished before it could be killed"
    # Its reading worker (collectors.pipeline) notices on its next send and ends too.
    config = str(tmp_path / "sources.toml")
    deadline = time.monotonic() + 30
    while running_with(config) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running_with(config), "the killed collector's worker is still running"
    committed = count(engine, "call_id_batch")
    assert 3 <= committed < 10, "killed mid-file: some of the ten batches committed, not all"
    assert scalar(engine, "SELECT status FROM collector_run") == "running"
    restart = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert restart.returncode == 0, restart.stderr
    calls, failures, duration, kept, bad = expected(frame)
    # 200,000 rows, every 1,000th names an unknown department: 200 quarantined, 199,800 counted.
    assert (calls, bad) == (199_800, 200)
    assert state(engine)[:3] == (calls, failures, duration)
    assert monthly(engine) == (calls, failures, failures, calls, failures)
    assert (count(engine, "exchange_call"), count(engine, "quarantine")) == (kept, bad)
    assert scalar(engine, "SELECT SUM(rows) FROM call_id_batch") == calls
    assert scalar(engine, "SELECT status FROM collector_run ORDER BY id LIMIT 1") == "failed"
    engine.dispose()


def calls(rows, consumer: int = 1, provider: int = 2):
    """Validated calls: (id, UTC time[, fault code of a failed call[, duration ms]])."""
    faults = [r[2] if len(r) > 2 else None for r in rows]
    return pd.DataFrame(
        {
            "call_id": pd.Series([r[0] for r in rows], dtype="string"),
            "requested_at": pd.to_datetime([r[1] for r in rows]).astype("datetime64[us]"),
            "consumer_dept_id": pd.array([consumer] * len(rows), dtype="Int64"),
            "provider_dept_id": pd.array([provider] * len(rows), dtype="Int64"),
            "service_code": pd.Series(["S1"] * len(rows), dtype="string"),
            "succeeded": pd.Series([f is None for f in faults], dtype=object),
            "status_code": None,
            "fault_code": pd.Series(faults, dtype="string"),
            "duration_ms": pd.array([r[3] if len(r) > 3 else 10 for r in rows], dtype="Int64"),
        }
    )


def test_a_call_is_a_copy_only_within_the_window_of_the_batch_that_counted_it(engine, tmp_path):
    cfg = log_source(tmp_path)  # dedupe_window_minutes = 10
    with engine.begin() as conn:
        assert load_calls(conn, cfg, calls([("A", "2026-03-05 09:00:00"), ("B", "2026-03-05 09:30:00")])) == (2, 0)
    with engine.begin() as conn:
        # A again at the same instant and B again 5 minutes later: copies. C is new.
        assert load_calls(
            conn, cfg, calls([("A", "2026-03-05 09:00:00"), ("B", "2026-03-05 09:35:00"), ("C", "2026-03-05 09:20:00")])
        ) == (1, 2)
    with engine.begin() as conn:
        # A at 12:00 lies outside every counting batch's range (09:00–09:35) ± 10 minutes: a call of its own.
        assert load_calls(conn, cfg, calls([("A", "2026-03-05 12:00:00")])) == (1, 0)
    assert scalar(engine, "SELECT SUM(calls) FROM exchange_daily") == 4


def test_a_batch_overlapping_a_counted_one_adds_only_its_new_calls_to_every_table(engine, tmp_path):
    register(engine, ["甲局", "乙局"])
    consumer, provider = (scalar(engine, f"SELECT id FROM department WHERE name = '{n}'") for n in ("甲局", "乙局"))
    cfg = log_source(tmp_path)
    with engine.begin() as conn:
        assert load_calls(
            conn, cfg, calls([("A", "2026-03-05 01:00:00"), ("B", "2026-03-05 01:30:00", "E1", 40)], consumer, provider)
        ) == (2, 0)
    with engine.begin() as conn:
        # B again (a copy, failed again); C failed with E2 in 3 s; D succeeded in 0.3 s.
        assert load_calls(
            conn,
            cfg,
            calls(
                [
                    ("B", "2026-03-05 01:31:00", "E1", 40),
                    ("C", "2026-03-05 01:20:00", "E2", 3000),
                    ("D", "2026-03-05 01:25:00", None, 300),
                ],
                consumer,
                provider,
            ),
        ) == (2, 1)
    assert all_rows(engine, "SELECT call_id FROM exchange_call ORDER BY call_id") == [("B",), ("C",)]
    assert [
        (str(day), *rest)
        for day, *rest in all_rows(
            engine, "SELECT day, calls, failures, duration_sum_ms, duration_count FROM exchange_daily"
        )
    ] == [("2026-03-05", 4, 2, 10 + 40 + 3000 + 300, 4)]  # 01:00 UTC is 09:00 in Shanghai, the same day
    assert all_rows(engine, "SELECT fault_code, failures FROM exchange_fault_month ORDER BY fault_code") == [
        ("E1", 1),
        ("E2", 1),
    ]
    assert all_rows(engine, "SELECT calls, failures FROM exchange_partner_month") == [(4, 2)]
    # by bucket bound: 10 ms is ≤ 10, 40 ≤ 50, 300 ≤ 500 and 3,000 ≤ 5,000
    hist = all_rows(engine, f"SELECT {', '.join(HIST_COLUMNS)} FROM exchange_service_month")[0]
    assert {DURATION_BUCKETS_MS[i]: n for i, n in enumerate(hist) if n} == {10: 1, 50: 1, 500: 1, 5000: 1}


def test_a_failed_call_is_kept_as_evidence_once_by_its_time_and_id(engine, tmp_path):
    register(engine, ["甲局", "乙局"])
    ids = [scalar(engine, f"SELECT id FROM department WHERE name = '{n}'") for n in ("甲局", "乙局")]
    cfg = log_source(tmp_path)  # dedupe_window_minutes = 10
    with engine.begin() as conn:
        assert load_calls(conn, cfg, calls([("A", "2026-03-05 01:00:00", "E1")], *ids)) == (1, 0)
        # The batch forgotten, as dedupe_keep_days forgets it: the same record exported again
        # counts again in the rollup, and its evidence row stays one row.
        conn.execute(text("DELETE FROM call_id_batch"))
    with engine.begin() as conn:
        assert load_calls(conn, cfg, calls([("A", "2026-03-05 01:00:00", "E1")], *ids)) == (1, 0)
    with engine.begin() as conn:
        # The id again three hours later, outside every counting batch's window: a call of its own,
        # in the rollup and in the evidence.
        assert load_calls(conn, cfg, calls([("A", "2026-03-05 04:00:00", "E2")], *ids)) == (1, 0)
    assert all_rows(engine, "SELECT call_id, fault_code FROM exchange_call ORDER BY requested_at") == [
        ("A", "E1"),
        ("A", "E2"),
    ]
    assert all_rows(engine, "SELECT fault_code, failures FROM exchange_fault_month ORDER BY fault_code") == [
        ("E1", 2),
        ("E2", 1),
    ]
