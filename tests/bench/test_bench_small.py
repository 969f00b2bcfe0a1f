"""The benchmark harness, small: every measurement path once on SQLite, so it cannot rot.

No timing assertions (the machine is shared); the checks are that the harness ran the
real product end to end and that its numbers are sane: the store counted every valid
row of the generated file once, its daily rollup equals DuckDB's, and the report holds
every section with a verdict.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from bench.alternatives import duckdb_rollup, spelling_map
from bench.generate import BAD_DATE, UNKNOWN_DEPARTMENT, write_department_register, write_exchange_log
from bench.report import render
from bench.runner import MEASUREMENTS, BenchConfig, run_bench
from bench.world import build_world

SIZES = (20_000, 100_000)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    cfg = BenchConfig(
        sizes=SIZES,
        engines=("sqlite",),
        workdir=tmp_path_factory.mktemp("bench"),
        repeat=1,
        days=2,
        snapshots="year",
        only=tuple(m for m in MEASUREMENTS if m != "users"),  # tests/bench/test_users.py walks the browsers
    )
    messages: list[str] = []
    return run_bench(cfg, messages.append)


def _write(path: Path, rows: int, chunk_rows: int):
    return write_exchange_log(
        path, build_world(3), rows, date(2026, 1, 1), 10, seed=3, id_prefix="T", chunk_rows=chunk_rows
    )


def test_generated_log_is_deterministic_and_counted_as_written(tmp_path):
    stats = _write(tmp_path / "a.csv", 30_000, chunk_rows=7_000)
    _write(tmp_path / "b.csv", 30_000, chunk_rows=7_000)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    with (tmp_path / "a.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == stats.rows == 30_000
    assert sum(r["调用时间"] == BAD_DATE for r in rows) == stats.bad_date
    assert sum(r["调用方部门"] == UNKNOWN_DEPARTMENT for r in rows) == stats.unknown_department
    assert sum(int(r["响应时长(毫秒)"]) < 0 for r in rows) == stats.negative_duration
    assert stats.valid == 30_000 - stats.malformed
    assert stats.malformed > 0
    good_times = [r["调用时间"] for r in rows if r["调用时间"] != BAD_DATE]
    assert good_times == sorted(good_times)
    assert good_times[0] >= "2026-01-01" and good_times[-1] < "2026-01-11"
    # 2 % of calls fail on average; with 30,000 calls anything outside 1–3 % is a generator bug
    assert 0.01 < stats.valid_failures / stats.valid < 0.03
    assert len({r["调用流水号"] for r in rows}) == 30_000


def test_duckdb_floor_counts_exactly_the_valid_rows(tmp_path):
    stats = _write(tmp_path / "log.csv", 30_000, chunk_rows=30_000)
    write_department_register(tmp_path / "departments.csv", build_world(3))
    table = duckdb_rollup(tmp_path / "log.csv", spelling_map(tmp_path / "departments.csv"))
    assert sum(table["calls"].to_pylist()) == stats.valid
    assert sum(table["failures"].to_pylist()) == stats.valid_failures
    assert UNKNOWN_DEPARTMENT not in set(table["consumer"].to_pylist())
    # the alias spellings fold into the registered names
    assert "市人社局" not in set(table["consumer"].to_pylist())


@pytest.mark.slow
def test_store_matches_the_file_and_the_duckdb_rollup(small_run):
    # problems collects every count and rollup mismatch between the store, the file and DuckDB
    assert small_run.problems == []
    assert [r["rows"] for r in small_run.ingest] == list(SIZES)
    for row in small_run.ingest:
        assert row["rollup_calls"] == row["valid"] == row["floor_calls"]
        assert row["quarantined"] == row["rows"] - row["valid"]
        # evidence keeps failed calls raw; successes live only in the rollup (data/models.py)
        assert row["raw_calls"] == row["rollup_failures"]
        assert row["collector_s"] > 0 and row["naive_s"] > 0 and row["floor_s"] > 0
        assert row["peak_rss_mb"] > 50


@pytest.mark.slow
def test_every_measurement_ran_on_each_size(small_run):
    assert [r["rows"] for r in small_run.scoring] == list(SIZES)
    assert all(r["seconds"] > 0 for r in small_run.scoring)
    assert [r["rows"] for r in small_run.pages] == list(SIZES)
    assert [r["rows"] for r in small_run.alerts] == list(SIZES)
    assert all(r["year_s"] > 0 and r["day_s"] > 0 for r in small_run.alerts)
    assert all(r["ranking"] > 0 and r["department"] > 0 for r in small_run.pages)
    for row in small_run.incremental:
        assert row["day_rows"] == row["rows"] // 365
        # the best runs may be of different day files; each day's count is checked in problems
        assert row["full_loaded"] > 0 and row["empty_loaded"] > 0
        assert 0 < row["full_run_s"] <= row["full_median_s"]
        assert 0 < row["empty_run_s"] <= row["empty_median_s"]


@pytest.mark.slow
def test_report_has_every_section_with_verdicts(small_run):
    text = render(small_run)
    headings = ("## Machine", "## 1. Ingest", "## 2. Memory", "## 3. Scoring", "## 4. Pages", "## 5. Incremental")
    for heading in (*headings, "## 6. Alerts"):
        assert heading in text
    assert "logical CPUs (nproc)" in text and "duckdb" in text
    assert "Problems found" not in text
    # ingest: 2 sizes × (÷ naive, ÷ DuckDB); memory 1; scoring 1; pages 2; incremental 2; alerts 2
    assert text.count("PASS (") + text.count("FAIL (") == 2 * 2 + 1 + 1 + 2 + 2 + 2
