"""One benchmark run: for each engine and size, load a year through the collector and
measure ingest (against the naive way and the DuckDB floor), memory, scoring, pages and
an incremental day, checking on the way that the store counted every valid row once.
"""

from __future__ import annotations

import json
import shutil
import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bench.alerts import time_alerts
from bench.alternatives import duckdb_rollup, spelling_map
from bench.checks import rollup_frame, store_counts, store_rollup
from bench.collector import CollectorResult, run_collector
from bench.generate import LogStats, write_catalog, write_department_register, write_exchange_log
from bench.pages import time_pages
from bench.process import ROOT, run_child
from bench.scoring import prepare_snapshots, time_scoring
from bench.stores import drop_store, fresh_store, settle
from bench.users import time_users
from bench.workspace import CATALOG_SOURCE, DEPARTMENT_SOURCE, EXCHANGE_SOURCE, Workspace
from bench.world import build_world

MEASUREMENTS = ("ingest", "memory", "scoring", "pages", "incremental", "alerts", "users")
YEAR_DAYS = 365
# Up to this size each way of ingesting is timed `repeat` times and the best run counts: a
# 1 M-row run takes seconds, so a noisy neighbour can swing its ratio; a 10 M-row run
# takes minutes and is timed once.
INGEST_REPEAT_MAX_ROWS = 1_000_000


@dataclass(frozen=True)
class BenchConfig:
    sizes: tuple[int, ...]
    engines: tuple[str, ...]
    only: tuple[str, ...] = MEASUREMENTS
    workdir: Path = ROOT / "var" / "bench"
    pg_url: str | None = None
    seed: int = 7
    repeat: int = 3
    days: int = 3  # day files after the year, each collected into the year and into an empty store
    snapshots: str = "current"  # what the pages read: see bench.scoring.prepare_snapshots
    note: str = ""  # printed in the report, e.g. what else the machine was doing
    users: int = 20  # browser sessions at once in the users measurement
    verify_rollup: bool = True  # compare the store's whole daily rollup with DuckDB's
    today: date = field(default_factory=date.today)


@dataclass
class Results:
    config: BenchConfig
    ingest: list[dict] = field(default_factory=list)
    scoring: list[dict] = field(default_factory=list)
    pages: list[dict] = field(default_factory=list)
    incremental: list[dict] = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)
    users: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DayFile:
    path: Path
    stats: LogStats


@dataclass(frozen=True)
class Inputs:
    year_csv: Path
    register_csv: Path
    catalog_csv: Path
    year: LogStats
    days: tuple[DayFile, ...]  # the days after the year, one per run of the incremental
    last_day: date  # the year's last local day


def _log(path: Path, world, rows: int, start: date, days: int, seed: int, prefix: str) -> LogStats:
    """Write the log once per (size, dates, seed); later runs reuse it and its counts."""
    counts = path.with_suffix(".json")
    if path.exists() and counts.exists():
        return LogStats(**json.loads(counts.read_text()))
    stats = write_exchange_log(path, world, rows, start, days, seed, prefix)
    counts.write_text(json.dumps(asdict(stats)))
    return stats


