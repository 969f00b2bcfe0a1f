"""Command line: score, explain, adjust, publish, verify, refresh.

python -m metrics score --period 2026-Q2 [--as-of 2026-05-20] [--category 市直部门] [--format table|csv|json]
python -m metrics explain --dept 市数据局 --period 2026
python -m metrics adjust --dept 市数据局 --kind bonus --points 2 --reason "…" --author 张三 [--period 2026]
python -m metrics publish --year 2026 [--by 张三] [--today 2026-12-28]   # the version in 公示 → 已发布
python -m metrics verify --year 2026        # recompute every version (alias: verify-publication)
python -m metrics refresh
python -m metrics whatif --period 2026 --set 'dimension.数据共享.weight=30' [--set …] [--sensitivity]
python -m metrics fairness --period 2026 [--as-of 2026-11-30]
python -m metrics alerts --from 2026-09-01 --to 2026-09-30 [--kind provider_outage] [--messages]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

from data import publication
from data.clock import local_today
from data.db import DatabaseConfigError, get_engine
from data.entry import run
from data.periods import PeriodError
from data.user_cli import cli_actor
from data.viewer import Viewer
from data.vocabulary import CATEGORY_SPELLINGS
from metrics import explain, fairness, publications, snapshots, whatif_cli
from metrics.alerts import cli as alerts_cli
from metrics.scheme import SchemeError


def _score_table(a, category: str | None) -> pd.DataFrame:
    d = a.departments
    if category:
        d = d[d["category"] == category]
    ind = a.indicators[a.indicators["dept_id"].isin(d["dept_id"])]
    wide = ind.pivot(index="dept_id", columns="key", values="value")
    names = {
        **{i.key: i.name for i in a.scheme.indicators.values()},
        **{f"dim:{k}": f"{v}得分" for k, v in a.scheme.dimension_names.items()},
    }
    order = [k for k in names if k in wide.columns]
    wide = wide[order].round(2).rename(columns=names)
    out = pd.DataFrame(
        {
            "类别": d["category"].map(a.scheme.categories).to_numpy(),
            "排名": d["rank"].to_numpy(),
            "排名区间": ["" if pd.isna(b) else f"{int(b)}–{int(w)}" for b, w in zip(d["rank_best"], d["rank_worst"])],
            "部门": d["name"].to_numpy(),
            "总分": d["total"].to_numpy(),
            "等次": d["tier"].to_numpy(),
            "加分": d["bonus"].to_numpy(),
            "扣分": d["deduction"].to_numpy(),
            "一票否决": d["vetoed"].map({True: "是", False: ""}).to_numpy(),
            "上期总分": d["prev_total"].to_numpy(),
            "上期排名": d["prev_rank"].to_numpy(),
        },
        index=d["dept_id"].to_numpy(),
    )
    return out.join(wide).reset_index(drop=True)


def cmd_score(args, engine) -> int:
    category = CATEGORY_SPELLINGS.get(args.category) if args.category else None
    if args.category and category is None:
        print(f"未知部门类别 {args.category!r}：应为 市直部门 或 区县", file=sys.stderr)
        return 2
    a = snapshots.compute(engine, args.period, args.as_of)
    table = _score_table(a, category)
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False)
    elif args.format == "json":
        print(
            json.dumps(
                {
                    "period": a.period.key,
                    "as_of": a.as_of.isoformat(),
                    "scheme_version": a.scheme.version,
                    "input_digest": a.input_digest,
                    "notes": a.notes,
                    "departments": json.loads(table.to_json(orient="records", force_ascii=False)),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(
            f"考核期 {a.period.key}（{a.period.start} 至 {a.period.end}），评价日 {a.as_of}，方案版本 {a.scheme.version}"
        )
        for note in a.notes:
            print(f"说明：{note}")
        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250):
            print(table.astype(object).fillna("").to_string(index=False) if len(table) else "（无部门）")
    return 0


def cmd_explain(args, engine) -> int:
    a = snapshots.compute(engine, args.period, args.as_of)
    match = a.departments[a.departments["name"] == args.dept]
    if match.empty:
        print(f"考核期 {a.period.key} 中没有部门 {args.dept!r}：请核对部门全称", file=sys.stderr)
        return 2
    dept = match.iloc[0]
    rows = a.indicators[a.indicators["dept_id"] == dept["dept_id"]]
    print(
        explain.department_text(
            dept,
            rows,
            a.evidence[a.evidence["dept_id"] == dept["dept_id"]],
            a.gains[a.gains["dept_id"] == dept["dept_id"]],
            a.scheme,
            a.period.key,
            a.as_of,
        )
    )
    return 0


def cmd_adjust(args, engine) -> int:
    adj_id = snapshots.add_adjustment(engine, args.dept, args.kind, args.points, args.reason, args.author, args.period)
    print(f"已记录{snapshots.ADJUSTMENT_KINDS[args.kind]}（编号 {adj_id}），下次刷新得分时生效")
    return 0


def cmd_publish(args, engine) -> int:
    """The yearly appraisal's version in 公示 becomes 已发布 (data.publication, the one publish path)."""
    viewer = Viewer(args.by or cli_actor(), "admin")
    with engine.begin() as conn:
        open_ = [p for p in publication.versions(conn, viewer, args.year) if p["state"] == "publicizing"]
        if not open_:
            print(
                f"{args.year} 年度没有公示中的版本：先起草并公示"
                f"（python -m data publication draft --year {args.year}，再 publicize 版本号 --start 日期）",
                file=sys.stderr,
            )
            return 2
        publication.publish(conn, viewer, open_[0]["id"], args.today or local_today())
    print(f"{args.year} 年度考核结果第 {open_[0]['version']} 版已发布（快照编号 {open_[0]['snapshot_id']}）")
    return 0


