"""数据源状态: collector health, quarantined rows and the assessment scheme in force."""

import pandas as pd
import streamlit as st

from collectors.config import ConfigError, load_config
from dashboard.alert_panels import alert_section
from dashboard.auth import current_viewer
from dashboard.format import dimension_label
from dashboard.reads import read, store_url
from dashboard.supervision_panels import act
from dashboard.widgets import table_with_csv
from data import alert_queries, queries, replay_requests
from data.clock import to_local_series
from data.db import get_engine
from data.settings import get_settings
from data.vocabulary import SOURCE_KINDS
from metrics.scheme import available_years, load_scheme, scheme_path, schemes_dir


def source_labels() -> dict[str, str]:
    """Source name → '资源目录（demo-catalog）', from the collectors' configuration (its kinds);
    without a readable configuration the names show as they are."""
    try:
        config = load_config(get_settings().sources_file)
    except ConfigError:
        return {}
    return {s.name: f"{SOURCE_KINDS.get(s.kind, s.kind)}（{s.name}）" for s in config.sources}


RUN_STATUS = {"running": "运行中", "ok": "成功", "partial": "部分成功", "failed": "失败"}

viewer = current_viewer()
st.title("数据源状态")
if viewer.role != "admin":
    st.error("本页仅供管理员查看。")
    st.stop()

status = read(queries.source_status, viewer)
names = source_labels()
st.subheader("采集运行")
if status.empty:
    st.info(
        "还没有任何采集记录。请在数据源配置（sources.toml）中配置数据源并启动采集："
        "`make run` 会同时启动采集进程，也可运行 `python -m collectors run` 手动采集一次。"
    )
else:
    failing = status[status["status"] == "failed"]
    if not failing.empty:
        st.error(
            "以下数据源最近一次采集失败："
            + "、".join(names.get(x, x) for x in failing["source"])
            + "。请查看错误信息并处理。"
        )
    shown = pd.DataFrame(
        {
            "数据源": [names.get(x, x) for x in status["source"]],
            "最近一次状态": [RUN_STATUS.get(s, s) for s in status["status"]],
            "开始": to_local_series(status["started_at"]),
            "结束": to_local_series(status["finished_at"]),
            "读取": status["rows_read"],
            "入库": status["rows_loaded"],
            "重复": status["rows_duplicate"],
            "隔离": status["rows_quarantined"],
            "最近成功": to_local_series(status["last_ok_at"]),
            "距最近成功（小时）": status["lag_hours"],
            "游标更新": to_local_series(status["cursor_updated_at"]),
            "隔离行累计": status["quarantine_total"],
            "错误信息": status["error"].fillna(""),
        }
    )
    table_with_csv(shown, viewer, target="sources", period="", file_name="数据源状态.csv", key="sources_csv", empty="")

st.subheader("采集运行预警")
engine = get_engine(store_url())
with engine.connect() as conn:
    health = alert_queries.alerts(conn, viewer, states=("new", "acknowledged"), health=True)
if health.empty:
    st.caption("当前没有未解决的采集运行预警（数据源未按时送数、隔离率上升、文件读取失败）。")
else:
    alert_section(engine, viewer, health, {}, "sources_alerts")

st.subheader("隔离行")
st.caption(
    "时间均为北京时间。未能入库的行及原因。修正映射或在部门别名中补充名称后，在下方申请重放；修正了源文件的，重新放入该文件即可。"
)
sources = [""] + list(status["source"]) if not status.empty else [""]
chosen = st.selectbox("数据源", sources, format_func=lambda s: names.get(s, s) or "全部", key="quarantine_source")
held = read(queries.quarantined, viewer, chosen or None)
held_rows = held.assign(
    created_at=to_local_series(held["created_at"]),
    source=held["source"].map(lambda x: names.get(x, x)),
    kind=held["kind"].map(lambda k: SOURCE_KINDS.get(k, k)),
).rename(
    columns={
        "id": "编号",
        "source": "数据源",
        "kind": "记录类型",
        "file": "文件",
        "line": "行号",
        "reason": "原因",
        "raw": "原始内容",
        "created_at": "隔离时间",
    }
)
table_with_csv(
    held_rows,
    viewer,
    target=f"quarantine:{chosen or 'all'}",
    period="",
    file_name=f"隔离行_{chosen or '全部'}.csv",
    key="quarantine_csv",
    empty="没有隔离行。",
)

st.subheader("重放隔离行")
st.caption(
    "修正映射、部门别名或部门名册后，可在此申请重放：采集进程（每分钟检查一次，或下一次 `collectors once`）"
    "按当前配置重新校验该数据源的隔离行，通过的行入库且只入库一次，仍不通过的行以新的原因留在隔离区。"
)
with st.form("replay_form", border=False):
    left, right = st.columns(2)
    replay_source = left.selectbox(
        "重放的数据源", sorted(set(held["source"])) or [""], format_func=lambda s: names.get(s, s) or "（没有隔离行）"
    )
    replay_reason = right.text_input("只重放原因以此开头的行（留空为全部）", placeholder="例如：未知部门")
    asked = st.form_submit_button("申请重放", disabled=held.empty)
if asked:
    act(engine, "提交重放申请", lambda conn: replay_requests.request_replay(conn, viewer, replay_source, replay_reason))
with engine.connect() as conn:
    asks = replay_requests.recent(conn, viewer)
if not asks.empty:
    st.dataframe(
        pd.DataFrame(
            {
                "编号": asks["id"],
                "数据源": asks["source"].map(lambda x: names.get(x, x)),
                "原因前缀": asks["reason"].fillna("全部"),
                "申请人": asks["requested_by"],
                "申请时间": to_local_series(asks["requested_at"]),
                "状态": asks["state"].map(replay_requests.STATES),
                "完成时间": to_local_series(asks["finished_at"]),
                "入库": asks["loaded"],
                "仍隔离": asks["kept"],
                "说明": asks["message"].fillna(""),
            }
        ),
        hide_index=True,
        width="stretch",
    )

st.subheader("考核方案")
years = available_years()
if not years:
    st.warning(f"没有找到考核方案文件（目录 {schemes_dir()}）。")
    st.stop()
year = st.selectbox("年度", years[::-1], key="scheme_year")
scheme = load_scheme(year)
st.caption(
    f"版本 {scheme.version}；优秀 ≥ {scheme.tiers['excellent']:g}（不超过同类 "
    f"{scheme.excellent_quota:.0%}），良好 ≥ {scheme.tiers['good']:g}，一般 ≥ {scheme.tiers['fair']:g}，"
    f"以下为较差。"
)
indicators = pd.DataFrame(
    [
        {
            "维度": dimension_label(scheme, d.key),
            "维度权重": d.weight,
            "指标": i.name,
            "指标权重": i.weight,
            "0 分线": i.floor,
            "满分线": i.target,
            "方向": "越高越好" if i.direction == "higher" else "越低越好",
        }
        for d in scheme.dimensions
        for i in d.indicators
    ]
)
st.dataframe(indicators, hide_index=True, width="stretch", height=35 * (len(indicators) + 1) + 3)
with st.expander("方案原文（TOML）"):
    st.code(scheme_path(scheme.year).read_text(encoding="utf-8"), language="toml")
