"""`python -m data demo`: a fictional 示例市 for demos and tests, entering the store the
way real data does — as platform export files read by the collectors.

The city: 33 市直部门 and 9 区县 (data/demo/city.py), about 900 catalog resources, and
twelve months ending at `--end` of update events, exchange calls (2,000,000 by default),
sharing requests, data objections, 12345/好差评 complaints and monthly office KPIs.
Everything is drawn from numpy Generators keyed by the seed, so the same seed and end
date write byte-identical files.

The story an inspector should find (dates for the default end, 2026-10-31; they move
with `--end` and are printed by every run):
- strong: 市市场监督管理局, 市医疗保障局, 市大数据发展管理局, 示例市东港区;
  weak: 市城市管理局, 市农业农村局, 示例市白石县 (late answers, failing calls, complaints);
- 市住房和城乡建设局's services all failed on 2026-09-15 and 2026-09-16 (the first
  Tuesday–Wednesday pair of working days from the 15th of the month before the last);
- 市统计局's monthly resources have no updates since 2026-07-01 (the last four months);
- 市交通运输局's complaints rise about 3.5-fold from 2026-08-01 (the last quarter),
  mostly about a failing online system;
- 市营商环境建设局 is created mid-year: active from 2026-05-01.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from data.db import check_connection, make_engine
from data.migrate import upgrade
from data.models import ROLES, Department
from data.settings import ROOT, get_settings

DEFAULT_SEED = 2026
DEFAULT_CALLS = 2_000_000


def _end_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"结束日期 {raw!r} 无法识别：请写成 2026-10-31") from exc


def _calls(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"调用条数 {raw!r} 应为正整数，例如 20000")
    return int(raw)


def add_command(subparsers) -> None:
    """Register `demo` on the `python -m data` parser."""
    p = subparsers.add_parser("demo", help="generate the demo city and load it through the collectors")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--end", type=_end_date, help="last day of the twelve months (default: end of last month)")
    p.add_argument("--calls", type=_calls, default=DEFAULT_CALLS, help="exchange calls in the year")
    p.add_argument("--out", type=Path, help="output folder (default: PAOBAN_DEMO_DIR, var/demo)")
    p.add_argument("--if-empty", action="store_true", help="do nothing when departments exist")
    p.add_argument("--files-only", action="store_true", help="write the files, do not load them")
    p.set_defaults(func=_run_args)


def _run_args(args: argparse.Namespace) -> int:
    return run(
        seed=args.seed, end=args.end, calls=args.calls, out=args.out, if_empty=args.if_empty, files_only=args.files_only
    )


def run(
    seed: int = DEFAULT_SEED,
    end: date | None = None,
    calls: int = DEFAULT_CALLS,
    out: Path | None = None,
    if_empty: bool = False,
    files_only: bool = False,
    database_url: str | None = None,
) -> int:
    """Write the demo files and sources.toml, then (unless files_only) load them by
    running the collectors as a subprocess and create the demo accounts. Exit code."""
    out = Path(out or get_settings().demo_dir)
    if files_only and not if_empty:
        _write(seed, end, calls, out)
        return 0
    engine = make_engine(database_url)
    try:
        check_connection(engine)
        upgrade(engine)
        if if_empty and _department_count(engine):
            print("数据库中已有部门数据，未生成演示城市（--if-empty）")
            return 0
        _write(seed, end, calls, out)
        return 0 if files_only else _load(out, engine)
    finally:
        engine.dispose()


def _write(seed: int, end: date | None, calls: int, out: Path) -> None:
    # numpy/pandas load only when the command runs, not for every `python -m data`.
    from data.demo.calendar import default_end
    from data.demo.export import write_city
    from data.demo.generate import build_city

    started = time.monotonic()
    city = build_city(seed, end or default_end())
    export = write_city(city, calls, out)
    print(f"示例市演示数据（种子 {seed}，{city.window.start} 至 {city.window.end}）已写入 {out}")
    for kind, n in export.rows.items():
        print(f"  {kind:<16} {n:>10,} 行  {export.files[kind]:>3} 个文件")
    print("故事线：")
    for line in city.story.lines():
        print(f"  {line}")
    print(f"生成用时 {time.monotonic() - started:.1f} 秒")


def _load(out: Path, engine) -> int:
    started = time.monotonic()
    code = _collect(out / "sources.toml", engine.url.render_as_string(hide_password=False))
    if code != 0:
        print(f"错误：采集程序退出码 {code}，演示数据未完整入库；请查看上方输出", file=sys.stderr)
        return code
    _demo_users(engine)
    _demo_supervision(engine)
    print(f"入库用时 {time.monotonic() - started:.1f} 秒")
    return 0


def _department_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Department)).scalar_one()


def _collect(config: Path, database_url: str) -> int:
    """Data enters by one path only: the collectors, in their own process."""
    env = {**os.environ, "DATABASE_URL": database_url}
    cmd = [sys.executable, "-m", "collectors", "once", "--config", str(config)]
    print("正在通过采集程序入库：python " + " ".join(cmd[1:]), flush=True)
    return subprocess.run(cmd, env=env, cwd=ROOT).returncode


def _demo_supervision(engine) -> None:
    from data.demo.supervision import seed_supervision

    made = seed_supervision(engine)
    print(f"督查督办演示：督办事项 {made['items']} 件，申诉 {made['appeals']} 件")


def _demo_users(engine) -> None:
    from data.users import UserError, ensure_demo_users

    try:
        accounts = ensure_demo_users(engine)
    except UserError as exc:
        print(f"未创建演示账号：{exc}")
        return
    print("演示账号：")
    for username, role, password in accounts:
        print(f"  {username:<16} 密码 {password}  {ROLES[role]}")
