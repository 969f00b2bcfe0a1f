"""`python -m data`: create the schema, load the demo city, count rows, manage departments."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import SQLModel

import data.models  # noqa: F401
from data.db import DatabaseConfigError, check_connection, get_engine
from data.demo import add_command as add_demo_command
from data.departments import (
    DepartmentError,
    add_departments,
    list_departments,
    parse_active_from,
)
from data.entry import run
from data.migrate import ready_engine, upgrade
from data.prune import PruneError, prune
from data.publication import PublicationError
from data.publication_cli import add_publication_parser
from data.service_daily import refold_service_days
from data.user_cli import add_user_parser, cli_actor
from data.users import UserError


def cmd_init(args) -> int:
    engine = get_engine()
    check_connection(engine)
    applied = upgrade(engine)
    print("数据库结构已更新到最新版本" if applied else "数据库结构已是最新，无需变更")
    return 0


def table_counts(engine) -> dict[str, int]:
    counts = {}
    with engine.connect() as conn:
        for name, table in sorted(SQLModel.metadata.tables.items()):
            counts[name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
    return counts


def cmd_stats(args) -> int:
    engine = ready_engine()
    counts = table_counts(engine)
    width = max(len(n) for n in counts)
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    for name, n in counts.items():
        print(f"{name:<{width}}  {n:>12,}")
    return 0


def cmd_dept(args) -> int:
    engine = ready_engine()
    if args.dept_cmd == "list":
        with engine.connect() as conn:
            for d in list_departments(conn):
                aliases = "、".join(d["aliases"])
                print(f"{d['id']:>4}  {d['category_label']}  {d['name']}  {aliases}")
        return 0
    if args.dept_cmd == "add":
        rows = [
            {
                "name": args.name,
                "category": args.category,
                "aliases": args.alias or [],
                "active_from": parse_active_from(args.active_from),
            }
        ]
    else:
        rows = read_department_file(Path(args.file))
    with engine.begin() as conn:
        new_depts, new_aliases = add_departments(conn, rows, source="cli")
    print(f"新增部门 {new_depts} 个，新增别名 {new_aliases} 个")
    return 0


def read_department_file(path: Path) -> list[dict]:
    """CSV with columns 名称/name, 类别/category, 别名/aliases (、 or ; separated), 起始日期."""
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DepartmentError(f"{path}：无法识别文件编码，请另存为 UTF-8 CSV")
    rows = []
    for line, rec in enumerate(csv.DictReader(text.splitlines()), start=2):
        name = (rec.get("名称") or rec.get("name") or "").strip()
        category = rec.get("类别") or rec.get("category") or ""
        if not name:
            raise DepartmentError(f"{path} 第 {line} 行：缺少部门名称")
        aliases = (rec.get("别名") or rec.get("aliases") or "").replace(";", "、").split("、")
        rows.append(
            {
                "name": name,
                "category": category,
                "aliases": [a for a in aliases if a.strip()],
                "active_from": parse_active_from(rec.get("起始日期") or rec.get("active_from")),
            }
        )
    return rows


def cmd_prune(args) -> int:
    result = prune(ready_engine(), args.before, cli_actor(), dry_run=args.dry_run)
    verb = "将删除" if args.dry_run else "已删除"
    print(f"{result.before} 之前的明细{verb}：")
    for table, n in result.rows.items():
        print(f"  {table:<16} {n:>12,} 行")
    return 0


def cmd_refold_service_days(args) -> int:
    with ready_engine().begin() as conn:
        rows = refold_service_days(conn)
    print(f"已按接口日汇总重建 exchange_service_daily：{rows:,} 行")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m data", description="跑办督考台数据存储")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("init", help="create or migrate the schema").set_defaults(func=cmd_init)
    sub.add_parser("stats", help="row counts per table").set_defaults(func=cmd_stats)
    dept = sub.add_parser("dept", help="department register")
    dsub = dept.add_subparsers(dest="dept_cmd", required=True)
    add = dsub.add_parser("add")
    add.add_argument("name")
    add.add_argument("--category", required=True, help="市直部门 | 区县")
    add.add_argument("--alias", action="append", help="another spelling; repeatable")
    add.add_argument("--active-from", help="expected from this date (YYYY-MM-DD)")
    imp = dsub.add_parser("import")
    imp.add_argument("file", help="CSV: 名称,类别,别名,起始日期")
    dsub.add_parser("list")
    dept.set_defaults(func=cmd_dept)
    pr = sub.add_parser("prune", help="drop raw evidence of old years, keep rollups and published appraisals")
    pr.add_argument("--before", type=int, required=True, help="drop what is dated before 1 January of this year")
    pr.add_argument("--dry-run", action="store_true", help="only count what would be dropped")
    pr.set_defaults(func=cmd_prune)
    sub.add_parser(
        "refold-service-days", help="rebuild the per-service daily rollup the alert detectors read from exchange_daily"
    ).set_defaults(func=cmd_refold_service_days)
    add_user_parser(sub)
    add_publication_parser(sub)
    add_demo_command(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DatabaseConfigError, DepartmentError, UserError, PublicationError, PruneError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    run(main)
