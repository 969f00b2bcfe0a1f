"""Pieces every page shares: period and category pickers, the empty-store notice, downloads."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard.exports import CSV_MIME, audited, csv_bytes
from dashboard.format import category_label, scheme_for
from dashboard.reads import read, store_url
from dashboard.table_layout import LAPTOP_TABLE_PX, PLACEHOLDER, cell_text, markdown_text, table_layout
from data import queries
from data.clock import to_local_series
from data.db import get_engine
from data.periods import KIND_LABELS
from data.queries import ShownSnapshot
from data.viewer import Viewer
from data.vocabulary import CATEGORIES
from metrics.periods import settled_day

EMPTY_STORE = (
    "还没有任何考核得分。请先导入数据并计算得分：\n\n"
    "- 演示：在项目目录运行 `make run`，或 `python -m data demo` 生成演示城市；\n"
    "- 正式使用：由管理员在数据源配置（sources.toml）中配置数据源，采集完成后系统会自动计算得分。"
)
SELECTED_PERIOD = "period_key"


def empty_store() -> None:
    st.info(EMPTY_STORE, icon="ℹ️")


def provisional(viewer: Viewer, shown: ShownSnapshot) -> bool:
    """A closed period judged before its settled day (end + the longest grace): 暂定."""
    settled = settled_day(shown.period, scheme_for(shown.period.year), read(queries.update_frequencies, viewer))
    return shown.complete and shown.as_of < settled


def period_state(viewer: Viewer, shown: ShownSnapshot) -> str:
    """What a clerk must know beside a period's name: 进行中, 暂定, 无数据 (or nothing)."""
    if not shown.has_data:
        return "（无数据）"
    if not shown.complete:
        return "（进行中）"
    return "（暂定）" if provisional(viewer, shown) else ""


def period_picker(viewer: Viewer, key: str) -> ShownSnapshot | None:
    """Period type and period among those with scores, opening on a period with data
    (_preferred), so an empty period never opens a page.

    The choice is remembered in session state so the next page opens on the same period,
    and kept in the address (?period=) so a reload or a shared link opens it again.
    """
    shown = read(queries.periods, viewer)
    if shown.empty:
        empty_store()
        return None
    if SELECTED_PERIOD not in st.session_state and "period" in st.query_params:
        st.session_state[SELECTED_PERIOD] = st.query_params["period"]
    carried = shown[shown["period_key"] == st.session_state.get(SELECTED_PERIOD)]
    kinds = [k for k in ("month", "quarter", "year", "range") if k in set(shown["period_kind"])]
    preferred = _preferred(shown)
    default_kind = (
        carried["period_kind"].iloc[0]
        if not carried.empty
        else (shown.loc[preferred, "period_kind"] if preferred is not None else kinds[0])
    )
    left, right = st.columns([1, 2])
    kind = left.radio(
        "考核周期类型",
        kinds,
        index=kinds.index(default_kind),
        horizontal=True,
        format_func=KIND_LABELS.__getitem__,
        key=f"{key}_kind",
    )
    options = shown[shown["period_kind"] == kind].reset_index(drop=True)
    keys = list(options["period_key"])
    if not carried.empty and carried["period_key"].iloc[0] in keys:
        default = keys.index(carried["period_key"].iloc[0])
    else:
        default = _preferred(options) or 0
    snapshots = {r["period_key"]: ShownSnapshot.from_row(r) for r in options.to_dict("records")}
    labels = {k: s.period.label + period_state(viewer, s) for k, s in snapshots.items()}
    chosen = right.selectbox(
        "考核周期", keys, index=default, format_func=labels.__getitem__, key=f"{key}_period_{kind}"
    )
    st.session_state[SELECTED_PERIOD] = chosen
    st.query_params["period"] = chosen
    return snapshots[chosen]


def _preferred(shown: pd.DataFrame) -> int | None:
    """Row label of the period a picker opens on (rows newest first): the latest year with
    data, running or not (in December the running year is the one asked about); for months
    and quarters the latest closed one with data, else the latest with data."""
    with_data = shown[shown["has_data"]]
    closed = with_data[with_data["complete"] & (with_data["period_kind"] != "year")]
    years = with_data[with_data["period_kind"] == "year"]
    for rows in (closed, years, with_data):
        if not rows.empty:
            return rows.index[0]
    return None


