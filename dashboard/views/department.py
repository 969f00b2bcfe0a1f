"""部门详情: one department's indicators, explanations, evidence and call partners."""

import streamlit as st

from dashboard import charts
from dashboard.auth import current_viewer
from dashboard.complaint_panels import COMPLAINTS_ANCHOR, complaints_section
from dashboard.exports import XLSX_MIME, workbook
from dashboard.format import category_label, fault_labels, founded_note, scheme_for
from dashboard.layout import anchor_list, compact_page
from dashboard.one_pager import summary_for
from dashboard.panels import explanations, indicator_cards, one_pager_download, score_header
from dashboard.reads import read
from dashboard.table_layout import LAPTOP_TABLE_PX
from dashboard.tables import evidence_groups, evidence_table, indicator_table
from dashboard.widgets import download, no_data, period_caption, period_picker, period_state, table_with_csv
from data import queries
from data.clock import local_today, to_local_series
from data.viewer import AccessDenied
from data.vocabulary import fault_label

SECTIONS = {
    "指标": "indicators",
    "计算说明": "explanations",
    "问题清单": "evidence",
    "接口调用": "calls",
    "投诉工单": COMPLAINTS_ANCHOR,
    "月度总分走势": "trend",
}

viewer = current_viewer()
compact_page()
st.title("部门详情")
shown = period_picker(viewer, "department")
if shown is None:
    st.stop()
period = shown.period
visible = read(queries.departments, viewer)
if visible.empty:
    st.info("还没有登记任何部门。请管理员运行 `python -m data dept add` 或导入部门清单。")
    st.stop()

SELECTED_DEPT = "selected_dept_id"
requested = st.session_state.get(SELECTED_DEPT) or st.query_params.get("dept")
try:
    requested = int(requested) if requested is not None else None
except ValueError:
    requested = None
if requested is not None and not viewer.can_see_dept(requested):
    st.error("您无权查看该部门的数据。")
    st.stop()
ids = list(visible["dept_id"])
names = dict(zip(visible["dept_id"], visible["name"]))
categories = dict(zip(visible["dept_id"], visible["category"]))
# One widget key for the page's life: the choice lives in SELECTED_DEPT (set by this picker
# or by the ranking's drill-down) and seeds the widget before it is drawn, so no pick is lost.
st.session_state["department_pick"] = requested if requested in ids else ids[0]
dept_id = st.selectbox(
    "部门",
    ids,
    format_func=lambda i: f"{names[i]}（{category_label(categories[i])}）",
    key="department_pick",
    on_change=lambda: st.session_state.update({SELECTED_DEPT: int(st.session_state["department_pick"])}),
)
st.session_state[SELECTED_DEPT] = int(dept_id)
st.query_params["dept"] = str(dept_id)
try:
    dept = read(queries.department, viewer, int(dept_id))
except AccessDenied:
    st.error("您无权查看该部门的数据。")
    st.stop()

snapshot_id = shown.snapshot_id
label = period.label
scheme = scheme_for(period.year)
period_caption(viewer, shown)
if no_data(shown):
    st.stop()
own = read(queries.ranking, viewer, snapshot_id, dept_id=dept["dept_id"])
if own.empty:
    st.info(
        founded_note(dept["name"], dept["active_from"], period)
        or f"{dept['name']}在{label}没有得分（可能尚未纳入考核）。"
    )
    st.stop()
score_header(own.iloc[0], dept["name"], period)
anchor_list(SECTIONS)

indicators = read(queries.indicator_scores, viewer, snapshot_id, dept_id=dept["dept_id"])
peers = read(queries.indicator_distribution, viewer, snapshot_id, dept["category"])
history = read(queries.indicator_history, viewer, dept["dept_id"], "month", period.year)
st.subheader("指标", anchor="indicators")
indicator_cards(indicators, peers, history, scheme)

st.subheader("计算说明", anchor="explanations")
explanations(indicators, scheme)

