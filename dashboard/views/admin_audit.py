"""审计日志: who did what and when, filterable; administrators only, read-only."""

import json
from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard.auth import current_viewer
from dashboard.reads import read
from data import queries
from data.audit import distinct_values, list_events
from data.clock import local_today, utc_bounds
from data.db import get_engine
from data.users import local_time
from data.vocabulary import LOGIN_METHODS, audit_target_label

LIMIT = 1000
ACTION_LABELS = {
    "login.success": "登录成功",
    "login.failure": "登录失败",
    "logout": "退出登录",
    "user.locked": "账号锁定",
    "user.add": "新增用户",
    "user.disable": "停用用户",
    "user.enable": "启用用户",
    "user.unlock": "解除锁定",
    "user.reset_password": "重置密码",
    "export": "导出",
}
DETAIL_LABELS = {
    "reason": "原因",
    "method": "方式",
    "failures": "连续失败次数",
    "until": "锁定至",
    "role": "角色",
    "dept_id": "部门编号",
    "email": "邮箱",
    "period": "考核周期",
    "kind": "格式",
}
EXPORT_KINDS = {"csv": "CSV", "xlsx": "Excel 工作簿", "docx": "Word 文档"}
REASON_LABELS = {
    "unknown_user": "用户名不存在",
    "bad_password": "密码错误",
    "locked": "账号已锁定",
    "disabled": "账号已停用",
    "unknown_email": "邮箱未绑定用户",
    "user": "主动退出",
    "idle": "超时自动退出",
}

viewer = current_viewer()
engine = get_engine()
dept_names = dict(zip(*[read(queries.departments, viewer)[c] for c in ("dept_id", "name")]))
st.title("审计日志")


def detail_value(key: str, value) -> str:
    if key == "reason":
        return REASON_LABELS.get(value, value)
    if key == "method":
        return LOGIN_METHODS.get(value, value)
    if key == "kind":
        return EXPORT_KINDS.get(value, value)
    if key == "until":
        return local_time(datetime.fromisoformat(value), "%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def describe(detail: str | None) -> str:
    if not detail:
        return ""
    return "；".join(f"{DETAIL_LABELS.get(k, k)}：{detail_value(k, v)}" for k, v in json.loads(detail).items())


with engine.connect() as conn:
    actors, actions = distinct_values(conn, viewer)
today = local_today()
left, middle, right = st.columns([2, 1, 2])
days = left.date_input("日期范围", (today - timedelta(days=6), today), max_value=today, key="audit_days")
actor = middle.selectbox("操作人", ["全部", *actors], key="audit_actor")
chosen = right.multiselect(
    "操作类型", actions, format_func=lambda a: ACTION_LABELS.get(a, a), placeholder="全部", key="audit_actions"
)
text = st.text_input("对象或详情包含", key="audit_text")
start, end = (days[0], days[-1]) if days else (today, today)

with engine.connect() as conn:
    since, until = utc_bounds(start, end)
    events = list_events(
        conn,
        viewer,
        since=since,
        until=until,
        actor=None if actor == "全部" else actor,
        actions=chosen or None,
        text=text.strip() or None,
        limit=LIMIT,
    )
if not events:
    st.info("所选范围内没有审计记录。可放宽日期范围或筛选条件。")
    st.stop()
st.caption(
    f"共 {len(events)} 条（时间为北京时间，最新在前"
    + (f"；最多显示 {LIMIT} 条，请缩小范围" if len(events) == LIMIT else "")
    + "）"
)
st.dataframe(
    pd.DataFrame(
        {
            "时间": [local_time(e["at"], "%Y-%m-%d %H:%M:%S") for e in events],
            "操作人": [e["actor"] for e in events],
            "操作": [ACTION_LABELS.get(e["action"], e["action"]) for e in events],
            "对象": [audit_target_label(e["target"], dept_names) for e in events],
            "详情": [describe(e["detail"]) for e in events],
        }
    ),
    hide_index=True,
    width="stretch",
)