def cmd_verify(args, engine) -> int:
    lines, passed = publications.verify_year(engine, args.year)
    print("\n".join(lines))
    return 0 if passed else 1


def fairness_report(a, shrunk) -> list[str]:
    """Which departments' ranks the data cannot separate from their neighbours', and what the
    scheme's small-sample shrinkage would change (a: the period as scored; shrunk: with shrinkage on)."""
    lines = [
        f"考核期 {a.period.key}，评价日 {a.as_of}，方案版本 {a.scheme.version}；"
        f"排名区间 = 模拟 {fairness.DRAWS} 次的第 5–95 百分位名次（含公布名次）"
    ]
    d = a.departments.merge(fairness.neighbours(a.departments), on=["dept_id", "category", "rank"], how="left")
    after = shrunk.departments.set_index("dept_id")
    for category, label in a.scheme.categories.items():
        rows = d[(d["category"] == category) & d["rank"].notna()]
        if rows.empty:
            continue
        tangled = rows[rows["overlaps_above"] | rows["overlaps_below"]]
        pairs = int(rows["overlaps_below"].sum())
        lines.append(
            f"\n【{label}】{len(rows)} 个部门，相邻 {len(rows) - 1} 对中 {pairs} 对排名区间重叠（先后不能确定）；"
            f"{len(tangled)} 个部门与相邻部门不可区分"
        )
        lines.append("  排名  排名区间  与上一名  与下一名  收缩后排名  部门：总分 → 收缩后总分（等次变化）")
        for r in rows.itertuples():
            s = after.loc[r.dept_id]
            moved = "" if s["rank"] == r.rank else f"（{int(r.rank) - int(s['rank']):+d}）"
            tier = "" if s["tier"] == r.tier else f"（{r.tier} → {s['tier']}）"
            above, below = ("重叠" if x else "可分" for x in (r.overlaps_above, r.overlaps_below))
            lines.append(
                f"  {int(r.rank):>4}  {f'{int(r.rank_best)}–{int(r.rank_worst)}':<8}  {above:<6}  {below:<6}"
                f"  {int(s['rank']):>4}{moved:<6}  {r.name}：{r.total:.2f} → {s['total']:.2f}{tier}"
            )
        changed = rows[[after.loc[i, "rank"] != k for i, k in zip(rows["dept_id"], rows["rank"])]]
        tier_changed = rows[[after.loc[i, "tier"] != t for i, t in zip(rows["dept_id"], rows["tier"])]]
        lines.append(
            f"  开启样本少收缩（先验强度 {shrunk.scheme.prior_strength:g}）：{len(changed)} 个部门名次变化，"
            f"{len(tier_changed)} 个部门等次变化"
        )
    return lines