evidence = read(queries.evidence, viewer, snapshot_id, dept_id=dept["dept_id"])
evidence_rows = evidence_table(evidence, scheme, {dept["dept_id"]: dept["name"]})
faults = read(queries.top_fault_codes, viewer, dept["dept_id"], period)
failed = read(queries.failed_calls, viewer, dept["dept_id"], period)
file_stem = f"{dept['name']}_{period.key}"
st.subheader("问题清单（证据）", anchor="evidence")
st.caption("以下条目是得分扣减的依据，来自本期评分快照。")
groups = evidence_groups(evidence)
for n, (title, rows) in enumerate(groups.items()):
    rows = evidence_rows.loc[rows.index]
    with st.expander(f"{title}（{len(rows)}）", expanded=bool(len(rows)) and n == 0):
        table_with_csv(
            rows.drop(columns=["部门", "类型"]),
            viewer,
            target=f"evidence:{dept['dept_id']}",
            period=period.key,
            file_name=f"{title}_{file_stem}.csv",
            key=f"evidence_csv_{n}",
            empty="本期没有此类问题。",
            wide=("详情",),
        )

st.subheader("接口调用", anchor="calls")
days = read(queries.failures_by_day, viewer, dept["dept_id"], period)
labels = fault_labels()
fault_rows = faults.assign(
    first_at=to_local_series(faults["first_at"]),
    last_at=to_local_series(faults["last_at"]),
    fault_code=faults["fault_code"].map(lambda c: fault_label(c, labels)),
)
fault_rows = fault_rows.rename(
    columns={
        "service_code": "服务编码",
        "fault_code": "错误码",
        "failures": "失败次数",
        "first_at": "首次失败",
        "last_at": "最近失败",
    }
)
failed_rows = failed.assign(
    requested_at=to_local_series(failed["requested_at"]),
    fault_code=failed["fault_code"].map(lambda c: fault_label(c, labels)),
).rename(
    columns={
        "requested_at": "调用时间",
        "service_code": "服务编码",
        "consumer": "调用方",
        "fault_code": "错误码",
        "status_code": "状态码",
        "duration_ms": "耗时（毫秒）",
    }
)
if days.empty:
    st.caption("本期没有调用本部门接口的记录。")
else:
    st.plotly_chart(charts.failures_per_day(days), width="stretch", key="department_failures")
left, right = st.columns(2)
with left:
    st.markdown("**主要错误码**")
    table_with_csv(
        fault_rows,
        viewer,
        target=f"faults:{dept['dept_id']}",
        period=period.key,
        file_name=f"错误码_{file_stem}.csv",
        key="faults_csv",
        empty="本期没有失败的调用。",
        table_px=LAPTOP_TABLE_PX // 2,
    )
with right:
    st.markdown("**最近失败的调用（北京时间，最多 200 条）**")
    table_with_csv(
        failed_rows,
        viewer,
        target=f"failed_calls:{dept['dept_id']}",
        period=period.key,
        file_name=f"失败调用_{file_stem}.csv",
        key="failed_csv",
        empty="本期没有失败的调用。",
        table_px=LAPTOP_TABLE_PX // 2,
    )
partners = read(queries.call_partners, viewer, dept["dept_id"], period)
st.markdown("**谁调用谁**（左：调用本部门接口的部门；右：本部门调用的部门）")
if partners.empty:
    st.caption("本期没有部门间调用记录。")
else:
    st.plotly_chart(charts.call_sankey(partners, dept["name"]), width="stretch", key="department_sankey")

complaints_section(viewer, dept["dept_id"], period, history, file_stem)

st.subheader("月度总分走势", anchor="trend")
trend = read(queries.dept_history, viewer, dept["dept_id"], "month", period.year)
if trend.empty:
    st.caption("本年度还没有月度得分。")
else:
    st.plotly_chart(charts.trend(trend), width="stretch", key="department_trend")

st.subheader("导出")
download(
    "下载证据 Excel 工作簿",
    viewer,
    target=f"evidence:{dept['dept_id']}",
    period=period.key,
    kind="xlsx",
    file_name=f"证据_{file_stem}.xlsx",
    mime=XLSX_MIME,
    key="department_xlsx",
    build=lambda: workbook(
        {
            "指标得分": indicator_table(indicators, scheme),
            "问题清单": evidence_rows,
            "主要错误码": fault_rows,
            "失败调用": failed_rows,
        }
    ),
)
one_pager_download(
    viewer,
    summary_for(
        dept,
        shown,
        period_state(viewer, shown),
        own.iloc[0],
        len(read(queries.total_distribution, viewer, snapshot_id, dept["category"])),
        indicators,
        read(queries.gain_items, viewer, snapshot_id, dept_id=dept["dept_id"]),
        trend,
        scheme,
        local_today(),
    ),
    dept["dept_id"],
    period.key,
    key="department_pdf",
)
