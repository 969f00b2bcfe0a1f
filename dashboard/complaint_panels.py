"""部门详情's 投诉工单 section: where a complaint surge shows — tickets per month and
category over the twelve months to the period's end beside the stored 每万件投诉量, and
the period's tickets with filters."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.reads import read
from dashboard.widgets import table_with_csv
from data import complaints, queries
from data.clock import to_local_series
from data.periods import Period, add_months
from data.viewer import Viewer
from data.vocabulary import SATISFACTION

RATE_KEY = "complaints_per_10k"
TICKET_LABELS = {
    "ticket_id": "工单编号",
    "received_at": "受理时间",
    "category": "类别",
    "channel": "渠道",
    "satisfaction": "评价",
    "due_at": "办结时限",
    "closed_at": "办结时间",
    "summary": "诉求摘要",
}


def monthly_rates(viewer: Viewer, dept_id: int, first: date, history: pd.DataFrame, year: int) -> pd.DataFrame:
    """The stored monthly 每万件投诉量 from `first` on (`history`: the page's months of `year`)."""
    years = [read(queries.indicator_history, viewer, dept_id, "month", y) for y in range(first.year, year)]
    rates = pd.concat([*years, history], ignore_index=True)
    rates = rates[(rates["key"] == RATE_KEY) & rates["value"].notna()]
    rates = rates.assign(month=pd.to_datetime(rates["period_start"]).dt.date)
    return rates[rates["month"] >= first][["month", "value"]]


def minutes(stamps: pd.Series) -> pd.Series:
    """Stored UTC times as local 'YYYY-MM-DD HH:MM' text (blank where missing): full seconds
    made the columns too wide to read beside the summary."""
    return to_local_series(stamps).dt.strftime("%Y-%m-%d %H:%M").astype(object).where(stamps.notna(), None)


def ticket_rows(tickets: pd.DataFrame) -> pd.DataFrame:
    shown = tickets.assign(
        received_at=minutes(tickets["received_at"]),
        due_at=minutes(tickets["due_at"]),
        closed_at=minutes(tickets["closed_at"]),
        satisfaction=tickets["satisfaction"].map(SATISFACTION).fillna(tickets["satisfaction"]),
        category=tickets["category"].fillna(complaints.UNCATEGORISED),
    )
    return shown.rename(columns=TICKET_LABELS)


COMPLAINTS_ANCHOR = "complaints"


def complaints_section(viewer: Viewer, dept_id: int, period: Period, history: pd.DataFrame, file_stem: str) -> None:
    st.subheader("投诉工单", anchor=COMPLAINTS_ANCHOR)
    first = add_months(period.end.replace(day=1), -11)
    counts = read(complaints.tickets_by_month, viewer, dept_id, first, period.end)
    rates = monthly_rates(viewer, dept_id, first, history, period.year)
    if counts.empty:
        st.caption(f"{first.year}年{first.month}月至{period.end.year}年{period.end.month}月没有本部门的投诉工单。")
        return
    st.caption(
        f"{first.year}年{first.month}月至{period.end.year}年{period.end.month}月每月投诉件数（按类别）与每万件投诉量（月度评分）。"
    )
    st.plotly_chart(charts.complaints_per_month(counts, rates), width="stretch", key="department_complaints")
    rows = ticket_rows(read(complaints.tickets, viewer, dept_id, period.start, period.end))
    st.markdown(f"**{period.label}的投诉工单（{len(rows):,} 件，北京时间）**")
    left, middle, right = st.columns(3)
    chosen = left.multiselect("类别", sorted(rows["类别"].unique()), key="complaint_categories", placeholder="全部类别")
    rated = middle.multiselect(
        "评价",
        [v for v in SATISFACTION.values() if v in set(rows["评价"])],
        key="complaint_rated",
        placeholder="全部评价",
    )
    text = right.text_input("搜索诉求摘要或工单编号", key="complaint_search").strip()
    if chosen:
        rows = rows[rows["类别"].isin(chosen)]
    if rated:
        rows = rows[rows["评价"].isin(rated)]
    if text:
        found = rows["诉求摘要"].fillna("").str.contains(text, regex=False) | rows["工单编号"].str.contains(
            text, regex=False
        )
        rows = rows[found]
    table_with_csv(
        rows,
        viewer,
        target=f"complaints:{dept_id}",
        period=period.key,
        file_name=f"投诉工单_{file_stem}.csv",
        key="complaints_csv",
        empty="没有符合条件的投诉工单。",
        wide=("诉求摘要",),
    )
