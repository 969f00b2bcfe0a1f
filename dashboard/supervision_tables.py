"""Tables of the supervision pages: 督办事项 with their state and working days overdue, and the
整改台账 workbook built from the same rows, so the page and the Excel file never disagree."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd

from dashboard.format import ITEM_STATUS, ITEM_TYPES
from data.clock import to_local
from data.models import SEVERITIES, SUPERVISION_STATES
from data.supervision import MOVES
from data.supervision_settings import FINDING_KINDS
from data.workdays import calendar_for
from metrics.supervision import OPEN_STATES, overdue_workdays

ITEM_COLUMNS = [
    "编号",
    "部门",
    "类型",
    "标题",
    "严重程度",
    "状态",
    "下发日期",
    "整改期限",
    "逾期工作日",
    "退回次数",
    "销号时间",
]


def item_table(items: list[dict], names: dict[int, str], today: date) -> pd.DataFrame:
    """One row per item; 逾期工作日 counts working days past the deadline while the item is still
    with its department (待签收 or 整改中), 0 otherwise."""
    if not items:
        return pd.DataFrame(columns=ITEM_COLUMNS)
    frame = pd.DataFrame(items)
    deadlines = pd.to_datetime(frame["deadline"])
    cal = calendar_for(min(deadlines.min().date(), today), max(deadlines.max().date(), today))
    late = overdue_workdays(frame["deadline"], today, cal).where(frame["state"].isin(OPEN_STATES), 0)
    return pd.DataFrame(
        {
            "编号": frame["id"],
            "部门": frame["dept_id"].map(names),
            "类型": frame["kind"].map(FINDING_KINDS),
            "标题": frame["title"],
            "严重程度": frame["severity"].map(SEVERITIES),
            "状态": frame["state"].map(SUPERVISION_STATES),
            "下发日期": frame["issued_on"],
            "整改期限": frame["deadline"],
            "逾期工作日": late.astype(int),
            "退回次数": frame["returns"],
            "销号时间": frame["closed_at"],
        }
    )


def overdue_red(table: pd.DataFrame):
    """The table styled for the page: an overdue row's 状态 and 逾期工作日 in red."""

    def colour(row: pd.Series) -> list[str]:
        red = "color: #c62828; font-weight: bold" if row["逾期工作日"] > 0 else ""
        return [red if c in ("状态", "逾期工作日", "整改期限") else "" for c in row.index]

    return table.style.apply(colour, axis=1)


def evidence_rows_table(rows: list[dict], indicator_name: Callable[[str], str]) -> pd.DataFrame:
    """Frozen evidence of one item, with whether the latest snapshot still lists it."""
    now = {True: "尚未整改", False: "已整改", None: "无法判断"}
    return pd.DataFrame(
        [
            {
                "指标": indicator_name(r["indicator"]),
                "类型": ITEM_TYPES.get(r["item_type"], r["item_type"]),
                "编号": r["item_key"],
                "名称": r["snapshot"].get("label") or "",
                "当时状态": ITEM_STATUS.get(r["snapshot"].get("status"), r["snapshot"].get("status") or ""),
                "现在是否已整改": now[r["still_open"]],
            }
            for r in rows
        ]
    )


def event_table(events: list[dict]) -> pd.DataFrame:
    """The item's timeline in local time, oldest first."""
    labels = {"create": "下发", **{k: m.label for k, m in MOVES.items()}}
    return pd.DataFrame(
        [
            {
                "时间": f"{to_local(e['at']):%Y-%m-%d %H:%M}",
                "操作人": e["actor"],
                "操作": labels.get(e["action"], e["action"]),
                "状态变化": f"{SUPERVISION_STATES.get(e['from_state'] or '', '—')} → "
                f"{SUPERVISION_STATES.get(e['to_state'], e['to_state'])}",
                "说明": e["reason"] or "",
            }
            for e in events
        ]
    )