def prepare_inputs(cfg: BenchConfig, rows: int) -> Inputs:
    """A year ending `days` + 1 days ago, and a file for each following day but today,
    each with a day's share of the year's calls."""
    world = build_world(cfg.seed)
    last_day = cfg.today - timedelta(days=cfg.days + 1)
    start = last_day - timedelta(days=YEAR_DAYS - 1)
    folder = cfg.workdir / "inputs" / f"seed{cfg.seed}-{start.isoformat()}"
    register, catalog = folder / "register" / "departments.csv", folder / "catalog" / "catalog.csv"
    write_department_register(register, world)
    write_catalog(catalog, world, cfg.seed, start)
    year = _log(folder / f"year-{rows}.csv", world, rows, start, YEAR_DAYS, cfg.seed, "Y")
    day_rows = max(rows // YEAR_DAYS, 1)
    days = []
    for k in range(1, cfg.days + 1):
        path = folder / f"day{k}-{day_rows}.csv"
        stats = _log(path, world, day_rows, last_day + timedelta(days=k), 1, cfg.seed + k, f"D{k}-")
        days.append(DayFile(path, stats))
    return Inputs(folder / f"year-{rows}.csv", register, catalog, year, tuple(days), last_day)


def loaded_workspace(cfg: BenchConfig, label: str, inputs: Inputs, url: str) -> Workspace:
    """A workspace whose store already holds the register and the catalog (not timed)."""
    ws = Workspace.create(cfg.workdir / "workspaces" / label, inputs.register_csv, inputs.catalog_csv)
    for source in (DEPARTMENT_SOURCE, CATALOG_SOURCE):
        run_collector(ws, url, source, ws.root / f"{source}.log")
    return ws


def _check(results: Results, what: str, got: int, expected: int) -> None:
    if got != expected:
        results.problems.append(f"{what}: store has {got:,}, the file holds {expected:,}")


def _check_year(results: Results, where: str, url: str, col: CollectorResult, stats: LogStats) -> dict:
    counts = store_counts(url, EXCHANGE_SOURCE)
    _check(results, f"{where} rows read", col.rows_read, stats.rows)
    _check(results, f"{where} rows quarantined", counts["quarantined"], stats.malformed)
    _check(results, f"{where} calls in the daily rollup", counts["rollup_calls"], stats.valid)
    _check(results, f"{where} failures in the daily rollup", counts["rollup_failures"], stats.valid_failures)
    return counts


def _check_rollup(results: Results, where: str, url: str, inputs: Inputs) -> None:
    """Every (day, provider, consumer, service) group of the store equals DuckDB's."""
    ours = store_rollup(url)
    floor = rollup_frame(duckdb_rollup(inputs.year_csv, spelling_map(inputs.register_csv)))
    if not ours.equals(floor):
        merged = ours.merge(floor, how="outer", on=list(ours.columns[:4]), suffixes=("", "_duckdb"), indicator=True)
        differing = merged[
            (merged["_merge"] != "both")
            | (merged["calls"] != merged["calls_duckdb"])
            | (merged["failures"] != merged["failures_duckdb"])
            | (merged["duration_sum_ms"] != merged["duration_sum_ms_duckdb"])
        ]
        results.problems.append(
            f"{where} daily rollup differs from DuckDB's in {len(differing):,} of {len(floor):,} groups, "
            f"e.g. {differing.head(3).to_dict('records')}"
        )


def ingest_runs(cfg: BenchConfig, rows: int) -> int:
    return cfg.repeat if rows <= INGEST_REPEAT_MAX_ROWS else 1


def warm_page_cache(path: Path) -> None:
    """Read the file once before any way is timed, so none of them pays alone for the
    first read from disk."""
    with path.open("rb") as fh:
        while fh.read(1 << 24):
            pass


def _best(runs: list, key: str = "seconds"):
    return min(runs, key=lambda r: getattr(r, key))


def _naive_once(cfg: BenchConfig, engine: str, label: str, inputs: Inputs):
    url = fresh_store(engine, f"{label}-naive", cfg.workdir, cfg.pg_url)
    try:
        return run_child(
            ["-m", "bench.alternatives", "naive", str(inputs.year_csv), url],
            log=cfg.workdir / "logs" / f"{label}-naive.log",
        )
    finally:
        drop_store(url, cfg.pg_url)


def _floor_once(cfg: BenchConfig, label: str, inputs: Inputs):
    return run_child(
        ["-m", "bench.alternatives", "floor", str(inputs.year_csv), str(inputs.register_csv)],
        log=cfg.workdir / "logs" / f"{label}-floor.log",
    )


def _alternatives(naive_runs: list, floor_runs: list) -> dict:
    naive, floor = _best(naive_runs), _best(floor_runs)
    floor_out = json.loads(floor.stdout)
    return {
        "naive_s": naive.seconds,
        "naive_cpu_s": naive.cpu_seconds,
        "naive_work_s": json.loads(naive.stdout)["work_seconds"],
        "floor_s": floor.seconds,
        "floor_cpu_s": floor.cpu_seconds,
        "floor_work_s": floor_out["work_seconds"],
        "floor_groups": floor_out["groups"],
        "floor_calls": floor_out["calls"],
    }


def _into_empty(cfg: BenchConfig, engine: str, label: str, inputs: Inputs, file: Path) -> CollectorResult:
    """The collector reading `file` into a store holding only the register and the catalog."""
    url = fresh_store(engine, label, cfg.workdir, cfg.pg_url)
    try:
        ws = loaded_workspace(cfg, label, inputs, url)
        ws.drop_exchange_file(file)
        settle(url)
        return run_collector(ws, url, EXCHANGE_SOURCE, ws.root / "into-empty.log")
    finally:
        drop_store(url, cfg.pg_url)


def _incremental(
    cfg: BenchConfig, engine: str, label: str, inputs: Inputs, ws: Workspace, url: str, results: Results
) -> dict:
    """Each day file after the year into the year's store, and alone into an empty store;
    the best run of each side counts, the medians are reported beside it."""
    full, empty = [], []
    for k, day in enumerate(inputs.days, start=1):
        ws.drop_exchange_file(day.path)
        settle(url)
        full.append(run_collector(ws, url, EXCHANGE_SOURCE, ws.root / f"day{k}-into-year.log"))
        empty.append(_into_empty(cfg, engine, f"{label}-day", inputs, day.path))
        for where, run in (("into the year", full[-1]), ("into an empty store", empty[-1])):
            _check(results, f"{label} day {k} {where}, rows loaded", run.rows_loaded, day.stats.valid)
    best_full, best_empty = _best(full, "run_seconds"), _best(empty, "run_seconds")
    return {
        "day_rows": inputs.days[0].stats.rows,
        "full_run_s": best_full.run_seconds,
        "full_wall_s": best_full.wall_seconds,
        "empty_run_s": best_empty.run_seconds,
        "empty_wall_s": best_empty.wall_seconds,
        "full_median_s": statistics.median(r.run_seconds for r in full),
        "empty_median_s": statistics.median(r.run_seconds for r in empty),
        "full_loaded": best_full.rows_loaded,
        "empty_loaded": best_empty.rows_loaded,
    }


def _ingest_year(cfg, engine, rows, label, inputs, url, results, report) -> Workspace:
    warm_page_cache(inputs.year_csv)
    ws = loaded_workspace(cfg, f"{label}-year", inputs, url)
    ws.drop_exchange_file(inputs.year_csv)
    first = run_collector(ws, url, EXCHANGE_SOURCE, ws.root / "year.log")
    runs = ingest_runs(cfg, rows)
    # Rounds of collector, naive, floor: a machine that slows down or speeds up during the
    # measurement then weighs on every way alike, not on whichever ran in that stretch.
    collector, naive, floor = [first], [], []
    for i in range(runs):
        if "ingest" in cfg.only:
            naive.append(_naive_once(cfg, engine, label, inputs))
            floor.append(_floor_once(cfg, label, inputs))
        if i + 1 < runs:
            collector.append(_into_empty(cfg, engine, f"{label}-again", inputs, inputs.year_csv))
    col = _best(collector, key="wall_seconds")
    report(f"{label}: collector {col.wall_seconds:.1f} s (best of {runs}), peak {col.peak_rss_mb:.0f} MB")
    counts = _check_year(results, label, url, first, inputs.year)
    if cfg.verify_rollup:
        _check_rollup(results, label, url, inputs)
    row = {
        "engine": engine,
        "rows": rows,
        "collector_s": col.wall_seconds,
        "collector_cpu_s": col.cpu_seconds,
        "collector_run_s": col.run_seconds,
        "peak_rss_mb": col.peak_rss_mb,
        "loaded": col.rows_loaded,
        "quarantined": col.rows_quarantined,
        "valid": inputs.year.valid,
        "runs": runs,
        **counts,
    }
    if "ingest" in cfg.only:
        row.update(_alternatives(naive, floor))
        _check(results, f"{label} DuckDB floor calls", row["floor_calls"], inputs.year.valid)
        report(f"{label}: naive {row['naive_s']:.1f} s, DuckDB {row['floor_s']:.2f} s")
    results.ingest.append(row)
    return ws


def _scoring(cfg, engine, rows, label, inputs, url, results, report) -> None:
    seconds, cpu = time_scoring(url, str(inputs.last_day.year), inputs.last_day, cfg.repeat)
    results.scoring.append({"engine": engine, "rows": rows, "seconds": seconds, "cpu_s": cpu})
    report(f"{label}: scoring {seconds:.2f} s (CPU {cpu:.2f} s)")


def _alerts(cfg, engine, rows, label, inputs, url, results, report) -> None:
    times = time_alerts(url, inputs.last_day, cfg.repeat)
    results.alerts.append({"engine": engine, "rows": rows, **times})
    report(
        f"{label}: alerts, year {times['year_s']:.2f} s, one day {times['day_s']:.2f} s ({times['detections']} detections)"
    )


def _pages(cfg, engine, rows, label, inputs, url, results, report) -> None:
    snapshots_s = prepare_snapshots(url, cfg.snapshots, str(inputs.last_day.year), inputs.last_day)
    report(f"{label}: snapshots ({cfg.snapshots}) stored in {snapshots_s:.1f} s")
    times = time_pages(url, cfg.repeat, cfg.workdir / "logs" / f"{label}-pages.log")
    results.pages.append({"engine": engine, "rows": rows, **times, "snapshots_s": snapshots_s})
    report(f"{label}: pages " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()))


