"""`python -m bench.profile [--rows N] [--engine sqlite|postgresql]`: where the collector's
time goes when it ingests the benchmark's year log, as pyinstrument's call tree.

Same inputs, store and command as the ingest measurement, run once under pyinstrument;
the full tree is written beside the bench logs, the top of it printed.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

from bench.process import ROOT, run_child
from bench.runner import BenchConfig, loaded_workspace, prepare_inputs
from bench.stores import ENGINES, drop_store, fresh_store
from bench.workspace import EXCHANGE_SOURCE

SHOWN_LINES = 60


def profile_ingest(cfg: BenchConfig, engine: str, rows: int) -> Path:
    """Profile one collector ingest of the year's log; returns the text report's path."""
    inputs = prepare_inputs(cfg, rows)
    label = f"profile-{engine}-{rows}"
    url = fresh_store(engine, label, cfg.workdir, cfg.pg_url)
    out = cfg.workdir / "logs" / f"{label}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        ws = loaded_workspace(cfg, label, inputs, url)
        ws.drop_exchange_file(inputs.year_csv)
        run_child(
            [
                "-m",
                "pyinstrument",
                "-r",
                "text",
                "--show-all",
                "-o",
                str(out),
                "-m",
                "collectors",
                "once",
                "--config",
                str(ws.config),
                "--source",
                EXCHANGE_SOURCE,
                "--no-refresh",
            ],
            env={"DATABASE_URL": url},
            log=ws.root / "profile.log",
        )
    finally:
        drop_store(url, cfg.pg_url)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.profile", description="Profile the collector ingesting the benchmark's year log."
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=ENGINES, default="sqlite")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args(argv)
    cfg = replace(
        BenchConfig(sizes=(args.rows,), engines=(args.engine,)),
        workdir=args.workdir,
        seed=args.seed,
        pg_url=os.environ.get("PAOBAN_BENCH_PG_URL") or None,
    )
    report = profile_ingest(cfg, args.engine, args.rows)
    print("\n".join(report.read_text(encoding="utf-8").splitlines()[:SHOWN_LINES]))
    print(f"... full profile: {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
