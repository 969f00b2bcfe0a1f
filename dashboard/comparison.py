"""对比 page sections: two stored scores side by side (two departments in one period, or
one department in two periods), their indicators with the differences, and the bridge
that says where the difference in total comes from (metrics.comparison)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.format import (
    NO_DATA,
    SMALL_SAMPLE,
    bonus_deduction,
    category_label,
    fmt_score,
    fmt_value,
    indicator_label,
    missing,
)
from dashboard.reads import read
from dashboard.widgets import period_state
from data import queries
from data.queries import ShownSnapshot
from data.viewer import Viewer
from metrics.comparison import Step, indicator_differences, total_bridge
from metrics.scheme import Scheme

STEP_LABELS = {"bonus": "加分", "deduction": "扣分", "other": "其他（总分封顶等）"}


@dataclass(frozen=True)
class Side:
    """One column of the comparison: a department in a period, as stored."""

    title: str  # what the side is called: the department's name or the period's label
    short: str  # its name in table headers: 部门一 / 部门二, or the period's label
    dept: dict
    shown: ShownSnapshot
    scheme: Scheme
    score: dict | None  # the department's ranking row; None: 无数据 in that period
    indicators: pd.DataFrame


def load_side(viewer: Viewer, title: str, short: str, dept: dict, shown: ShownSnapshot, scheme: Scheme) -> Side:
    """The stored score and indicators of a department in a period, through data.queries
    (which refuse a department the viewer may not see)."""
    empty = pd.DataFrame(columns=queries.INDICATOR_COLUMNS)
    if not shown.has_data:
        return Side(title, short, dept, shown, scheme, None, empty)
    own = read(queries.ranking, viewer, shown.snapshot_id, dept_id=dept["dept_id"])
    if own.empty or missing(own.iloc[0]["total"]):
        return Side(title, short, dept, shown, scheme, None, empty)
    indicators = read(queries.indicator_scores, viewer, shown.snapshot_id, dept_id=dept["dept_id"])
    return Side(title, short, dept, shown, scheme, own.iloc[0].to_dict(), indicators)


def indicator_order(a: Side, b: Side) -> list[str]:
    """Side a's scheme order, then indicators only side b's scheme has."""
    return list(a.scheme.indicators) + [k for k in b.scheme.indicators if k not in a.scheme.indicators]


def _label(a: Side, b: Side, key: str) -> str:
    return indicator_label(a.scheme if key in a.scheme.indicators else b.scheme, key)


def _rank_text(score: dict | None) -> str:
    return NO_DATA if score is None or missing(score["rank"]) else f"第 {int(score['rank'])} 名"


def headline(viewer: Viewer, a: Side, b: Side) -> None:
    """Total, tier and rank of both sides; side a carries the difference a − b."""
    both = a.score is not None and b.score is not None
    for col, side in zip(st.columns(2), (a, b)):
        with col.container(border=True):
            st.markdown(f"#### {side.title}")
            st.caption(
                f"{side.dept['name']}（{category_label(side.dept['category'])}）· "
                f"{side.shown.period.label}{period_state(viewer, side.shown)}"
            )
            if side.score is None:
                st.info(f"{side.dept['name']}在{side.shown.period.label}无数据（没有得分，不参与排名）。")
                continue
            total_delta = rank_delta = None
            if side is a and both:
                total_delta = f"{float(a.score['total']) - float(b.score['total']):+.2f}"
                ranks = [a.score["rank"], b.score["rank"]]
                if not any(missing(r) for r in ranks) and ranks[0] != ranks[1]:
                    rank_delta = f"{int(ranks[1]) - int(ranks[0]):+d} 位"
            cols = st.columns(3)
            cols[0].metric("总分", fmt_score(side.score["total"]), total_delta)
            cols[1].metric("等次", side.score["tier"] or NO_DATA)
            cols[2].metric("排名", _rank_text(side.score), rank_delta)
            bonus, deduction = bonus_deduction(side.score)
            st.caption(f"加分 {bonus}，扣分 {deduction}")
    if both:
        ahead = "名次上升" if a.dept["dept_id"] == b.dept["dept_id"] else f"{a.title}靠前"
        st.caption(f"差值 = {a.title} − {b.title}；排名差为正表示{ahead}。")
        if a.dept["category"] != b.dept["category"]:
            st.caption("两个部门类别不同，排名分别在各自类别内计算，名次不宜直接比较。")


def _value_text(row: dict, side: str, units: dict[str, str | None]) -> str:
    text = fmt_value(row[f"value_{side}"], units.get(row["key"]))
    return text + f"（{SMALL_SAMPLE}）" if row[f"status_{side}"] == "small" else text


def difference_table(a: Side, b: Side) -> pd.DataFrame:
    """Each indicator's value and score on both sides, the score difference, and each side's
    weighted contribution to the total with its difference (points); NaN reads 无数据."""
    diff = indicator_differences(a.indicators, b.indicators, indicator_order(a, b))
    units = {
        r["key"]: r["explanation"].get("unit")
        for r in pd.concat([b.indicators, a.indicators]).to_dict("records")
        if isinstance(r["explanation"], dict)
    }
    rows = []
    for r in diff.to_dict("records"):
        rows.append(
            {
                "指标": _label(a, b, r["key"]),
                f"{a.short} 指标值": _value_text(r, "a", units),
                f"{b.short} 指标值": _value_text(r, "b", units),
                f"{a.short} 得分": r["score_a"],
                f"{b.short} 得分": r["score_b"],
                "得分差": r["score_diff"],
                f"{a.short} 贡献（分）": r["contribution_a"],
                f"{b.short} 贡献（分）": r["contribution_b"],
                "贡献差（分）": r["contribution_diff"],
            }
        )
    return pd.DataFrame(rows)


def show_difference_table(a: Side, b: Side, table: pd.DataFrame) -> None:
    if table.empty:
        st.caption(f"两方均{NO_DATA}。")
        return
    signed = [c for c in table.columns if c.endswith("差") or c == "贡献差（分）"]
    plain = [c for c in table.columns if pd.api.types.is_float_dtype(table[c]) and c not in signed]
    styler = table.style.format("{:.2f}", subset=plain, na_rep=NO_DATA).format("{:+.2f}", subset=signed, na_rep=NO_DATA)
    if a.short != a.title:
        st.caption(f"{a.short}：{a.title}；{b.short}：{b.title}。")
    height = 35 * (len(table) + 1) + 3  # every indicator at once, no scrolling inside the table
    st.dataframe(styler, hide_index=True, width="stretch", height=height, placeholder=NO_DATA)
    st.caption(
        "贡献 = 指标得分 × 有效权重 ÷ 100，各指标贡献之和即加减分前的总分；"
        f"{NO_DATA}的指标不计分（贡献 0），其权重已分摊到同维度其他指标。"
    )


def bridge_steps(a: Side, b: Side) -> list[Step]:
    if a.score is None or b.score is None:
        return []
    diff = indicator_differences(a.indicators, b.indicators, indicator_order(a, b))
    return total_bridge(a.score, b.score, diff)


def step_label(a: Side, b: Side, step: Step) -> str:
    return _label(a, b, step.key) if step.kind == "indicator" else STEP_LABELS[step.kind]


def bridge_sentence(a: Side, b: Side, steps: list[Step], limit: int = 3) -> str:
    """The difference in words: how far apart the totals are, and the largest sources."""
    gap = float(a.score["total"]) - float(b.score["total"])
    if not steps:
        return f"{a.title}与{b.title}总分相同，各指标贡献也相同。"
    largest = sorted(steps, key=lambda s: abs(s.amount), reverse=True)[:limit]
    parts = "、".join(f"{step_label(a, b, s)} {s.amount:+.2f} 分" for s in largest)
    return f"{a.title}比{b.title}总分{'高' if gap >= 0 else '低'} {abs(gap):.2f} 分，主要来自：{parts}。"


def bridge_section(a: Side, b: Side) -> None:
    steps = bridge_steps(a, b)
    if a.score is None or b.score is None:
        st.caption(f"有一方{NO_DATA}，无法分解总分差异。")
        return
    st.markdown(bridge_sentence(a, b, steps))
    figure = charts.contribution_bridge(
        b.title,
        float(b.score["total"]),
        [(step_label(a, b, s), s.amount) for s in steps],
        a.title,
        float(a.score["total"]),
    )
    st.plotly_chart(figure, width="stretch", key="compare_bridge")
