"""申诉: a department appeals one indicator of a period (naming evidence rows, with reason and
files); the inspector reviews each: 驳回, or 采纳 as an exemption of those rows or as a score
adjustment. Leader and admin read. Window and caps are the data layer's to check."""

import pandas as pd
import streamlit as st

from dashboard.auth import current_viewer
from dashboard.format import indicator_label, scheme_for
from dashboard.reads import read, store_url
from dashboard.supervision_panels import act, attachment_button, clear_forms, evidence_uploader
from data import appeals, queries
from data.appeals import ADJUSTMENT_KINDS, DECISIONS
from data.clock import local_today, to_local
from data.db import get_engine
from data.models import APPEAL_STATES
from data.periods import Period

viewer = current_viewer()
engine = get_engine(store_url())
today = local_today()
clear_forms()
st.title("申诉")
names = dict(read(queries.departments, viewer)[["dept_id", "name"]].itertuples(index=False))


def evidence_label(key: str, label: str) -> str:
    """「编号 名称」, or the name alone when it already carries the number (接口 SVC-012-0001)."""
    return label if key in label else f"{key} {label}"


def label_of(period_key: str, key: str) -> str:
    return indicator_label(scheme_for(int(period_key[:4])), key)


with engine.connect() as conn:
    filed = appeals.list_appeals(conn, viewer)
table = pd.DataFrame(
    [
        {
            "编号": a["id"],
            "部门": names.get(a["dept_id"], ""),
            "周期": a["period_key"],
            "指标": label_of(a["period_key"], a["indicator"]),
            "状态": APPEAL_STATES[a["state"]],
            "复核结论": DECISIONS[a["effect"] or "reject"] if a["state"] != "pending" else "",
            "复核意见": a["review_reason"] or "",
            "提出时间": f"{to_local(a['filed_at']):%Y-%m-%d}",
        }
        for a in filed
    ]
)
if table.empty:
    st.info("还没有申诉。")
else:
    st.dataframe(table, hide_index=True, width="stretch", placeholder="—")

if filed:
    st.subheader("查看申诉")
    shown = {
        a["id"]: f"#{a['id']} {names.get(a['dept_id'], '')} {a['period_key']} "
        f"{label_of(a['period_key'], a['indicator'])}"
        for a in filed
    }
    pending = [a["id"] for a in filed if a["state"] == "pending"]
    chosen = st.selectbox(
        "申诉", list(shown), format_func=shown.get, key="ap_item", index=list(shown).index(pending[0]) if pending else 0
    )
    with engine.connect() as conn:
        appeal = appeals.get_appeal(conn, viewer, chosen)
    st.caption(f"状态：{APPEAL_STATES[appeal['state']]}")
    st.markdown(f"**申诉理由**：{appeal['reason']}")
    if appeal["state"] != "pending":
        st.markdown(f"**复核结论**：{DECISIONS[appeal['effect'] or 'reject']}；**复核意见**：{appeal['review_reason']}")
    if appeal["evidence"]:
        st.dataframe(
            pd.DataFrame(
                [{"类型": e["item_type"], "编号": e["item_key"], "名称": e["label"] or ""} for e in appeal["evidence"]]
            ),
            hide_index=True,
            width="stretch",
        )
    for att in appeal["attachments"]:
        attachment_button(engine, viewer, att["id"], "ap")
    if viewer.role == "inspector" and appeal["state"] == "pending":
        decision = st.radio("复核结论", list(DECISIONS), format_func=DECISIONS.get, horizontal=True, key="ap_decision")
        kind, points = None, None
        if decision == "adjustment":
            kind = st.selectbox("调整方式", list(ADJUSTMENT_KINDS), format_func=ADJUSTMENT_KINDS.get, key="ap_kind")
            points = st.number_input("分值", min_value=0.0, step=0.5, key="ap_points")
        reason = st.text_area("复核意见", key="ap_reason")
        if st.button("提交复核结论", type="primary", key="ap_review"):
            act(
                engine,
                "提交复核结论",
                lambda conn: appeals.review(conn, viewer, chosen, decision, reason, kind=kind, points=points),
            )

if viewer.role == "department" and viewer.dept_id is not None:
    st.subheader("提出申诉")
    st.caption("月度结果在月末后规定的工作日内可申诉，年度结果在公示期内可申诉。")
    periods = read(queries.periods, viewer)
    periods = periods[periods["period_kind"].isin(("month", "year"))]
    with engine.connect() as conn:
        periods = periods[[appeals.window_open(conn, k, today) for k in periods["period_key"]]]
    if periods.empty:
        st.info("目前没有处在申诉期内的考核结果，不能提出申诉。")
        st.stop()
    keys = list(periods["period_key"])
    period_key = st.selectbox("考核周期", keys, format_func=lambda k: Period.parse(k).label, key="ap_new_period")
    snapshot_id = int(periods.iloc[keys.index(period_key)]["snapshot_id"])
    scores = read(queries.indicator_scores, viewer, snapshot_id, dept_id=viewer.dept_id)
    indicator = st.selectbox(
        "申诉的指标", list(scores["key"]), format_func=lambda k: label_of(period_key, k), key="ap_new_indicator"
    )
    evidence = read(queries.evidence, viewer, snapshot_id, dept_id=viewer.dept_id)
    evidence = evidence[evidence["indicator"] == indicator]
    picked = []
    if evidence.empty:
        st.caption("本指标在该周期没有问题证据，可直接说明申诉理由。")
    else:
        picked = st.multiselect(
            "有异议的证据行（可不选）",
            list(evidence.index),
            key="ap_new_rows",
            placeholder="可选一条或多条证据，也可不选",
            format_func=lambda i: evidence_label(evidence.at[i, "item_key"], evidence.at[i, "label"]),
        )
    reason = st.text_area("申诉理由", key="ap_new_reason")
    # a file uploader cannot be emptied through session state: a new key after each appeal starts it empty
    upload_round = st.session_state.get("ap_upload_round", 0)
    files = evidence_uploader("佐证材料", key=f"ap_new_files_{upload_round}")
    if st.button("提交申诉", type="primary", key="ap_file"):
        rows = [evidence.loc[i, ["item_type", "item_key", "label"]].to_dict() for i in picked]
        uploads = [(f.name, f.getvalue()) for f in files or []]
        act(
            engine,
            "提交申诉",
            lambda conn: appeals.file_appeal(
                conn,
                viewer,
                period_key=period_key,
                indicator=indicator,
                reason=reason,
                today=today,
                evidence=rows,
                files=uploads,
            ),
            clear={"ap_new_rows": [], "ap_new_reason": "", "ap_upload_round": upload_round + 1},
        )