def cmd_fairness(args, engine) -> int:
    a = snapshots.compute(engine, args.period, args.as_of)
    shrunk = snapshots.compute(engine, args.period, a.as_of, scheme=replace(a.scheme, shrink_small_samples=True))
    print("\n".join(fairness_report(a, shrunk)))
    return 0


def cmd_refresh(args, engine) -> int:
    ids = snapshots.refresh_current(engine, args.today)
    print(f"已写入 {len(ids)} 个得分快照" + (f"：{', '.join(map(str, ids))}" if ids else "（数据未变化）"))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m metrics", description="考核计分：得分、说明、加减分、发布与核验")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("score", help="各部门指标、维度得分、总分、等次与排名")
    s.add_argument("--period", required=True, help="2026、2026-Q2、2026-05 或 2026-01-01..2026-03-31")
    s.add_argument(
        "--as-of", type=date.fromisoformat, help="评价日（默认：今天与“考核期末 + 期内最长宽限天数”中较早者）"
    )
    s.add_argument("--category", help="市直部门 或 区县")
    s.add_argument("--format", choices=["table", "csv", "json"], default="table")
    s.set_defaults(func=cmd_score)
    e = sub.add_parser("explain", help="一个部门的得分如何算出、问题明细与提分清单")
    e.add_argument("--dept", required=True)
    e.add_argument("--period", required=True)
    e.add_argument("--as-of", type=date.fromisoformat)
    e.set_defaults(func=cmd_explain)
    a = sub.add_parser("adjust", help="记录加分、扣分或一票否决")
    a.add_argument("--dept", required=True)
    a.add_argument("--kind", required=True, choices=list(snapshots.ADJUSTMENT_KINDS))
    a.add_argument("--points", type=float, default=0.0)
    a.add_argument("--reason", required=True)
    a.add_argument("--author", required=True)
    a.add_argument("--period", help="不填则计入当年年度考核")
    a.set_defaults(func=cmd_adjust)
    pub = sub.add_parser("publish", help="公示期满后发布年度考核结果的公示中版本")
    pub.add_argument("--year", type=int, required=True)
    pub.add_argument("--by", help="记为发布人（默认 cli:登录名）")
    pub.add_argument("--today", type=date.fromisoformat, help="本地日期（默认：今天）")
    pub.set_defaults(func=cmd_publish)
    for name in ("verify", "verify-publication"):
        v = sub.add_parser(name, help="用各版本保存的方案文本、豁免与调整重算年度结果的每个公示/发布版本并比对")
        v.add_argument("--year", type=int, required=True)
        v.set_defaults(func=cmd_verify)
    w = sub.add_parser("whatif", help="按修改后的方案重算某期已存得分，与现行方案对比排名（不重算指标）")
    w.add_argument("--period", required=True, help="已有得分快照的考核期，如 2026、2026-Q3、2026-09")
    w.add_argument(
        "--set",
        action="append",
        default=[],
        dest="settings",
        metavar="名称=取值",
        help="如 dimension.数据共享.weight=30（其余维度按比例分摊）、indicator.mount_rate.target=95、tiers.excellent=85",
    )
    w.add_argument("--scheme", type=Path, help="以此方案文件为草案（默认：现行方案）")
    w.add_argument("--sensitivity", action="store_true", help="另列各维度权重 ±5 分、各指标目标 ±5%% 的名次变动")
    w.add_argument("--all", action="store_true", help="列出全部部门（默认只列名次或等次变动的部门）")
    w.set_defaults(func=whatif_cli.cmd_whatif)
    r = sub.add_parser("refresh", help="重算各月、季、年的当前得分快照")
    r.add_argument("--today", type=date.fromisoformat, help=argparse.SUPPRESS)
    r.set_defaults(func=cmd_refresh)
    f = sub.add_parser("fairness", help="样本少时的排名区间：哪些部门与相邻部门不可区分，收缩后名次如何变化")
    f.add_argument("--period", required=True)
    f.add_argument("--as-of", type=date.fromisoformat)
    f.set_defaults(func=cmd_fairness)
    alerts_cli.add_command(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args, get_engine())
    except (PeriodError, SchemeError, DatabaseConfigError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    run(main)
