"""The what-if comparison on the scheme page: summary, side-by-side table, sensitivity, and
the Excel workbook for the meeting. metrics.whatif and metrics.sensitivity compute; this
module only lays their frames out in Chinese."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.exports import workbook
from dashboard.format import category_label
from data.stored_values import SnapshotValues
from metrics.sensitivity import REBALANCE_NOTE, TARGET_STEP, WEIGHT_STEP, Sensitivity
from metrics.whatif import Comparison
from metrics.whatif_tables import DEPARTMENT_LABELS, SCENARIO_LABELS, comparison_frame

SUMMARY_LABELS = {
    "category": "类别",
    "departments": "参评部门",
    "ranks_moved": "名次变动部门数",
    "largest_rank_move": "最大名次变动",
    "tier_changes": "等次变动部门数",
    "gainer": "得分增加最多",
    "gain": "增加分值",
    "loser": "得分减少最多",
    "loss": "减少分值",
}


def summary_frame(c: Comparison) -> pd.DataFrame:
    return c.summary.assign(category=c.summary["category"].map(category_label)).rename(columns=SUMMARY_LABELS)


def sensitivity_frames(s: Sensitivity) -> tuple[pd.DataFrame, pd.DataFrame]:
    scenarios = s.scenarios.rename(columns=SCENARIO_LABELS)
    depts = s.departments.assign(category=s.departments["category"].map(category_label))
    return scenarios, depts.drop(columns=["dept_id"]).rename(columns=DEPARTMENT_LABELS)


def about_frame(values: SnapshotValues, c: Comparison, changes: list[str]) -> pd.DataFrame:
    lines = [
        ("考核期", f"{values.period.label}（{values.period.start} 至 {values.period.end}）"),
        ("数据截至", str(values.as_of)),
        ("快照所用方案", values.scheme_version),
        ("现行方案", c.current.version),
        ("草案", c.draft.version),
        ("计算方式", "按快照中已存的各指标分子、分母重算得分、等次与排名，不重算指标"),
        ("敏感性", f"各维度权重 ±{WEIGHT_STEP:g} 分（{REBALANCE_NOTE}），各指标目标 ±{TARGET_STEP:.0%}"),
    ]
    lines += [("方案修改", line) for line in changes or ["（与现行方案相同）"]]
    lines += [("说明", note) for note in c.notes + c.mismatches]
    return pd.DataFrame(lines, columns=["项目", "内容"])


def whatif_workbook(values: SnapshotValues, c: Comparison, changes: list[str], s: Sensitivity) -> bytes:
    scenarios, depts = sensitivity_frames(s)
    return workbook(
        {
            "对比": comparison_frame(c.table, c.current.categories),
            "汇总": summary_frame(c),
            "敏感性_情景": scenarios,
            "敏感性_部门": depts,
            "说明": about_frame(values, c, changes),
        }
    )


def _change_style(value) -> str:
    if pd.isna(value) or value == 0:
        return ""
    return "color: #1a9850; font-weight: bold" if value > 0 else "color: #d73027; font-weight: bold"


def show_comparison(c: Comparison) -> None:
    cols = st.columns(3)
    cols[0].metric("参评部门", len(c.table))
    cols[1].metric("名次变动的部门", c.ranks_moved)
    cols[2].metric("等次变动的部门", c.tier_changes)
    if c.mismatches:
        st.warning(
            f"按现行方案重算时，{len(c.mismatches)} 个部门与已存得分不一致（快照计算后方案文件或加减分有变动）："
            "对比以重算结果为准。"
        )
        with st.expander("不一致的部门"):
            st.markdown("\n".join(f"- {line}" for line in c.mismatches))
    for note in c.notes:
        st.info(note)
    st.dataframe(summary_frame(c), hide_index=True, width="stretch", key="whatif_summary")
    table = comparison_frame(c.table, c.current.categories)
    st.dataframe(
        table.style.map(_change_style, subset=["总分变化", "名次变化"]).format(precision=2),
        hide_index=True,
        width="stretch",
        height=min(35 * (len(table) + 1) + 3, 740),
        key="whatif_table",
    )
    st.caption("名次变化：正数为上升的位次，负数为下降的位次；排名在各类别内分别计算。")


def show_sensitivity(s: Sensitivity) -> None:
    scenarios, depts = sensitivity_frames(s)
    st.caption(
        f"以草案为基准，一次只改一项：各维度权重 ±{WEIGHT_STEP:g} 分（{REBALANCE_NOTE}）；"
        f"各指标目标值 ±{TARGET_STEP:.0%}。排名为草案下的排名。"
    )
    st.dataframe(scenarios, hide_index=True, width="stretch", key="whatif_scenarios")
    st.markdown("**对方案变动最敏感的部门**")
    st.dataframe(depts, hide_index=True, width="stretch", key="whatif_sensitive")
