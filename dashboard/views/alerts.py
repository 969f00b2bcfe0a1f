"""预警: what the detectors found, for inspectors (who act on it) and leaders (who read it):
filters by kind, department and state, the trend of open alerts, one alert opened with its
evidence, 确认 / 解决, the department page at that day, and 转为督办事项."""

import streamlit as st

from dashboard import charts
from dashboard.alert_panels import alert_section
from dashboard.auth import current_viewer
from dashboard.reads import read, store_url
from data import alert_queries, queries
from data.db import get_engine
from data.vocabulary import ALERT_KINDS, ALERT_STATES

viewer = current_viewer()
engine = get_engine(store_url())
st.title("预警")
names = dict(read(queries.departments, viewer)[["dept_id", "name"]].itertuples(index=False))
with engine.connect() as conn:
    checked = alert_queries.last_checked_day(conn)
    trend = alert_queries.open_trend(conn, viewer, health=False)
if checked is None:
    st.info("还没有进行过预警检查。采集进程每次入库后会自动检查；也可运行 `python -m collectors alerts check`。")
    st.stop()
st.caption(f"数据已检查至 {checked:%Y-%m-%d}。采集运行类预警（数据源未按时送数等）在“数据源状态”页由管理员处理。")

left, middle, right = st.columns(3)
kinds = left.multiselect(
    "类型", list(ALERT_KINDS), format_func=ALERT_KINDS.get, placeholder="全部类型", key="alerts_kinds"
)
dept = middle.selectbox(
    "部门", [None, *names], format_func=lambda d: "全部部门" if d is None else names[d], key="alerts_dept"
)
states = right.multiselect(
    "状态",
    list(ALERT_STATES),
    default=["new", "acknowledged"],
    format_func=ALERT_STATES.get,
    placeholder="全部状态",
    key="alerts_states",
)
with engine.connect() as conn:
    shown = alert_queries.alerts(conn, viewer, kinds=kinds, states=states, dept_id=dept, health=False)

st.subheader("未解决预警走势")
st.plotly_chart(charts.open_alerts(trend), width="stretch", key="alerts_trend")
st.subheader("预警列表")
if shown.empty:
    st.info("没有符合条件的预警。")
    st.stop()
high = int((shown["severity"] == "high").sum())
st.caption(f"共 {len(shown)} 条，其中高级别 {high} 条；按最近出现日期排列。")
alert_section(engine, viewer, shown, names, "alerts")
