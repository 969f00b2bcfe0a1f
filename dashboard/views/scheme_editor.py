"""考核方案与模拟: start a draft from any scheme version, change any setting (administrators;
leaders read), see what the draft does to a period's ranking, download the comparison for
the meeting, and save the draft as a new version with an audited diff."""

import streamlit as st

from dashboard.auth import current_viewer
from dashboard.exports import XLSX_MIME
from dashboard.reads import read, store_url
from dashboard.scheme_forms import LINK_KEY, Form, draft_from_state, load_state
from dashboard.whatif_panels import show_comparison, show_sensitivity, whatif_workbook
from dashboard.widgets import download, no_data, period_caption, period_picker
from data import audit
from data.clock import to_local, utcnow
from data.db import get_engine
from data.stored_values import snapshot_values
from metrics.scheme import (
    SchemeError,
    in_force_path,
    parse_scheme,
    save_version,
    scheme_versions,
    schemes_dir,
)
from metrics.scheme_text import changes, raw_scheme, to_toml
from metrics.sensitivity import sensitivity
from metrics.whatif import compare

PICK_KEY, LOADED_KEY, NOTICE_KEY = "se_pick", "se_loaded", "se_notice"

viewer = current_viewer()
editable = viewer.role == "admin"
st.title("考核方案与模拟")
st.caption(
    "以任一方案版本为底稿修改各项设置，并按已存的指标数据模拟新方案下的得分、等次和排名。"
    + ("保存后成为新的方案版本文件，不影响现行得分。" if editable else "领导账号只能查看，不能修改或保存。")
)

problems: list[str] = []
versions = scheme_versions(problems)
for problem in problems:
    st.warning(f"方案文件无法读取，未列入底稿：{problem}")
if not versions:
    st.warning(f"没有找到考核方案文件（目录 {schemes_dir()}，由 PAOBAN_SCHEME_DIR 设置）。")
    st.stop()


def source_label(version: str) -> str:
    path = versions[version]
    return f"{version}（{'现行 ' + path.stem + ' 年方案' if path.stem.isdigit() else '已保存的版本'}）"


def next_version(year: int) -> str:
    """The year's next free version number: one more than the highest in use."""
    used = [int(v.split(".", 1)[1]) for v in versions if v.startswith(f"{year}.") and v.split(".", 1)[1].isdigit()]
    return f"{year}.{max(used, default=0) + 1}"


def save(base_raw: dict, base_version: str) -> None:
    """on_click of 保存: write the version file and its audit row in one transaction."""
    draft = draft_from_state(base_raw)
    note = st.session_state.get("se_note", "").strip()
    text = to_toml(
        draft,
        f"考核方案 {draft['version']}（{draft['year']} 年度），由 {viewer.username} 于 "
        f"{to_local(utcnow()):%Y-%m-%d %H:%M} 以 {base_version} 为底稿在考核方案编辑器中保存。\n"
        "各项设置的含义见默认方案文件 2026.toml 中的注释。",
    )
    try:
        with get_engine(store_url()).begin() as conn:
            audit.record(
                conn,
                viewer.username,
                "scheme.save",
                f"scheme:{draft['version']}",
                from_version=base_version,
                digest=parse_scheme(text).digest,
                changes=changes(base_raw, draft),
                note=note,
            )
            path = save_version(text)
    except SchemeError as exc:
        st.session_state[NOTICE_KEY] = ("error", str(exc))
        return
    st.session_state[NOTICE_KEY] = (
        "success",
        f"已保存为方案版本 {draft['version']}（文件 {path.parent.name}/{path.name}）。"
        f"该版本尚未施行：现行得分仍按 {draft['year']}.toml 计算。",
    )
    st.session_state[PICK_KEY] = draft["version"]
    st.session_state[LOADED_KEY] = None


notice = st.session_state.pop(NOTICE_KEY, None)
if notice:
    (st.success if notice[0] == "success" else st.error)(notice[1])

choices = list(versions)
if st.session_state.get(PICK_KEY) not in choices:
    st.session_state[PICK_KEY] = choices[0]
picked = st.selectbox("底稿（方案版本）", choices, format_func=source_label, key=PICK_KEY)
base_raw = raw_scheme(versions[picked].read_text(encoding="utf-8"))
if st.session_state.get(LOADED_KEY) != picked:
    load_state(base_raw, **({"version": next_version(base_raw["year"])} if editable else {}))
    st.session_state[LOADED_KEY] = picked
    st.session_state[LINK_KEY] = True

draft_raw = draft_from_state(base_raw)
try:
    draft = parse_scheme(to_toml(draft_raw))
    error = None
except SchemeError as exc:
    draft, error = None, exc
if error is None and editable and draft.version in versions:
    error = SchemeError(
        f"考核方案 version：版本 {draft.version} 已存在，保存前请改为新的版本号（如 {next_version(draft.year)}）"
    )
top = st.empty()
form = Form(base_raw, error, disabled=not editable)
weights_tab, rules_tab, save_tab, text_tab = st.tabs(["权重与计分", "时限、等次与加减分", "版本与保存", "方案原文"])
with weights_tab:
    form.weights()
with rules_tab:
    form.rules()
with save_tab:
    form.version()
    edits = changes(base_raw, draft_raw)
    st.markdown("**与底稿相比的修改**")
    st.markdown("\n".join(f"- {line}" for line in edits) if edits else "（没有修改）")
    if editable:
        st.text_input("修改说明（写入审计日志）", key="se_note")
        st.button(
            "保存为新版本",
            type="primary",
            key="se_save",
            disabled=error is not None,
            on_click=save,
            args=(base_raw, picked),
        )
with text_tab:
    st.code(to_toml(draft_raw) if draft is not None else versions[picked].read_text(encoding="utf-8"), language="toml")
unplaced = form.unplaced_error()
if unplaced:
    top.error(unplaced, icon="⚠️")

st.subheader("模拟：草案对排名的影响")
shown = period_picker(viewer, "whatif")
if shown is None:
    st.stop()
period_caption(viewer, shown)
if no_data(shown):
    st.stop()
if draft is None:
    st.info("草案有错误，改正后即可看到模拟结果。")
    st.stop()
values = read(snapshot_values, viewer, shown.snapshot_id)
current_text = in_force_path(shown.period.year).read_text(encoding="utf-8")
current = parse_scheme(current_text)
comparison = compare(values, current, draft)
against_current = changes(raw_scheme(current_text), draft_raw)
st.caption(f"现行方案 {current.version} 对比草案 {draft.version}：按已存的指标分子、分母重算，不重算指标。")
show_comparison(comparison)
download(
    "下载对比工作簿（Excel）",
    viewer,
    target=f"whatif:{draft.version}",
    period=shown.period.key,
    kind="xlsx",
    file_name=f"方案模拟_{shown.period.key}_{current.version}_对比_{draft.version}.xlsx",
    mime=XLSX_MIME,
    key="whatif_xlsx",
    build=lambda: whatif_workbook(values, comparison, against_current, sensitivity(values, draft_raw)),
)
if st.toggle("敏感性分析：各维度权重 ±5 分、各指标目标 ±5%", key="whatif_sensitivity"):
    show_sensitivity(sensitivity(values, draft_raw))
