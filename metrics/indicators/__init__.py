"""The indicators DESIGN.md defines: what each measures, in words a clerk can read.

Each family module (sharing, updates, complaints, office) turns input frames into three
frames with fixed columns, so scoring, explanations and 提分清单 treat them alike:

- counts:   dept_id, indicator, numerator, denominator
- evidence: dept_id, indicator, item_type, item_key, label, status, due_at, done_at, detail
- fixes:    dept_id, indicator, item_type, item_key, action, deadline, upcoming,
            fix_num, fix_den, base_num, base_den  (numerator/denominator change when the
            item is fixed, and the change it is compared against: nothing for an item
            already counted against the department, a miss for one not yet due)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

COUNT_COLUMNS = ["dept_id", "indicator", "numerator", "denominator"]
EVIDENCE_COLUMNS = ["dept_id", "indicator", "item_type", "item_key", "label", "status", "due_at", "done_at", "detail"]
FIX_COLUMNS = [
    "dept_id",
    "indicator",
    "item_type",
    "item_key",
    "action",
    "deadline",
    "upcoming",
    "fix_num",
    "fix_den",
    "base_num",
    "base_den",
]


def resource_fixes(rows: pd.DataFrame, indicator: str, action: pd.Series) -> pd.DataFrame:
    """One fix a resource: counted against the department now, worth one numerator when done."""
    return pd.DataFrame(
        {
            "dept_id": rows["dept_id"],
            "indicator": indicator,
            "item_type": "resource",
            "item_key": rows["resource_code"],
            "action": action,
            "deadline": pd.NaT,
            "upcoming": False,
            "fix_num": 1,
            "fix_den": 0,
            "base_num": 0,
            "base_den": 0,
        },
        columns=FIX_COLUMNS,
    )


@dataclass(frozen=True)
class IndicatorDef:
    formula: str
    numerator: str
    denominator: str
    unit: str = "%"

    @property
    def factor(self) -> float:
        return 10_000.0 if self.unit == "件/万件" else 100.0


DEFINITIONS: dict[str, IndicatorDef] = {
    "mount_rate": IndicatorDef(
        "已挂接资源数 ÷ 应挂接资源数（不予共享以外的目录资源）× 100%", "已挂接资源数", "应挂接资源数"
    ),
    "open_rate": IndicatorDef(
        "（无条件共享 + 有条件共享资源数）÷ 全部目录资源数 × 100%", "无条件及有条件共享资源数", "目录资源总数"
    ),
    "request_on_time": IndicatorDef("截止日前答复的共享申请数 ÷ 到期的共享申请数 × 100%", "按时答复数", "到期申请数"),
    "call_success": IndicatorDef("调用成功次数 ÷ 本部门接口被调用总次数 × 100%", "成功调用次数", "调用总次数"),
    "usage_rate": IndicatorDef(
        "期内至少有 1 次成功调用的已挂接资源数 ÷ 已挂接资源数 × 100%", "被使用的已挂接资源数", "已挂接资源数"
    ),
    "objection_on_time": IndicatorDef("截止日前处理的数据异议数 ÷ 到期的数据异议数 × 100%", "按时处理数", "到期异议数"),
    "update_on_time": IndicatorDef(
        "按时更新的更新周期数 ÷ 到期的更新周期数 × 100%", "按时更新周期数", "到期更新周期数"
    ),
    "complaints_per_10k": IndicatorDef(
        "期内收到的投诉件数 ÷ 期内受理量 × 10000（越低越好）", "投诉件数", "受理量", unit="件/万件"
    ),
    "complaint_on_time": IndicatorDef("截止日前办结的投诉数 ÷ 到期的投诉数 × 100%", "按时办结数", "到期投诉数"),
    "satisfaction": IndicatorDef("（满意 + 基本满意）÷ 已评价投诉数 × 100%", "满意及基本满意数", "已评价投诉数"),
    "case_on_time": IndicatorDef("按时办结量 ÷ 办结量 × 100%", "按时办结量", "办结量"),
    "online_rate": IndicatorDef("全程网办量 ÷ 受理量 × 100%", "全程网办量", "受理量"),
    "good_review_rate": IndicatorDef("好评数 ÷（好评数 + 差评数）× 100%", "好评数", "好评与差评总数"),
}


NOTE_COLUMNS = ["dept_id", "indicator", "note"]


@dataclass
class Parts:
    """What an indicator family contributes: lists of frames of the column sets above."""

    counts: list[pd.DataFrame] = field(default_factory=list)
    evidence: list[pd.DataFrame] = field(default_factory=list)
    fixes: list[pd.DataFrame] = field(default_factory=list)
    notes: list[pd.DataFrame] = field(default_factory=list)

    def extend(self, other: Parts) -> Parts:
        for name in ("counts", "evidence", "fixes", "notes"):
            getattr(self, name).extend(getattr(other, name))
        return self


def concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    return pd.concat([f[columns] for f in frames], ignore_index=True)
