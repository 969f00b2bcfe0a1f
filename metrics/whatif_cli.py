"""`python -m metrics whatif`: a stored period under a changed scheme, in the terminal."""

from __future__ import annotations

import sys

import pandas as pd

from data import queries
from data.periods import Period
from data.stored_values import snapshot_values
from data.viewer import Viewer
from metrics.scheme import in_force_path, parse_scheme
from metrics.scheme_text import apply_setting, changes, parse_assignment, raw_scheme, to_toml
from metrics.sensitivity import sensitivity
from metrics.whatif import compare
from metrics.whatif_tables import DEPARTMENT_LABELS, SCENARIO_LABELS, comparison_frame

CLI_VIEWER = Viewer("cli", "admin")


def shown_snapshot_id(conn, period_key: str) -> int | None:
    """The snapshot the pages show for the period (published, else the latest current)."""
    shown = queries.periods(conn, CLI_VIEWER)
    row = shown[shown["period_key"] == period_key]
    return None if row.empty else int(row["snapshot_id"].iloc[0])


def cmd_whatif(args, engine) -> int:
    period = Period.parse(args.period)
    current_text = in_force_path(period.year).read_text(encoding="utf-8")
    draft = raw_scheme(args.scheme.read_text(encoding="utf-8") if args.scheme else current_text)
    for assignment in args.settings:
        draft = apply_setting(draft, *parse_assignment(draft, assignment))
    current, draft_scheme = parse_scheme(current_text), parse_scheme(to_toml(draft))
    with engine.connect() as conn:
        snap_id = shown_snapshot_id(conn, period.key)
        if snap_id is None:
            print(f"考核期 {period.key} 还没有得分快照：请先运行 python -m metrics refresh", file=sys.stderr)
            return 2
        values = snapshot_values(conn, CLI_VIEWER, snap_id)
    c = compare(values, current, draft_scheme)
    print(f"考核期 {period.key}（快照 {snap_id}，评价日 {values.as_of}）：现行方案 {current.version} 对比草案")
    for line in changes(raw_scheme(current_text), draft) or ["（草案与现行方案相同）"]:
        print(f"  {line}")
    for note in c.notes + c.mismatches:
        print(f"说明：{note}")
    for s in c.summary.itertuples():
        print(
            f"{current.categories.get(s.category, s.category)}：{s.departments} 个部门中名次变动 {s.ranks_moved} 个"
            f"（最大 {s.largest_rank_move} 位），等次变动 {s.tier_changes} 个；"
            f"得分增加最多 {s.gainer}（{s.gain:+.2f}），减少最多 {s.loser}（{s.loss:+.2f}）"
        )
    table = c.table if args.all else c.table[(c.table["rank_change"].fillna(0) != 0) | c.table["tier_changed"]]
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250):
        frame = comparison_frame(table, current.categories)
        print(frame.astype(object).fillna("").to_string(index=False) if len(frame) else "（没有部门的名次或等次变动）")
        if args.sensitivity:
            result = sensitivity(values, draft)
            print("\n敏感性（相对于草案）：")
            print(result.scenarios.rename(columns=SCENARIO_LABELS).to_string(index=False))
            depts = result.departments.assign(category=result.departments["category"].map(current.categories))
            print(depts.rename(columns=DEPARTMENT_LABELS).drop(columns=["dept_id"]).to_string(index=False))
    return 0
