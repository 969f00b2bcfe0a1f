"""`python -m metrics alerts --from D --to D`: the detections of each day, with Chinese
headers, and a count per kind — how the detectors are tried on a store."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from data.alert_inputs import load_alert_inputs
from data.vocabulary import ALERT_KINDS, ALERT_SEVERITIES
from metrics.alerts import detect, load_rules


def add_command(sub) -> None:
    a = sub.add_parser("alerts", help="按日列出预警检测结果（不写入预警记录）")
    a.add_argument("--from", dest="first", type=date.fromisoformat, required=True, help="第一天，如 2026-09-01")
    a.add_argument("--to", dest="last", type=date.fromisoformat, required=True, help="最后一天，如 2026-09-30")
    a.add_argument("--rules", help="预警规则文件（默认：PAOBAN_ALERT_RULES）")
    a.add_argument("--kind", choices=list(ALERT_KINDS), action="append", help="只看这些类型，可重复")
    a.add_argument("--messages", action="store_true", help="同时列出说明文字")
    a.set_defaults(func=cmd_alerts)


def cmd_alerts(args, engine) -> int:
    if args.last < args.first:
        raise ValueError(f"结束日期 {args.last} 早于开始日期 {args.first}")
    rules = load_rules(args.rules)
    days = [args.first + timedelta(days=i) for i in range((args.last - args.first).days + 1)]
    inputs = load_alert_inputs(engine, days, rules)
    found = detect(inputs, days, rules)
    if args.kind:
        found = found[found["kind"].isin(args.kind)]
    names = inputs.departments.set_index("dept_id")["name"]
    print(f"预警规则：{rules.source}；检查 {args.first} 至 {args.last}，共 {len(found)} 条")
    if found.empty:
        return 0
    table = pd.DataFrame(
        {
            "日期": found["day"].astype(str),
            "类型": found["kind"].map(ALERT_KINDS),
            "对象": found["subject"],
            "部门": [names.get(c, "") if c is not None else "" for c in found["dept_code"]],
            "级别": found["severity"].map(ALERT_SEVERITIES),
            "观测值": found["value"].round(4),
            "基线": found["baseline"].round(4),
        }
    )
    if args.messages:
        table["说明"] = found["message"]
    with pd.option_context("display.max_rows", None, "display.width", 250, "display.max_colwidth", 300):
        print(table.to_string(index=False))
    counts = found.groupby("kind").agg(条数=("day", "size"), 对象数=("subject", "nunique"))
    counts.index = counts.index.map(ALERT_KINDS)
    print(counts.rename_axis("类型").to_string())
    return 0
