"""我的得分: a department's own scores, how each was made, what to fix, and where it stands."""

import streamlit as st

from dashboard import charts
from dashboard.alert_panels import alert_section
from dashboard.auth import current_viewer
from dashboard.exports import XLSX_MIME, workbook
from dashboard.format import category_label, founded_note, missing, scheme_for
from dashboard.layout import compact_page
from dashboard.one_pager import summary_for
from dashboard.panels import explanations, indicator_cards, one_pager_download, score_header
from dashboard.reads import read, store_url
from dashboard.tables import gain_table, indicator_table
from dashboard.widgets import download, no_data, period_caption, period_picker, period_state, table_with_csv
from data import alert_queries, queries
from data.clock import local_today
from data.db import get_engine

viewer = current_viewer()
compact_page()
st.title("我的得分")
if viewer.role != "department" or viewer.dept_id is None:
    st.warning("本页供部门联络员查看本部门得分；您的账号未绑定部门。")
    st.stop()
engine = get_engine(store_url())
with engine.connect() as conn:
    own_alerts = alert_queries.alerts(conn, viewer, states=("new", "acknowledged"), health=False)
st.subheader("本部门预警")
if own_alerts.empty:
    st.caption("本部门当前没有未解决的预警。")
else:
    st.caption("系统从采集数据中发现的问题，请尽快核实处理：处理中可点“确认”，处理完毕填写说明后点“解决”。")
    own_names = dict(read(queries.departments, viewer)[["dept_id", "name"]].itertuples(index=False))
    alert_section(engine, viewer, own_alerts, own_names, "mine_alerts")
st.divider()
shown = period_picker(viewer, "mine")
if shown is None:
    st.stop()
period = shown.period
dept = read(queries.department, viewer, viewer.dept_id)
snapshot_id = shown.snapshot_id
scheme = scheme_for(period.year)
label = period.label
period_caption(viewer, shown)
if no_data(shown):
    st.stop()
own = read(queries.ranking, viewer, snapshot_id, dept_id=viewer.dept_id)
if own.empty:
    st.info(
        (founded_note(dept["name"], dept["active_from"], period) or f"本部门在{label}没有得分（可能尚未纳入考核）。")
        + "如有疑问请联系跑办管理员。"
    )
    st.stop()
row = own.iloc[0]
score_header(row, dept["name"], period)
totals = read(queries.total_distribution, viewer, snapshot_id, dept["category"])
if not missing(row["rank"]) and totals:
    st.caption(f"在{category_label(dept['category'])}共 {len(totals)} 个参评单位中排第 {int(row['rank'])} 名。")

indicators = read(queries.indicator_scores, viewer, snapshot_id, dept_id=viewer.dept_id)
gains = read(queries.gain_items, viewer, snapshot_id, dept_id=viewer.dept_id)
gain_rows = gain_table(gains, scheme)
file_stem = f"{dept['name']}_{period.key}"

st.subheader("提分清单")
st.caption("按可提分值从高到低排列；“临近期限”表示期限在两周内，请优先处理。")
table_with_csv(
    gain_rows,
    viewer,
    target=f"gains:{viewer.dept_id}",
    period=period.key,
    file_name=f"提分清单_{file_stem}.csv",
    key="gains_csv",
    empty="本期没有可提分的事项，继续保持。",
    wide=("怎么做",),
)

st.subheader("各项指标")
peers = read(queries.indicator_distribution, viewer, snapshot_id, dept["category"])
history = read(queries.indicator_history, viewer, viewer.dept_id, "month", period.year)
indicator_cards(indicators, peers, history, scheme)
st.subheader("每项指标是怎么算的")
explanations(indicators, scheme)

left, right = st.columns(2)
with left:
    st.subheader("历史得分")
    trend = read(queries.dept_history, viewer, viewer.dept_id, "month", period.year)
    if trend.empty:
        st.caption("本年度还没有月度得分。")
    else:
        st.plotly_chart(charts.trend(trend), width="stretch", key="mine_trend")
with right:
    st.subheader("得分分布（匿名）")
    st.caption(f"{category_label(dept['category'])}各单位总分的分布，不显示其他单位名称。")
    st.plotly_chart(
        charts.distribution(totals, scheme.tiers, you=None if missing(row["total"]) else float(row["total"])),
        width="stretch",
        key="mine_distribution",
    )

download(
    "下载本部门得分与提分清单（Excel）",
    viewer,
    target=f"my_scores:{viewer.dept_id}",
    period=period.key,
    kind="xlsx",
    file_name=f"我的得分_{file_stem}.xlsx",
    mime=XLSX_MIME,
    key="mine_xlsx",
    build=lambda: workbook({"指标得分": indicator_table(indicators, scheme), "提分清单": gain_rows}),
)
one_pager_download(
    viewer,
    summary_for(
        dept, shown, period_state(viewer, shown), row, len(totals), indicators, gains, trend, scheme, local_today()
    ),
    viewer.dept_id,
    period.key,
    key="mine_pdf",
)