def no_data(shown: ShownSnapshot) -> bool:
    """Say so and tell the page to stop when the period has no records at all."""
    if shown.has_data:
        return False
    st.info(
        f"{shown.period.label}该期无数据：期内没有任何更新、调用、申请、异议、投诉或办件记录，"
        "不计分、不排名。请在“考核周期”中选择有数据的时期。"
    )
    return True


def category_picker(key: str, present: set[str] | None = None) -> str:
    """The category, opening on the address's ?category= and kept there."""
    keys = [k for k in CATEGORIES if present is None or k in present] or list(CATEGORIES)
    if key not in st.session_state and st.query_params.get("category") in keys:
        st.session_state[key] = st.query_params["category"]
    chosen = st.radio("类别", keys, format_func=category_label, horizontal=True, key=key)
    st.query_params["category"] = chosen
    return chosen


def period_caption(viewer: Viewer, shown: ShownSnapshot) -> None:
    status = {"published": "已发布", "current": "最新计算"}.get(shown.status, shown.status)
    computed = to_local_series(pd.Series([shown.computed_at])).iloc[0]
    note = "；暂定：宽限期内仍可能有更新计入，宽限期满后定稿" if shown.complete and provisional(viewer, shown) else ""
    st.caption(
        f"考核周期 {shown.period.start} 至 {shown.period.end}，数据截至 {shown.as_of}{note}；"
        f"考核方案 {shown.scheme_version}；{status}（计算于 {computed:%Y-%m-%d %H:%M}）"
    )


def download(
    label: str,
    viewer: Viewer,
    *,
    target: str,
    period: str,
    kind: str,
    file_name: str,
    mime: str,
    build: Callable[[], bytes],
    key: str,
) -> None:
    """A download button whose file is built on click, with an audit row for the export."""
    st.download_button(
        label,
        data=audited(get_engine(store_url()), viewer, target, period, kind, build),
        file_name=file_name,
        mime=mime,
        key=key,
        on_click="ignore",
    )


def csv_download(frame: pd.DataFrame, viewer: Viewer, *, target: str, period: str, file_name: str, key: str) -> None:
    download(
        "下载 CSV",
        viewer,
        target=target,
        period=period,
        kind="csv",
        file_name=file_name,
        mime=CSV_MIME,
        build=lambda: csv_bytes(frame),
        key=key,
    )


def long_cells(frame: pd.DataFrame, cells: list[tuple[int, str]]) -> None:
    """The cells too long for their table's rows, in full, named by the row's 编号 (or first column)."""
    key = "编号" if "编号" in frame.columns else frame.columns[0]
    st.caption("以下内容较长，表格中显示不全，全文如下：")
    lines = []
    for row, column in cells:
        name = cell_text(frame[key].iloc[row])
        lines.append(f"- **{markdown_text(name)}** {column}：{markdown_text(cell_text(frame[column].iloc[row]))}")
    st.markdown("\n".join(lines))


def readable_table(
    frame: pd.DataFrame, wide: tuple[str, ...] = (), table_px: int = LAPTOP_TABLE_PX, *, list_long: bool = True
) -> None:
    """A table whose every cell stays readable at 1280×720 (dashboard/table_layout.py): short
    columns as wide as their text, the columns named in `wide` (long Chinese sentences) share
    the rest of `table_px`, rows grow to hold a sentence's lines, and a longer cell is written
    out under the table (unless `list_long` is off: the page shows the picked row in full)."""
    layout = table_layout(frame, wide, table_px)
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        placeholder=PLACEHOLDER,
        row_height=layout.row_height,
        column_config={c: st.column_config.Column(c, width=w) for c, w in layout.widths.items()},
    )
    if list_long and layout.overflow:
        long_cells(frame, layout.overflow)


def table_with_csv(
    frame: pd.DataFrame,
    viewer: Viewer,
    *,
    target: str,
    period: str,
    file_name: str,
    key: str,
    empty: str,
    wide: tuple[str, ...] = (),
    table_px: int = LAPTOP_TABLE_PX,
) -> None:
    """A readable_table with its own CSV download, or a sentence saying there is nothing to show."""
    if frame.empty:
        st.caption(empty)
        return
    readable_table(frame, wide, table_px)
    csv_download(frame, viewer, target=target, period=period, file_name=file_name, key=key)
