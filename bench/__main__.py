"""`python -m bench [--rows 1000000,10000000] [--engines sqlite,postgresql] [--only ...] [--users 20]`.

PostgreSQL comes from PAOBAN_BENCH_PG_URL (`make bench` starts the local test server);
without it only SQLite is measured unless --engines asks for PostgreSQL explicitly.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from bench.process import ROOT
from bench.report import write_report
from bench.runner import MEASUREMENTS, BenchConfig, run_bench
from bench.scoring import SNAPSHOT_MODES
from bench.stores import ENGINES


def _csv(kind):
    return lambda raw: tuple(kind(x.strip().replace("_", "")) for x in raw.split(",") if x.strip())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure ingest, memory, scoring, pages and incremental loads; write BENCHMARKS.md.",
    )
    parser.add_argument(
        "--rows",
        type=_csv(int),
        default=(1_000_000, 10_000_000),
        help="comma-separated sizes of the year's log (default 1000000,10000000)",
    )
    parser.add_argument(
        "--engines",
        type=_csv(str),
        default=None,
        help=f"comma-separated, of {','.join(ENGINES)} (default: both if PAOBAN_BENCH_PG_URL is set)",
    )
    parser.add_argument(
        "--only", type=_csv(str), default=MEASUREMENTS, help=f"comma-separated, of {','.join(MEASUREMENTS)}"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of scoring, pages and ingest up to 1 M rows; the best counts"
    )
    parser.add_argument(
        "--days",
        type=int,
        default=10,
        help="day files after the year, each collected into the year's store and into an "
        "empty store, for the incremental; the best run of each side counts",
    )
    parser.add_argument(
        "--workdir", type=Path, default=ROOT / "var" / "bench", help="generated inputs, stores and logs"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--snapshots",
        choices=SNAPSHOT_MODES,
        default="current",
        help="what the pages read: current = refresh_current (every month, quarter, "
        "year, as after a collector run); year = only the year's snapshot",
    )
    parser.add_argument("--users", type=int, default=20, help="browser sessions at once in the users measurement")
    parser.add_argument("--note", default="", help="a line for the report, e.g. what else ran on the machine")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pg_url = os.environ.get("PAOBAN_BENCH_PG_URL") or None
    engines = args.engines or (ENGINES if pg_url else ("sqlite",))
    cfg = BenchConfig(
        sizes=args.rows,
        engines=engines,
        only=args.only,
        workdir=args.workdir,
        pg_url=pg_url,
        seed=args.seed,
        repeat=args.repeat,
        days=args.days,
        snapshots=args.snapshots,
        users=args.users,
        note=args.note,
    )
    started = time.monotonic()

    def report(message: str) -> None:
        print(f"[{time.monotonic() - started:7.1f} s] {message}", flush=True)

    results = run_bench(cfg, report)
    write_report(results, args.output)
    report(f"wrote {args.output}")
    for problem in results.problems:
        print(f"PROBLEM: {problem}")
    return 1 if results.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
