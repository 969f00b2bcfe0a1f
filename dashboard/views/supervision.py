"""督查督办: the inspector's list of 督办事项 (leader and admin read it), one item opened with its
frozen evidence, timeline and files, 退回 / 核验销号, a new 督办单 from a department's evidence rows,
and the 整改台账 download. The data layer decides who may do what; this page only asks it."""
import streamlit as st

from dashboard.auth import current_viewer
from dashboard.exports import XLSX_MIME, workbook
from dashboard.reads import read, store_url
from dashboard.supervision_tables import event_table, evidence_rows_table, item_table, overdue_red
from dashboard.widgets import download
from data import attachments, queries, supervision
from data.attachments import AttachmentError
from data.clock import local_today
from data.db import get_engine
from data.models import SEVERITIES, SUPERVISION_STATES
from data.supervision import TransitionError
from data.supervision_settings import FINDING_KINDS, settings_for
from data.viewer import AccessDenied

REFUSALS = (TransitionError, AccessDenied, AttachmentError)
viewer = current_viewer()
engine = get_engine(store_url())
today = local_today()
st.title("督查督办")
names = dict(read(queries.departments, viewer)[["dept_id", "name"]].itertuples(index=False))

states = st.multiselect("状态", list(SUPERVISION_STATES), default=["pending", "rectifying", "verifying"],
                        format_func=SUPERVISION_STATES.get, key="sv_states")
with engine.connect() as conn:
    items = supervision.list_items(conn, viewer, states or None)
table = item_table(items, names, today)
if table.empty:
    st.info("没有符合条件的督办事项。")
else:
    late = int((table["逾期工作日"] > 0).sum())
    st.caption(f"共 {len(table)} 项，按整改期限排列；其中逾期 {late} 项（红色，逾期天数按工作日计）。")
    st.dataframe(overdue_red(table), hide_index=True, width="stretch", placeholder="—")
with engine.connect() as conn:
    everything = item_table(supervision.list_items(conn, viewer), names, today)
download("下载整改台账（Excel）", viewer, target="supervision_ledger", period=today.isoformat(), kind="xlsx",
         file_name=f"整改台账_{today:%Y%m%d}.xlsx", mime=XLSX_MIME, key="sv_ledger",
         build=lambda: workbook({"整改台账": everything}))


def act(label: str, fn) -> None:
    """Run one write in its own transaction; a refusal is shown in the data layer's words."""
    try:
        with engine.begin() as conn:
            fn(conn)
    except REFUSALS as exc:
        st.error(str(exc))
        return
    st.success(f"已{label}")
    st.rerun()


st.subheader("查看督办事项")
if not table.empty:
    labels = {int(r["编号"]): f"#{r['编号']} {r['部门']}：{r['标题']}（{r['状态']}）" for _, r in table.iterrows()}
    chosen = st.selectbox("督办事项", list(labels), format_func=labels.get, key="sv_item")
    with engine.connect() as conn:
        item = supervision.get_item(conn, viewer, chosen)
        frozen = supervision.evidence_now(conn, viewer, chosen)
        timeline = supervision.events(conn, viewer, chosen)
        feedback = supervision.rectifications(conn, viewer, chosen)
    st.markdown(f"**存在的问题**：{item['problem']}\n\n**整改要求**：{item['requirement']}")
    st.caption(f"严重程度：{SEVERITIES[item['severity']]}；整改期限 {item['deadline']:%Y-%m-%d}；"
               f"已退回 {item['returns']} 次")
    if frozen:
        st.markdown("**下发时的证据**（与最新计算结果对照）")
        st.dataframe(evidence_rows_table(frozen), hide_index=True, width="stretch")
    for n, rect in enumerate(feedback, start=1):
        with st.expander(f"第 {n} 次整改反馈（{rect['author']}）", expanded=n == len(feedback)):
            st.write(rect["text"])
            for att in rect["attachments"]:
                with engine.connect() as conn:
                    filename, media_type, content = attachments.download(conn, viewer, att["id"])
                st.download_button(f"下载附件：{filename}", content, file_name=filename, mime=media_type,
                                   key=f"sv_att_{att['id']}", on_click="ignore")
    st.markdown("**办理过程**")
    st.dataframe(event_table(timeline), hide_index=True, width="stretch")
    if viewer.role == "inspector" and item["state"] == "verifying":
        reason = st.text_area("退回理由（退回时必填）", key="sv_return_reason")
        left, right = st.columns(2)
        if left.button("退回", key="sv_return"):
            act("退回", lambda conn: supervision.return_item(conn, viewer, chosen, reason))
        if right.button("核验销号", type="primary", key="sv_close"):
            act("核验销号", lambda conn: supervision.close(conn, viewer, chosen))

if viewer.role == "inspector":
    st.subheader("下发督办单")
    periods = read(queries.periods, viewer)
    dept_id = st.selectbox("责任部门", list(names), format_func=names.get, key="sv_new_dept")
    rows = []
    if not periods.empty:
        keys = list(periods["period_key"])
        key = st.selectbox("证据所属考核周期（默认最新一期）", keys, key="sv_new_period")
        latest = periods.iloc[keys.index(key)]
        evidence = read(queries.evidence, viewer, int(latest["snapshot_id"]), dept_id=dept_id)
        if evidence.empty:
            st.caption(f"{names[dept_id]}在 {key} 没有问题证据，可另选周期或不附证据下发。")
        options = list(evidence.index)
        picked = st.multiselect("选取证据", options, key="sv_new_rows", format_func=lambda i: (
            f"{evidence.at[i, 'item_key']} {evidence.at[i, 'label']}（{evidence.at[i, 'status']}）"))
        rows = [{k: v for k, v in evidence.loc[i].to_dict().items()} | {"snapshot_id": int(latest["snapshot_id"])}
                for i in picked]
    kind = st.selectbox("督办类型", list(FINDING_KINDS), format_func=FINDING_KINDS.get, key="sv_new_kind")
    title = st.text_input("督办事项标题", key="sv_new_title")
    problem = st.text_area("存在的问题", key="sv_new_problem")
    requirement = st.text_area("整改要求", key="sv_new_requirement")
    severity = st.selectbox("严重程度", list(SEVERITIES), format_func=SEVERITIES.get, key="sv_new_severity")
    workdays = st.number_input("整改期限（工作日）", min_value=1, value=settings_for(today.year).deadline_for(kind),
                               key=f"sv_new_workdays_{kind}")
    if st.button("下发督办单", type="primary", key="sv_create"):
        act("下发督办单", lambda conn: supervision.create_item(
            conn, viewer, dept_id=dept_id, kind=kind, title=title, problem=problem, requirement=requirement,
            issued_on=today, workdays=int(workdays), severity=severity, evidence_rows=rows))
