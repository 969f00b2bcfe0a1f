"""The domain's words, defined once: categories, share types, satisfaction values, tiers
and update frequencies (their spellings, canonical form, Chinese label and slots).

Collectors map source spellings to these codes, metrics compute with them and pages show
their labels; a new value is added here and nowhere else.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

CATEGORIES = {"city_dept": "市直部门", "district": "区县"}
SHARE_TYPES = {"unconditional": "无条件共享", "conditional": "有条件共享", "not_shared": "不予共享"}
SATISFACTION = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意", "unrated": "未评价"}

# Tiers best first; the scheme sets the lowest total of each but the last (TIER_KEYS).
TIERS = ("优秀", "良好", "一般", "较差")
TIER_KEYS = ("excellent", "good", "fair")
TIER_COLOURS = {"优秀": "#1a9850", "良好": "#91cf60", "一般": "#fdae61", "较差": "#d73027"}


def spellings(labels: dict[str, str]) -> dict[str, str]:
    """Code and Chinese label → code: what a source may write for a coded value."""
    return {**{label: code for code, label in labels.items()}, **{code: code for code in labels}}


CATEGORY_SPELLINGS = spellings(CATEGORIES)
SHARE_TYPE_SPELLINGS = spellings(SHARE_TYPES)
SATISFACTION_SPELLINGS = spellings(SATISFACTION)

# Update frequencies -------------------------------------------------------------------

FREQUENCY_LABELS = {
    "realtime": "实时", "daily": "每日", "weekly": "每周", "monthly": "每月", "quarterly": "每季度",
    "half_yearly": "每半年", "yearly": "每年", "irregular": "不定期",
}
# The standard slots: each has its grace days in the scheme.
STANDARD_FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "half_yearly", "yearly")
FREQUENCY_SPELLINGS = {
    **spellings(FREQUENCY_LABELS),
    "每天": "daily", "每季": "quarterly", "continuous": "realtime", "annual": "yearly",
}
DCAT_UNITS = {"D": "days", "W": "weeks", "M": "months", "Y": "years"}
DCAT_RE = re.compile(r"^R/P(?:(\d+)([DWMY])|T\d+[HMS])$")
EVERY_N_RE = re.compile(r"^(?:每|every_?)\s*(\d+)\s*(个)?\s*(日|天|周|星期|月|days?|weeks?|months?)$")
UNIT_WORDS = {"日": "days", "天": "days", "周": "weeks", "星期": "weeks", "月": "months",
              "day": "days", "days": "days", "week": "weeks", "weeks": "weeks",
              "month": "months", "months": "months"}
# The canonical "every N units" form, counted from registration.
EVERY_RE = re.compile(r"every_(\d+)_(days|weeks|months)")


def normalise_frequency(raw: Any) -> str | None:
    """A declared update frequency in canonical form, or None when not understood."""
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        return None
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    compact = re.sub(r"\s+", "", text)
    if compact in FREQUENCY_SPELLINGS or compact.lower() in FREQUENCY_SPELLINGS:
        return FREQUENCY_SPELLINGS.get(compact) or FREQUENCY_SPELLINGS[compact.lower()]
    dcat = DCAT_RE.match(compact.upper())
    if dcat:
        if dcat.group(1) is None:
            return "realtime"
        return _every(int(dcat.group(1)), DCAT_UNITS[dcat.group(2)], calendar=True)
    every = EVERY_N_RE.match(text.lower())
    if every:
        return _every(int(every.group(1)), UNIT_WORDS[every.group(3)], calendar=False)
    return None


def _every(n: int, unit: str, calendar: bool) -> str | None:
    """DCAT's R/P3M, R/P6M, R/P1Y name calendar quarters, half-years and years; a Chinese
    "每 3 月" is every three months counted from registration (DESIGN.md, update slots)."""
    if n < 1:
        return None
    if unit == "years":
        return "yearly" if n == 1 else f"every_{12 * n}_months"
    if unit == "months" and calendar and n in (1, 3, 6, 12):
        return {1: "monthly", 3: "quarterly", 6: "half_yearly", 12: "yearly"}[n]
    if n == 1:
        return {"days": "daily", "weeks": "weekly", "months": "monthly"}[unit]
    return f"every_{n}_{unit}"


# Shortest real length (days) of each standard slot: a 每 N … frequency takes the grace of
# the longest standard slot not longer than its own (每 2 日 → daily, 每 121 日 → quarterly).
STANDARD_DAYS = {"daily": 1, "weekly": 7, "monthly": 28, "quarterly": 90, "half_yearly": 181, "yearly": 365}
STANDARD_MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}
CALENDAR = {  # frequency → (unit, length); calendar slots are aligned, not anchored
    "realtime": ("day", 1), "daily": ("day", 1), "weekly": ("day", 7), "monthly": ("month", 1),
    "quarterly": ("month", 3), "half_yearly": ("month", 6), "yearly": ("month", 12),
}


@dataclass(frozen=True)
class Frequency:
    """The slots a canonical frequency cuts time into."""

    unit: str  # day | month
    length: int
    anchored: bool  # counted from registration (每 N …) rather than calendar-aligned
    standard: str  # the standard slot whose grace applies

    def slot_after(self, day: pd.Series) -> pd.Series:
        """`day` + one slot (calendar arithmetic for months)."""
        if self.unit == "day":
            return day + pd.Timedelta(days=self.length)
        return day + pd.DateOffset(months=self.length)


def parse_frequency(text: str | None) -> Frequency | None:
    """None for 不定期 (irregular) and for anything unrecognised: such resources are not counted."""
    if text in CALENDAR:
        unit, length = CALENDAR[text]
        return Frequency(unit, length, False, "daily" if text == "realtime" else text)
    m = EVERY_RE.fullmatch(text or "")
    if not m or int(m[1]) <= 0:
        return None
    n, kind = int(m[1]), m[2]
    if kind == "months":
        standard = max((k for k, v in STANDARD_MONTHS.items() if v <= n), key=STANDARD_MONTHS.get)
        return Frequency("month", n, True, standard)
    days = n * (7 if kind == "weeks" else 1)
    standard = max((k for k, v in STANDARD_DAYS.items() if v <= days), key=STANDARD_DAYS.get)
    return Frequency("day", days, True, standard)


def frequency_label(code: str | None) -> str:
    """A canonical frequency in Chinese: 每月, 每 2 日 (every_2_days); anything else as it is."""
    if code in FREQUENCY_LABELS:
        return FREQUENCY_LABELS[code]
    m = EVERY_RE.fullmatch(code or "")
    if m:
        return f"每 {m[1]} {EVERY_UNIT_LABELS[m[2]]}"
    return "" if code is None else str(code)


EVERY_UNIT_LABELS = {"days": "日", "weeks": "周", "months": "个月"}

# Codes pages show besides the domain's own -----------------------------------------

LOGIN_METHODS = {"password": "密码", "oidc": "统一身份认证"}
SOURCE_KINDS = {
    "department": "部门清单", "catalog": "资源目录", "resource_update": "资源更新记录",
    "exchange_call": "接口调用日志", "sharing_request": "共享申请", "data_objection": "数据异议",
    "complaint": "投诉工单", "office_kpi": "办件指标",
}
# audit target "kind:key" → what the kind is; the key is a category, a department id or a name
AUDIT_TARGETS = {
    "ranking": "排名", "bulletin": "通报", "evidence": "部门证据", "faults": "错误码", "failed_calls": "失败调用",
    "gains": "提分清单", "my_scores": "我的得分", "sources": "数据源状态", "quarantine": "隔离记录",
    "score_snapshot": "评分快照", "score_adjustment": "得分调整",
}


def audit_target_label(target: str | None, dept_names: dict[int, str]) -> str:
    """'ranking:city_dept' → '排名（市直部门）', 'evidence:3' → '部门证据（市卫健委）'; others as they are."""
    if not target:
        return ""
    kind, _, key = target.partition(":")
    if kind not in AUDIT_TARGETS:
        return target
    if key.isdigit() and kind not in ("score_snapshot", "score_adjustment"):
        key = dept_names.get(int(key), f"部门 {key}")
    elif key.isdigit():
        key = f"第 {key} 号"
    shown = {"all": "全部", **CATEGORIES}.get(key, key)
    return f"{AUDIT_TARGETS[kind]}（{shown}）" if shown else AUDIT_TARGETS[kind]


def load_fault_labels(path) -> dict[str, str]:
    """The platform's fault code → Chinese label dictionary (a TOML [fault_codes] table);
    a missing file gives no labels, so raw codes still show."""
    try:
        with open(path, "rb") as f:
            return {str(k): str(v) for k, v in tomllib.load(f).get("fault_codes", {}).items()}
    except FileNotFoundError:
        return {}


def fault_label(code: str | None, labels: dict[str, str]) -> str:
    """'调用超时（TIMEOUT）': the label with the raw code beside it, or the code alone."""
    if code is None or code != code:
        return ""
    return f"{labels[code]}（{code}）" if code in labels else str(code)
