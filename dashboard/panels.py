"""Page sections shared by 部门详情 and 我的得分: score header, indicator cards, explanations."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.format import (
    NO_DATA,
    PART_YEAR,
    RANK_SPAN_HELP,
    SMALL_SAMPLE,
    bonus_deduction,
    fmt_score,
    fmt_value,
    founded_note,
    indicator_label,
    missing,
    part_year,
    percentile,
)
from dashboard.one_pager import NO_FONT, PDF_MIME, CjkFont, Summary, find_font, one_pager
from dashboard.widgets import download
from data.periods import Period
from data.settings import get_settings
from data.viewer import Viewer
from metrics.scheme import Scheme

CARDS_PER_ROW = 3


def score_header(row: pd.Series, name: str, period: Period) -> None:
    """Total, rank and tier of one department, with the change against the previous period;
    a department founded inside the period has its rank marked 部分年度."""
    st.markdown(f"### {name}")
    partial = part_year(row["active_from"], period)
    if partial:
        st.info(founded_note(name, row["active_from"], period))
    cols = st.columns(4)
    delta = None
    if not missing(row["total"]) and not missing(row["prev_total"]):
        delta = f"{float(row['total']) - float(row['prev_total']):+.2f}"
    cols[0].metric("总分", fmt_score(row["total"]), delta)
    moved = None
    if not missing(row["rank"]) and not missing(row["prev_rank"]) and row["rank"] != row["prev_rank"]:
        moved = f"{int(row['prev_rank']) - int(row['rank']):+d} 位"
    cols[1].metric(
        f"排名（{PART_YEAR}）" if partial else "排名",
        NO_DATA if missing(row["rank"]) else f"第 {int(row['rank'])} 名",
        moved,
        help=RANK_SPAN_HELP,
    )
    cols[2].metric("等次", row["tier"] or NO_DATA)
    cols[3].metric("加分 / 扣分", " / ".join(bonus_deduction(row)))
    if not missing(row.get("rank_note")):
        st.caption(row["rank_note"])
    if row["vetoed"]:
        st.error("本期存在一票否决事项，等次定为较差。")


def indicator_cards(indicators: pd.DataFrame, peers: pd.DataFrame, history: pd.DataFrame, scheme: Scheme) -> None:
    """One card per indicator: value, score, peer percentile, 样本少 flag and a sparkline."""
    order = [k for k in scheme.indicators if k in set(indicators["key"])]
    rows = indicators.set_index("key")
    peer_scores = peers.groupby("key")["score"].agg(list).to_dict()
    trends = dict(tuple(history.groupby("key")))
    for start in range(0, len(order), CARDS_PER_ROW):
        cols = st.columns(CARDS_PER_ROW)
        for col, key in zip(cols, order[start : start + CARDS_PER_ROW]):
            r = rows.loc[key]
            with col.container(border=True):
                title = indicator_label(scheme, key)
                if r["status"] == "small":
                    title += f" · :orange[{SMALL_SAMPLE}]"
                st.markdown(f"**{title}**")
                unit = r["explanation"].get("unit")
                st.metric("得分", fmt_score(r["score"]), label_visibility="collapsed")
                st.caption(
                    f"指标值 {fmt_value(r['value'], unit)}"
                    + (
                        ""
                        if missing(r["denominator"])
                        else f"（{fmt_value(r['numerator'])} ÷ {fmt_value(r['denominator'])}）"
                    )
                )
                if r["status"] == "small" and r["explanation"].get("interval_text"):
                    st.caption(r["explanation"]["interval_text"])
                share = percentile(r["score"], peer_scores.get(key, []))
                st.caption("同类部门百分位：" + (NO_DATA if share is None else f"{share:.0f}%"))
                trend = trends.get(key)
                if trend is not None and trend["score"].notna().sum() >= 2:
                    st.markdown(charts.sparkline(trend), unsafe_allow_html=True)


def explanations(indicators: pd.DataFrame, scheme: Scheme) -> None:
    """How each indicator was computed, in words and numbers, from its stored explanation."""
    order = [k for k in scheme.indicators if k in set(indicators["key"])]
    rows = indicators.set_index("key")
    for key in order:
        r = rows.loc[key]
        exp = r["explanation"]
        label = indicator_label(scheme, key)
        status = {"na": f"（{NO_DATA}）", "small": f"（{SMALL_SAMPLE}）"}.get(r["status"], "")
        with st.expander(f"{label}：得分 {fmt_score(r['score'])}{status}"):
            if exp.get("formula"):
                st.markdown("**计算公式**")
                st.text(exp["formula"])
            if exp.get("inputs"):
                st.dataframe(
                    pd.DataFrame([{"项目": i.get("label"), "数值": str(i.get("value"))} for i in exp["inputs"]]),
                    hide_index=True,
                )
            st.text(
                f"指标值 {fmt_value(r['value'], exp.get('unit'))}；"
                f"得分 {fmt_score(r['score'])}；有效权重 {fmt_value(r['weight'])}"
                + (f"；{exp['interval_text']}（Wilson）" if exp.get("interval_text") else "")
            )
            if exp.get("scoring"):
                st.text(f"计分规则：{exp['scoring']}")
            if r["status"] == "na":
                st.caption("分母为 0，本指标不计分，其权重分摊到同维度其他指标。")
            for note in exp.get("notes") or []:
                st.text(f"· {note}")
            if exp.get("scheme_version"):
                st.caption(f"考核方案版本 {exp['scheme_version']}")


ONE_PAGER = "下载一页纸（PDF，A4）"


def one_pager_download(viewer: Viewer, summary: Summary, dept_id: int, period_key: str, key: str) -> None:
    """The 一页纸 for a meeting folder; without a Chinese font to embed, a disabled button
    and what the administrator can do about it."""
    font = find_font(get_settings().pdf_font)
    if font is None:
        st.button(ONE_PAGER, disabled=True, key=key, help=NO_FONT)
        st.caption(NO_FONT)
        return
    download(
        ONE_PAGER,
        viewer,
        target=f"summary:{dept_id}",
        period=period_key,
        kind="pdf",
        file_name=f"一页纸_{summary.department}_{period_key}.pdf",
        mime=PDF_MIME,
        key=key,
        build=lambda: _pdf(summary, font),
    )


@st.cache_data(ttl=600, max_entries=200, show_spinner=False)
def _pdf(summary: Summary, font: CjkFont) -> bytes:
    """Built once per summary: embedding the font's subset takes a second or two."""
    return one_pager(summary, font)
