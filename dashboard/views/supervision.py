"""督查督办: the inspector's list of 督办事项 (leader and admin read it), one item opened with its
frozen evidence, timeline and files, 退回 / 核验销号, a new 督办单 from a department's evidence rows,
and the 整改台账 download. The data layer decides who may do what; this page only asks it."""

import streamlit as st

from dashboard.auth import current_viewer
from dashboard.exports import XLSX_MIME, workbook
from dashboard.format import ITEM_STATUS
from dashboard.reads import read, store_url
from dashboard.supervision_panels import act, clear_forms, item_detail, item_list
from dashboard.supervision_tables import finding_kind, item_table
from dashboard.widgets import download
from data import queries, supervision
from data.clock import local_today
from data.db import get_engine
from data.models import SEVERITIES, SUPERVISION_STATES
from data.periods import Period
from data.supervision_settings import FINDING_KINDS, settings_for

viewer = current_viewer()
engine = get_engine(store_url())
today = local_today()
clear_forms()
st.title("督查督办")
names = dict(read(queries.departments, viewer)[["dept_id", "name"]].itertuples(index=False))

states = st.multiselect(
    "状态",
    list(SUPERVISION_STATES),
    default=["pending", "rectifying", "verifying"],
    format_func=SUPERVISION_STATES.get,
    placeholder="全部状态",
    key="sv_states",
)
with engine.connect() as conn:
    items = supervision.list_items(conn, viewer, states or None)
table = item_table(items, names, today)
if table.empty:
    st.info("没有符合条件的督办事项。")
else:
    late = int((table["逾期工作日"] > 0).sum())
    st.caption(f"共 {len(table)} 项，按整改期限排列；其中逾期 {late} 项（红色，逾期天数按工作日计）。")
    item_list(table)
with engine.connect() as conn:
    everything = item_table(supervision.list_items(conn, viewer), names, today)
download(
    "下载整改台账（Excel）",
    viewer,
    target="supervision_ledger",
    period=today.isoformat(),
    kind="xlsx",
    file_name=f"整改台账_{today:%Y%m%d}.xlsx",
    mime=XLSX_MIME,
    key="sv_ledger",
    build=lambda: workbook({"整改台账": everything}),
)


st.subheader("查看督办事项")
if not table.empty:
    # no state in the label: Streamlit keeps showing a chosen option's old label after a move
    labels = {int(r["编号"]): f"#{r['编号']} {r['部门']}：{r['标题']}" for _, r in table.iterrows()}
    chosen = st.selectbox("督办事项", list(labels), format_func=labels.get, key="sv_item")
    item = item_detail(engine, viewer, chosen, "sv")
    if viewer.role == "inspector" and item["state"] == "verifying":
        reason = st.text_area("退回理由（退回时必填）", key="sv_return_reason")
        left, right = st.columns(2)
        if left.button("退回", key="sv_return"):
            act(engine, "退回", lambda conn: supervision.return_item(conn, viewer, chosen, reason))
        if right.button("核验销号", type="primary", key="sv_close"):
            act(engine, "核验销号", lambda conn: supervision.close(conn, viewer, chosen))

    if viewer.role == "leader":
        with engine.connect() as conn:
            request = supervision.pending_extension(conn, viewer, chosen)
        if request is not None:
            st.warning(f"延期申请：申请将整改期限延至 {request['new_deadline']:%Y-%m-%d}，理由：{request['reason']}")
            why = st.text_area("审批意见（不同意时必填）", key="sv_ext_reason")
            left, right = st.columns(2)
            if left.button("同意延期", type="primary", key="sv_ext_yes"):
                act(engine, "同意延期", lambda conn: supervision.decide_extension(conn, viewer, chosen, True, why))
            if right.button("不同意延期", key="sv_ext_no"):
                act(engine, "不同意延期", lambda conn: supervision.decide_extension(conn, viewer, chosen, False, why))


def suggest_kind(evidence) -> None:
    """Picking evidence sets 督办类型 (and so the default 整改期限) to what the rows are about."""
    kind = finding_kind([evidence.loc[i].to_dict() for i in st.session_state["sv_new_rows"]])
    if kind is not None:
        st.session_state["sv_new_kind"] = kind


if viewer.role == "inspector":
    st.subheader("下发督办单")
    periods = read(queries.periods, viewer)
    dept_id = st.selectbox("责任部门", list(names), format_func=names.get, key="sv_new_dept")
    rows = []
    if not periods.empty:
        keys = list(periods["period_key"])
        key = st.selectbox(
            "证据所属考核周期（默认最新一期）", keys, format_func=lambda k: Period.parse(k).label, key="sv_new_period"
        )
        latest = periods.iloc[keys.index(key)]
        evidence = read(queries.evidence, viewer, int(latest["snapshot_id"]), dept_id=dept_id)
        picked = []
        if evidence.empty:
            st.caption(f"{names[dept_id]}在 {key} 没有问题证据，可另选周期或不附证据下发。")
        else:
            picked = st.multiselect(
                "选取证据",
                list(evidence.index),
                key="sv_new_rows",
                placeholder="可选一条或多条证据，也可不选",
                on_change=suggest_kind,
                args=(evidence,),
                format_func=lambda i: (
                    f"{evidence.at[i, 'item_key']} {evidence.at[i, 'label']}"
                    f"（{ITEM_STATUS.get(evidence.at[i, 'status'], evidence.at[i, 'status'])}）"
                ),
            )
        rows = [
            {k: v for k, v in evidence.loc[i].to_dict().items()} | {"snapshot_id": int(latest["snapshot_id"])}
            for i in picked
        ]
    kind = st.selectbox("督办类型", list(FINDING_KINDS), format_func=FINDING_KINDS.get, key="sv_new_kind")
    title = st.text_input("督办事项标题", key="sv_new_title")
    problem = st.text_area("存在的问题", key="sv_new_problem")
    requirement = st.text_area("整改要求", key="sv_new_requirement")
    severity = st.selectbox("严重程度", list(SEVERITIES), format_func=SEVERITIES.get, key="sv_new_severity")
    workdays = st.number_input(
        "整改期限（工作日）",
        min_value=1,
        value=settings_for(today.year).deadline_for(kind),
        key=f"sv_new_workdays_{kind}",
    )
    if st.button("下发督办单", type="primary", key="sv_create"):
        act(
            engine,
            "下发督办单",
            lambda conn: supervision.create_item(
                conn,
                viewer,
                dept_id=dept_id,
                kind=kind,
                title=title,
                problem=problem,
                requirement=requirement,
                issued_on=today,
                workdays=int(workdays),
                severity=severity,
                evidence_rows=rows,
            ),
            clear={"sv_new_rows": [], "sv_new_title": "", "sv_new_problem": "", "sv_new_requirement": ""},
        )
