"""对比: two departments side by side in one period, or one department in two periods.

A department account compares only its own department, across periods: it gets no
department picker, and every read names its own department (data.queries refuse others).
"""

import streamlit as st

from dashboard.auth import current_viewer
from dashboard.comparison import bridge_section, difference_table, headline, load_side, show_difference_table
from dashboard.format import category_label, scheme_for
from dashboard.layout import compact_page
from dashboard.reads import read
from dashboard.widgets import period_picker, period_state
from data import queries
from data.queries import ShownSnapshot

TWO_DEPARTMENTS = "两个部门（同一周期）"
TWO_PERIODS = "同一部门（两个周期）"

viewer = current_viewer()
compact_page()
st.title("对比")
if viewer.sees_all_departments:
    mode = st.radio("对比方式", [TWO_DEPARTMENTS, TWO_PERIODS], horizontal=True, key="compare_mode")
else:
    mode = TWO_PERIODS
    st.caption("部门账号可对比本部门不同周期的得分。")
if viewer.role == "department" and viewer.dept_id is None:
    st.warning("您的账号未绑定部门，无法对比。请联系管理员绑定部门。")
    st.stop()

shown = period_picker(viewer, "compare")
if shown is None:
    st.stop()
visible = read(queries.departments, viewer)
if visible.empty:
    st.info("还没有登记任何部门。请管理员运行 `python -m data dept add` 或导入部门清单。")
    st.stop()
ids = list(visible["dept_id"])
names = dict(zip(visible["dept_id"], visible["name"]))
categories = dict(zip(visible["dept_id"], visible["category"]))


def dept_label(dept_id: int) -> str:
    return f"{names[dept_id]}（{category_label(categories[dept_id])}）"


if mode == TWO_DEPARTMENTS:
    if len(ids) < 2:
        st.info("只有一个部门，无法对比两个部门。")
        st.stop()
    left, right = st.columns(2)
    first = left.selectbox("部门一", ids, index=0, format_func=dept_label, key="compare_dept_a")
    second = right.selectbox("部门二", ids, index=1, format_func=dept_label, key="compare_dept_b")
    if first == second:
        st.warning("请选择两个不同的部门。")
        st.stop()
    depts = [read(queries.department, viewer, int(d)) for d in (first, second)]
    snapshots = [shown, shown]
    titles = [d["name"] for d in depts]
    shorts = ["部门一", "部门二"]
else:
    own = viewer.dept_id if viewer.role == "department" else None
    chosen = own or st.selectbox("部门", ids, format_func=dept_label, key="compare_dept")
    dept = read(queries.department, viewer, int(chosen))
    options = read(queries.periods, viewer)
    options = options[options["period_kind"] == shown.period.kind]
    others = {
        r["period_key"]: ShownSnapshot.from_row(r)
        for r in options.to_dict("records")
        if r["period_key"] != shown.period.key
    }
    if not others:
        st.info("没有同类型的其他周期可供对比。")
        st.stop()
    keys = list(others)
    earlier = [k for k in keys if others[k].period.start < shown.period.start and others[k].has_data]
    other = st.selectbox(
        "对比周期",
        keys,
        index=keys.index(earlier[0]) if earlier else 0,
        format_func=lambda k: others[k].period.label + period_state(viewer, others[k]),
        key=f"compare_other_{shown.period.kind}",
    )
    depts = [dept, dept]
    snapshots = [shown, others[other]]
    titles = shorts = [s.period.label for s in snapshots]

a, b = (
    load_side(viewer, title, short, dept, snap, scheme_for(snap.period.year))
    for title, short, dept, snap in zip(titles, shorts, depts, snapshots)
)
headline(viewer, a, b)
st.subheader("各项指标")
show_difference_table(a, b, difference_table(a, b))
st.subheader("差异来自哪里")
bridge_section(a, b)
