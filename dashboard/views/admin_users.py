"""用户管理: list, add, disable, unlock and reset accounts; every change is audit-logged."""

import pandas as pd
import streamlit as st

from dashboard.auth import current_viewer
from data.clock import utcnow
from data.db import get_engine
from data.departments import list_departments
from data.models import ROLES
from data.users import (
    UserError,
    create_user,
    generate_password,
    list_users,
    local_time,
    reset_password,
    set_disabled,
    unlock,
)

viewer = current_viewer()
engine = get_engine()
st.title("用户管理")


def shown_time(at) -> str:
    return local_time(at, "%Y-%m-%d %H:%M") if at is not None and not pd.isna(at) else ""


def locked(user: dict) -> bool:
    return user["locked_until"] is not None and user["locked_until"] > utcnow()


def status(user: dict) -> str:
    if user["disabled"]:
        return "已停用"
    return "已锁定" if locked(user) else "正常"


def show_new_password(username: str, password: str) -> None:
    st.success(f"已为 {username} 设置新密码。请当面或通过安全渠道转交本人，此密码只显示这一次：")
    st.code(password, language=None)


with engine.connect() as conn:
    dept_names = {d["id"]: d["name"] for d in list_departments(conn)}
# The table sits on top but is filled after the add form ran, so a new user shows at once.
table_area = st.container()
add_tab, change_tab = st.tabs(["新增用户", "停用 / 解锁 / 重置密码"])
with add_tab:
    role = st.selectbox("角色", list(ROLES), format_func=ROLES.get, key="new_role")
    dept_id = None
    if role == "department":
        if not dept_names:
            st.warning("还没有登记任何部门：请先用 python -m data dept add 登记部门。")
        dept_id = st.selectbox("所属部门", list(dept_names), format_func=dept_names.get, key="new_dept")
    with st.form("new_user", clear_on_submit=True):
        username = st.text_input("用户名（登录用，不含空格）")
        display_name = st.text_input("姓名")
        email = st.text_input("邮箱（统一身份认证登录时用，可不填）")
        password = st.text_input("初始密码（至少 8 位；留空则自动生成）", type="password")
        if st.form_submit_button("创建用户", type="primary"):
            initial = password or generate_password()
            try:
                with engine.begin() as conn:
                    create_user(
                        conn,
                        username,
                        role,
                        initial,
                        actor=viewer.username,
                        display_name=display_name,
                        dept_id=dept_id,
                        email=email,
                    )
            except UserError as exc:
                st.error(str(exc))
            else:
                if password:
                    st.success(f"已创建用户 {username.strip()}。")
                else:
                    show_new_password(username.strip(), initial)

with engine.connect() as conn:
    users = list_users(conn)
with table_area:
    st.dataframe(
        pd.DataFrame(
            {
                "用户名": [u["username"] for u in users],
                "姓名": [u["display_name"] for u in users],
                "角色": [ROLES[u["role"]] for u in users],
                "所属部门": [u["dept_name"] or "" for u in users],
                "邮箱": [u["email"] or "" for u in users],
                "状态": [status(u) for u in users],
                "锁定至": [shown_time(u["locked_until"]) if locked(u) else "" for u in users],
                "最近登录": [shown_time(u["last_login_at"]) for u in users],
            }
        ),
        hide_index=True,
        width="stretch",
    )

with change_tab:
    if not users:
        st.info("还没有用户。")
    else:
        labels = {u["username"]: f"{u['username']}（{u['display_name']}，{status(u)}）" for u in users}
        chosen = st.selectbox("选择用户", list(labels), format_func=labels.get, key="chosen_user")
        user = next(u for u in users if u["username"] == chosen)
        left, middle, right = st.columns(3)
        try:
            if user["disabled"]:
                if left.button("启用账号"):
                    with engine.begin() as conn:
                        set_disabled(conn, chosen, False, actor=viewer.username)
                    st.rerun()
            elif left.button("停用账号"):
                with engine.begin() as conn:
                    set_disabled(conn, chosen, True, actor=viewer.username)
                st.rerun()
            if middle.button("解除锁定", disabled=not locked(user)):
                with engine.begin() as conn:
                    unlock(conn, chosen, actor=viewer.username)
                st.rerun()
            if right.button("重置密码"):
                new_password = generate_password()
                with engine.begin() as conn:
                    reset_password(conn, chosen, new_password, actor=viewer.username)
                show_new_password(chosen, new_password)
        except UserError as exc:
            st.error(str(exc))
