"""我的整改: a department's own 督办事项 (those it leads or assists); 签收, 整改反馈 with files,
and 申请延期. The data layer refuses anything the department may not do."""

from datetime import timedelta

import streamlit as st

from dashboard.auth import current_viewer
from dashboard.reads import read, store_url
from dashboard.supervision_panels import act, evidence_uploader, item_detail, item_list
from dashboard.supervision_tables import item_table
from data import queries, supervision
from data.clock import local_today
from data.db import get_engine

viewer = current_viewer()
st.title("我的整改")
if viewer.role != "department" or viewer.dept_id is None:
    st.warning("本页供部门联络员办理本部门的督办事项；您的账号未绑定部门。")
    st.stop()
engine = get_engine(store_url())
today = local_today()
names = dict(read(queries.departments, viewer)[["dept_id", "name"]].itertuples(index=False))
with engine.connect() as conn:
    items = supervision.list_items(conn, viewer)
table = item_table(items, names, today)
if table.empty:
    st.info("本部门目前没有督办事项。")
    st.stop()
todo = int(table["状态"].isin(["待签收", "整改中"]).sum())
st.caption(f"共 {len(table)} 项，其中待本部门办理 {todo} 项；红色为已逾期（按工作日计）。")
item_list(table)

# no state in the label: Streamlit keeps showing a chosen option's old label after a move
labels = {int(r["编号"]): f"#{r['编号']} {r['标题']}" for _, r in table.iterrows()}
chosen = st.selectbox("办理督办事项", list(labels), format_func=labels.get, key="rc_item")
item = item_detail(engine, viewer, chosen, "rc")
lead = item["dept_id"] == viewer.dept_id
if not lead:
    st.info(f"本部门为协办单位，由{names.get(item['dept_id'], '牵头部门')}签收并提交整改反馈。")
elif item["state"] == "pending":
    if st.button("签收", type="primary", key="rc_ack"):
        act(engine, "签收", lambda conn: supervision.acknowledge(conn, viewer, chosen))
elif item["state"] == "rectifying":
    st.subheader("提交整改反馈")
    text = st.text_area("整改情况（做了什么、何时完成、如何防止再次发生）", key="rc_text")
    files = evidence_uploader("佐证材料", key="rc_files")
    if st.button("提交整改反馈", type="primary", key="rc_submit"):
        uploads = [(f.name, f.getvalue()) for f in files or []]
        act(engine, "提交整改反馈", lambda conn: supervision.submit(conn, viewer, chosen, text, uploads))
elif item["state"] == "verifying":
    st.info("整改反馈已提交，等待督察组核验。")
if lead and item["state"] in ("pending", "rectifying"):
    with engine.connect() as conn:
        request = supervision.pending_extension(conn, viewer, chosen)
    with st.expander("申请延期"):
        if request is not None:
            st.caption(f"已申请延期至 {request['new_deadline']:%Y-%m-%d}，等待领导审批。")
        else:
            new_deadline = st.date_input("申请延至", value=item["deadline"] + timedelta(days=7), key="rc_ext_date")
            reason = st.text_area("延期理由", key="rc_ext_reason")
            if st.button("提交延期申请", key="rc_ext"):
                act(
                    engine,
                    "提交延期申请",
                    lambda conn: supervision.request_extension(conn, viewer, chosen, new_deadline, reason),
                )
