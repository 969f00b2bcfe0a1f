"""Blocks every page with alerts shows: the alert table, one alert opened with its evidence and
log, 确认 / 解决 with a note, the way to the department page at that day, and 转为督办事项.
The data layer decides who may do what; these blocks only ask it."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from dashboard.supervision_panels import act
from dashboard.widgets import readable_table
from data import alert_queries, alerts
from data.clock import to_local_series
from data.supervision_settings import settings_for
from data.viewer import Viewer
from data.vocabulary import ALERT_KINDS, ALERT_SEVERITIES, ALERT_STATES

DEPARTMENT_PAGE = "views/department.py"
ACTIONS = {
    "open": "发现",
    "escalate": "升级",
    "acknowledge": "确认",
    "resolve": "解决",
    "auto_resolve": "自动解决",
    "supervise": "转为督办事项",
}


def about(row: dict, names: dict[int, str]) -> str:
    """The department, or the collector source, an alert is about."""
    if pd.isna(row["dept_id"]):
        return f"数据源 {row['subject'].removeprefix(alert_queries.HEALTH_PREFIX)}"
    return names.get(int(row["dept_id"]), str(row["subject"]))


def alert_table(frame: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    rows = frame.to_dict("records")
    return pd.DataFrame(
        {
            "编号": [r["id"] for r in rows],
            "级别": [ALERT_SEVERITIES.get(r["severity"], r["severity"]) for r in rows],
            "类型": [ALERT_KINDS.get(r["kind"], r["kind"]) for r in rows],
            "对象": [about(r, names) for r in rows],
            "状态": [ALERT_STATES.get(r["state"], r["state"]) for r in rows],
            "首次出现": [f"{r['first_seen']:%Y-%m-%d}" for r in rows],
            "最近出现": [f"{r['last_seen']:%Y-%m-%d}" for r in rows],
            "说明": [r["message"] for r in rows],
        },
        columns=["编号", "级别", "类型", "对象", "状态", "首次出现", "最近出现", "说明"],
    )


def alert_section(engine: Engine, viewer: Viewer, frame: pd.DataFrame, names: dict[int, str], key: str) -> None:
    """The table, a picker, and the picked alert with what the viewer may do with it."""
    readable_table(alert_table(frame, names), wide=("说明",), list_long=False)  # the picked one is shown in full
    labels = {
        int(
            r["id"]
        ): f"#{r['id']} {ALERT_KINDS.get(r['kind'], r['kind'])}：{about(r, names)}（{r['first_seen']:%m-%d} 起）"
        for r in frame.to_dict("records")
    }
    chosen = st.selectbox("查看预警", list(labels), format_func=labels.get, key=f"{key}_pick")
    if chosen is not None:
        alert_detail(engine, viewer, chosen, names, key)


def alert_detail(engine: Engine, viewer: Viewer, alert_id: int, names: dict[int, str], key: str) -> None:
    with engine.connect() as conn:
        alert = alerts.get_alert(conn, viewer, alert_id)
        log = alert_queries.alert_events(conn, viewer, alert_id)
    st.markdown(f"**{ALERT_KINDS.get(alert['kind'], alert['kind'])}**：{alert['message']}")
    st.caption(
        f"级别：{ALERT_SEVERITIES.get(alert['severity'], alert['severity'])}；状态：{ALERT_STATES[alert['state']]}；"
        f"首次出现 {alert['first_seen']:%Y-%m-%d}，最近出现 {alert['last_seen']:%Y-%m-%d}"
        + (f"；已转为督办事项 #{alert['supervision_item_id']}" if alert["supervision_item_id"] else "")
    )
    if alert["evidence"]:
        st.markdown("**证据**")
        st.dataframe(pd.DataFrame(alert["evidence"]), hide_index=True, width="stretch")
    st.markdown("**处理记录**")
    st.dataframe(
        pd.DataFrame(
            {
                "时间": to_local_series(pd.Series([e["at"] for e in log])).dt.strftime("%Y-%m-%d %H:%M"),
                "操作人": ["系统" if e["actor"] == alerts.SYSTEM else e["actor"] for e in log],
                "操作": [ACTIONS.get(e["action"], e["action"]) for e in log],
                "状态": [ALERT_STATES.get(e["to_state"], e["to_state"]) for e in log],
                "说明": [e["note"] or "" for e in log],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    office = alert["dept_id"] is not None and viewer.role != "department"
    if office and st.button("查看该部门当月详情", key=f"{key}_dept_{alert_id}"):
        st.session_state["selected_dept_id"] = int(alert["dept_id"])
        st.session_state["period_key"] = f"{alert['last_seen']:%Y-%m}"
        st.switch_page(DEPARTMENT_PAGE, query_params={"dept": str(alert["dept_id"])})
    if alerts.can_act(viewer, alert) and alert["state"] in alerts.OPEN_STATES:
        _moves(engine, viewer, alert, key)
    if viewer.role == "inspector" and alert["dept_id"] is not None and alert["supervision_item_id"] is None:
        _supervise(engine, viewer, alert, key)


def _moves(engine: Engine, viewer: Viewer, alert: dict, key: str) -> None:
    """确认 / 解决 in one form, so the note typed is the note sent with the button pressed."""
    with st.form(f"{key}_moves_{alert['id']}", clear_on_submit=False, border=False):
        note = st.text_area("处理说明（解决时必填）", key=f"{key}_note_{alert['id']}")
        left, right = st.columns(2)
        acked = alert["state"] == "new" and left.form_submit_button("确认", key=f"{key}_ack_{alert['id']}")
        resolved = right.form_submit_button("解决", type="primary", key=f"{key}_resolve_{alert['id']}")
    if acked:
        act(engine, "确认预警", lambda conn: alerts.acknowledge(conn, viewer, alert["id"], note))
    if resolved:
        act(engine, "解决预警", lambda conn: alerts.resolve(conn, viewer, alert["id"], note))


def _supervise(engine: Engine, viewer: Viewer, alert: dict, key: str) -> None:
    finding = alerts.FINDING_OF_KIND[alert["kind"]]
    with st.expander("转为督办事项"), st.form(f"{key}_supervise_form_{alert['id']}", border=False):
        requirement = st.text_area("整改要求", key=f"{key}_req_{alert['id']}")
        workdays = st.number_input(
            "整改期限（工作日）",
            min_value=1,
            value=settings_for(alert["last_seen"].year).deadline_for(finding),
            key=f"{key}_days_{alert['id']}",
        )
        supervise = st.form_submit_button("下发督办单", key=f"{key}_supervise_{alert['id']}")
    if supervise:
        act(
            engine,
            "转为督办事项",
            lambda conn: alerts.to_supervision(
                conn, viewer, alert["id"], requirement=requirement, workdays=int(workdays)
            ),
        )