def _new_day(cfg, engine, rows, label, inputs, ws, url, results, report) -> None:
    inc = _incremental(cfg, engine, label, inputs, ws, url, results)
    results.incremental.append({"engine": engine, "rows": rows, **inc})
    report(f"{label}: new day {inc['full_run_s']:.2f} s into the year, {inc['empty_run_s']:.2f} s into empty")


def _users(cfg, engine, rows, label, inputs, ws, url, results, report) -> None:
    """cfg.users sessions against one dashboard while the collector reads one more day's file
    (after the incremental runs, so their day files are not taken). Without the pages
    measurement before it the store has no snapshots yet, and every page would say so."""
    if "pages" not in cfg.only:
        prepare_snapshots(url, cfg.snapshots, str(inputs.last_day.year), inputs.last_day)
    day_rows = inputs.days[0].stats.rows
    path = inputs.year_csv.parent / f"users-day-{day_rows}.csv"
    extra = _log(path, build_world(cfg.seed), day_rows, inputs.last_day + timedelta(days=1), 1, cfg.seed + 1000, "U-")
    ws.drop_exchange_file(path)
    times = time_users(url, cfg.users, ws.config, cfg.workdir / "logs" / f"{label}-users.log")
    results.users.append({"engine": engine, "rows": rows, "day_rows": extra.rows, **times})
    report(
        f"{label}: {cfg.users} users, {len(times['errors'])} errors, dashboard peak {times['dashboard_peak_rss_mb']:.0f} MB"
    )


