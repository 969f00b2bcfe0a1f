"""`python -m bench.whatif [--url STORE | --calls N] [--repeat 3]`: the what-if of a year of
the demo city, timed against its budget.

Builds the demo city (data.demo, loaded through the collectors) in var/bench/whatif unless
--url names a store that already holds it, stores the year's snapshot if it has none, then
times the three steps the scheme page takes: read the snapshot's stored values, compare the
scheme in force with a draft (数据共享 40 → 30), and the sensitivity view. The best of
`repeat` runs counts; reading plus comparing must stay under BUDGET_S.
"""

from __future__ import annotations

import argparse
import time

from bench.process import ROOT
from data.db import make_engine
from data.stored_values import snapshot_values
from metrics.scheme import in_force_path, parse_scheme
from metrics.scheme_text import raw_scheme, reweigh, to_toml
from metrics.sensitivity import sensitivity
from metrics.snapshots import compute, write_snapshot
from metrics.whatif import compare
from metrics.whatif_cli import CLI_VIEWER, shown_snapshot_id

BUDGET_S = 3.0
DRAFT = ("dimensions[0].weight", 30)


def demo_store(workdir, calls: int) -> str:
    from data.demo import run

    workdir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{workdir / 'paoban.db'}"
    if run(calls=calls, out=workdir / "demo", database_url=url, if_empty=True) != 0:
        raise SystemExit("演示城市生成失败")
    return url


def _best(step, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = step()
        best = min(best, time.perf_counter() - started)
    return best, result


def time_whatif(url: str, year: int, repeat: int) -> dict:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            snap_id = shown_snapshot_id(conn, str(year))
        if snap_id is None:
            with engine.begin() as conn:
                snap_id = write_snapshot(conn, compute(engine, str(year)))
        raw = raw_scheme(in_force_path(year).read_text(encoding="utf-8"))
        current, draft = parse_scheme(to_toml(raw)), parse_scheme(to_toml(reweigh(raw, *DRAFT)))

        def read():
            with engine.connect() as conn:
                return snapshot_values(conn, CLI_VIEWER, snap_id)

        read_s, values = _best(read, repeat)
        compare_s, c = _best(lambda: compare(values, current, draft), repeat)
        sensitivity_s, _ = _best(lambda: sensitivity(values, raw), repeat)
    finally:
        engine.dispose()
    return {
        "departments": len(values.departments),
        "read_s": read_s,
        "compare_s": compare_s,
        "sensitivity_s": sensitivity_s,
        "ranks_moved": c.ranks_moved,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.whatif", description="方案模拟（what-if）计时")
    parser.add_argument("--url", help="已有演示城市的库（默认：在 var/bench/whatif 生成）")
    parser.add_argument("--calls", type=int, default=2_000_000, help="生成演示城市时一年的接口调用数")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    url = args.url or demo_store(ROOT / "var" / "bench" / "whatif", args.calls)
    r = time_whatif(url, args.year, args.repeat)
    total = r["read_s"] + r["compare_s"]
    print(
        f"{args.year} 年度，{r['departments']} 个部门：读取已存指标 {r['read_s']:.3f} s，"
        f"对比 {r['compare_s']:.3f} s（合计 {total:.3f} s，预算 {BUDGET_S:g} s），"
        f"敏感性 {r['sensitivity_s']:.3f} s；数据共享 40 → 30 时名次变动 {r['ranks_moved']} 个部门"
    )
    return 0 if total < BUDGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
