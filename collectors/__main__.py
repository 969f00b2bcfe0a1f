"""`python -m collectors once|run`: collect now and print a summary, or keep collecting;
`python -m collectors alerts check [--day D]`: run the alert check by hand."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import unicodedata
from datetime import date

from collectors.config import ConfigError, load_config
from collectors.memory import keep_freed_memory
from collectors.replay import replay_source
from collectors.scheduler import after_runs, build_scheduler, register_first, run_once
from data.db import DatabaseConfigError
from data.entry import run
from data.migrate import ready_engine
from data.settings import get_settings

STATUS = {"ok": "成功", "partial": "部分成功", "failed": "失败", "locked": "跳过（他处运行中）"}


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int) -> str:
    return text + " " * max(0, size - width(text))


def print_summary(summaries) -> None:
    header = ["数据源", "状态", "读取", "入库", "重复", "隔离", "耗时(秒)"]
    rows = [
        [
            s.source,
            STATUS.get(s.status, s.status),
            f"{s.counts.rows_read:,}",
            f"{s.counts.rows_loaded:,}",
            f"{s.counts.rows_duplicate:,}",
            f"{s.counts.rows_quarantined:,}",
            f"{s.seconds:.1f}",
        ]
        for s in summaries
    ]
    sizes = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(pad(cell, sizes[i]) for i, cell in enumerate(r)))
    for s in summaries:
        for f in s.files:
            if f["status"] == "error":
                print(f"[{s.source}] 文件 {f['file']} 无法读取：{f['reason']}")
            elif f.get("note"):
                print(f"[{s.source}] 文件 {f['file']}：{f['note']}")
        if s.error and not any(f["status"] == "error" for f in s.files):
            print(f"[{s.source}] {s.error}")
        if s.created_departments:
            print(f"[{s.source}] 新建部门 {len(s.created_departments)} 个：{'、'.join(s.created_departments)}")
        if s.counts.rows_quarantined:
            print(f"[{s.source}] {s.counts.rows_quarantined} 行已隔离，请在“数据源状态”页查看原因并修正")


def exit_code(summaries) -> int:
    """For cron: 1 when a source failed or a file of it could not be read, else 0 (every row
    read was loaded, a duplicate or quarantined; a source another process runs is skipped)."""
    unread = any(f["status"] == "error" for s in summaries for f in s.files)
    return 1 if unread or any(s.status == "failed" for s in summaries) else 0


def cmd_once(args) -> int:
    config = load_config(args.config or get_settings().sources_file)
    engine = ready_engine()
    summaries, refresh_error = run_once(
        engine, config, args.source, refresh=not args.no_refresh, progress=sys.stderr.isatty() or args.progress
    )
    print_summary(summaries)
    if refresh_error:
        print(refresh_error, file=sys.stderr)
    return exit_code(summaries)


def cmd_replay(args) -> int:
    config = load_config(args.config or get_settings().sources_file)
    engine = ready_engine()
    sources = [config.source(args.source)] if args.source else [s for s in config.sources if s.enabled]
    summaries = [replay_source(engine, s, args.reason) for s in register_first(sources)]
    print_summary(summaries)
    refresh_error = None if args.no_refresh else after_runs(engine)
    if refresh_error:
        print(refresh_error, file=sys.stderr)
    return exit_code(summaries)


def cmd_run(args) -> int:
    config = load_config(args.config or get_settings().sources_file)
    engine = ready_engine()
    scheduler = build_scheduler(engine, config, refresh=not args.no_refresh)
    names = "、".join(s.name for s in config.sources if s.enabled)
    print(f"采集调度已启动（{config.file}）：{names}。按 Ctrl+C 停止。", flush=True)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):  # Ctrl+C is how an operator stops it
        scheduler.start()
    return 0


def cmd_alerts(args) -> int:
    from collectors.alert_check import check_alerts
    from metrics.alerts import AlertRulesError

    try:
        days, result = check_alerts(ready_engine(), day=args.day)
    except AlertRulesError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    span = f"{days[0]}" if len(days) == 1 else f"{days[0]} 至 {days[-1]}"
    print(f"已检查 {span}：新增预警 {result.opened} 条，更新 {result.updated} 条，自动解决 {result.resolved} 条")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m collectors", description="跑办督考台数据采集")
    sub = p.add_subparsers(dest="cmd", required=True)
    once = sub.add_parser("once", help="run sources now and print a summary")
    once.add_argument("--source", help="only this source (its name in the config)")
    once.add_argument("--progress", action="store_true", help="show a progress bar even when not on a terminal")
    once.set_defaults(func=cmd_once)
    replay = sub.add_parser("replay", help="validate quarantined rows again and load those that now pass")
    replay.add_argument("--source", help="only this source (its name in the config)")
    replay.add_argument("--reason", help="only rows whose reason starts with this text, e.g. 未知部门")
    replay.set_defaults(func=cmd_replay)
    run = sub.add_parser("run", help="start the scheduler (one job per source)")
    run.set_defaults(func=cmd_run)
    alerts = sub.add_parser("alerts", help="alerts: check the days since the last check (or one day)")
    alerts_sub = alerts.add_subparsers(dest="alerts_cmd", required=True)
    check = alerts_sub.add_parser("check", help="run the detectors and update the alerts")
    check.add_argument("--day", type=date.fromisoformat, help="check only this local day (YYYY-MM-DD)")
    check.set_defaults(func=cmd_alerts)
    for cmd in (once, replay, run):
        cmd.add_argument("--config", help="sources.toml (default: PAOBAN_SOURCES)")
        cmd.add_argument("--no-refresh", action="store_true", help="do not refresh score snapshots")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    keep_freed_memory()
    logging.basicConfig(
        level=logging.INFO if args.cmd == "run" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.func(args)
    except (ConfigError, DatabaseConfigError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    run(main)