def _attempt(results: Results, what: str, step, *args) -> bool:
    """Run one measurement; a failure is recorded as a problem and the others still run."""
    try:
        step(*args)
        return True
    except Exception as exc:  # noqa: BLE001 - any failure of the product under test is a finding
        results.problems.append(f"{what} failed: {type(exc).__name__}: {exc}")
        return False


def bench_one(cfg: BenchConfig, engine: str, rows: int, results: Results, report) -> None:
    """Every selected measurement for one engine and one size, on one loaded store."""
    label = f"{engine}-{rows}"
    inputs = prepare_inputs(cfg, rows)
    report(f"{label}: inputs ready ({inputs.year.rows:,} rows, {inputs.year.malformed:,} malformed)")
    url = fresh_store(engine, f"{label}-year", cfg.workdir, cfg.pg_url)
    loaded: list[Workspace] = []
    common = (cfg, engine, rows, label)
    try:
        if not _attempt(
            results, f"{label} year ingest", lambda: loaded.append(_ingest_year(*common, inputs, url, results, report))
        ):
            return
        if "scoring" in cfg.only:
            _attempt(results, f"{label} scoring", _scoring, *common, inputs, url, results, report)
        if "alerts" in cfg.only:
            _attempt(results, f"{label} alerts", _alerts, *common, inputs, url, results, report)
        if "pages" in cfg.only:
            _attempt(results, f"{label} pages", _pages, *common, inputs, url, results, report)
        if "incremental" in cfg.only:
            _attempt(results, f"{label} incremental", _new_day, *common, inputs, loaded[0], url, results, report)
        if "users" in cfg.only:
            _attempt(results, f"{label} users", _users, *common, inputs, loaded[0], url, results, report)
    finally:
        drop_store(url, cfg.pg_url)
        shutil.rmtree(cfg.workdir / "workspaces", ignore_errors=True)


def run_bench(cfg: BenchConfig, report=print) -> Results:
    unknown = set(cfg.only) - set(MEASUREMENTS)
    if unknown:
        raise SystemExit(f"未知的测量项 {sorted(unknown)}：可选 {', '.join(MEASUREMENTS)}")
    results = Results(cfg)
    for engine in cfg.engines:
        for rows in sorted(cfg.sizes):
            bench_one(cfg, engine, rows, results, report)
    return results
