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
    "realtime": "实时",
    "daily": "每日",
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "half_yearly": "每半年",
    "yearly": "每年",
    "irregular": "不定期",
    "unknown": "未知",
}
# Stored for a resource whose catalog gives no frequency or one not understood: kept in every
# catalog indicator, left out of update_on_time and flagged in its evidence.
UNKNOWN_FREQUENCY = "unknown"
UNKNOWN_FREQUENCY_FLAG = "更新频率缺失或无法识别"
NOTE_LENGTH = 500  # the stored note (CatalogResource.update_note) is cut to this: it only informs
# The standard slots: each has its grace days in the scheme.
STANDARD_FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "half_yearly", "yearly")
FREQUENCY_SPELLINGS = {
    **spellings(FREQUENCY_LABELS),
    "每天": "daily",
    "每季": "quarterly",
    "continuous": "realtime",
    "annual": "yearly",
    # as portals write them (hour and minute levels are real-time)
    "实时更新": "realtime",
    "小时级": "realtime",
    "分钟级": "realtime",
    "秒级": "realtime",
    "每小时": "realtime",
    "每分钟": "realtime",
    "日": "daily",
    "日度": "daily",
    "日更": "daily",
    "周": "weekly",
    "周度": "weekly",
    "月": "monthly",
    "月度": "monthly",
    "季": "quarterly",
    "季度": "quarterly",
    "每季度一次": "quarterly",
    "半年": "half_yearly",
    "半年度": "half_yearly",
    "年": "yearly",
    "年度": "yearly",
    "每年度": "yearly",
    "不更新": "irregular",
    "按需": "irregular",
    "按需更新": "irregular",
    "不定时": "irregular",
    "每两周": "every_2_weeks",
    "双周": "every_2_weeks",
    "每旬": "every_10_days",
}
# A trailing "更新" or "一次" adds nothing (每月更新, 每年一次); the bracket holds a note.
FREQUENCY_SUFFIX_RE = re.compile(r"(?:更新|一次)+$")
NOTE_RE = re.compile(r"^(.*?)\s*[(（\[【]\s*(.*?)\s*[)）\]】]\s*$", re.S)
CN_NUMBERS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
DCAT_UNITS = {"D": "days", "W": "weeks", "M": "months", "Y": "years"}
DCAT_RE = re.compile(r"^R/P(?:(\d+)([DWMY])|T\d+[HMS])$")
EVERY_N_RE = re.compile(
    r"^(?:每|every_?)\s*(\d+|[一二两三四五六七八九十])\s*(个)?\s*(日|天|周|星期|月|days?|weeks?|months?)$"
)
UNIT_WORDS = {
    "日": "days",
    "天": "days",
    "周": "weeks",
    "星期": "weeks",
    "月": "months",
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
}
# The canonical "every N units" form, counted from registration.
EVERY_RE = re.compile(r"every_(\d+)_(days|weeks|months)")


def split_frequency(raw: Any) -> tuple[str, str | None]:
    """A catalog's frequency text → (canonical frequency or "unknown", note or None).

    A bracketed note (either bracket style: 每月(更新说明:暂无新业务数据产生)) never hides the
    frequency before it; the note is returned as written. Text not understood is "unknown"
    and comes back whole as the note, so a clerk sees what the catalog said.
    """
    if raw is None or (isinstance(raw, float) and np.isnan(raw)) or not str(raw).strip():
        return UNKNOWN_FREQUENCY, None
    text, note = str(raw).strip(), None
    bracket = NOTE_RE.match(text)
    if bracket and bracket.group(1).strip():
        text, note = bracket.group(1).strip(), bracket.group(2).strip() or None
    code = normalise_frequency(text)
    if code is None:
        return UNKNOWN_FREQUENCY, str(raw).strip()[:NOTE_LENGTH]
    return code, note and note[:NOTE_LENGTH]


def split_frequencies(texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """split_frequency over a column (each distinct text once): (codes, notes). As
    objects: an Arrow text column of missing cells alone cannot take the pairs."""
    table = {t: split_frequency(t) for t in pd.unique(texts.dropna())}
    pairs = texts.astype(object).map(table)
    blank = pairs.isna()
    codes = pairs.map(lambda p: p[0], na_action="ignore").where(~blank, UNKNOWN_FREQUENCY)
    notes = pairs.map(lambda p: p[1], na_action="ignore")
    return codes.astype(object), notes.astype(object).where(notes.notna(), None)


def normalise_frequency(raw: Any) -> str | None:
    """A declared update frequency in canonical form, or None when not understood."""
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        return None
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    compact = re.sub(r"\s+", "", text)
    if compact not in FREQUENCY_SPELLINGS and FREQUENCY_SUFFIX_RE.sub("", compact) in FREQUENCY_SPELLINGS:
        compact = FREQUENCY_SUFFIX_RE.sub("", compact)
    if compact in FREQUENCY_SPELLINGS or compact.lower() in FREQUENCY_SPELLINGS:
        return FREQUENCY_SPELLINGS.get(compact) or FREQUENCY_SPELLINGS[compact.lower()]
    dcat = DCAT_RE.match(compact.upper())
    if dcat:
        if dcat.group(1) is None:
            return "realtime"
        return _every(int(dcat.group(1)), DCAT_UNITS[dcat.group(2)], calendar=True)
    every = EVERY_N_RE.match(text.lower())
    if every:
        n = every.group(1)
        return _every(CN_NUMBERS.get(n) or int(n), UNIT_WORDS[every.group(3)], calendar=False)
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
    "realtime": ("day", 1),
    "daily": ("day", 1),
    "weekly": ("day", 7),
    "monthly": ("month", 1),
    "quarterly": ("month", 3),
    "half_yearly": ("month", 6),
    "yearly": ("month", 12),
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
    "department": "部门清单",
    "catalog": "资源目录",
    "resource_update": "资源更新记录",
    "exchange_call": "接口调用日志",
    "sharing_request": "共享申请",
    "data_objection": "数据异议",
    "complaint": "投诉工单",
    "office_kpi": "办件指标",
}
# Alerts (issue #19): what a detector found, how bad it is, and where its handling stands
ALERT_KINDS = {
    "failure_rate": "接口失败率异常",
    "provider_outage": "部门接口集中中断",
    "volume_drop": "调用量骤降",
    "update_missed": "资源更新中断",
    "overdue_jump": "逾期资源占比上升",
    "suspicious_updates": "疑似虚假更新",
    "complaint_surge": "投诉量激增",
    "satisfaction_drop": "满意率下降",
    "cross_signal": "指标背离",
    "source_silent": "数据源未按时送数",
    "quarantine_jump": "隔离率上升",
    "file_failed": "文件读取失败",
}
ALERT_SEVERITIES = {"high": "高", "medium": "中", "low": "低"}
ALERT_STATES = {"new": "新", "acknowledged": "已确认", "resolved": "已解决"}
# audit target "kind:key" → what the kind is; the key is a category, a department id or a name
AUDIT_TARGETS = {
    "ranking": "排名",
    "bulletin": "通报",
    "evidence": "部门证据",
    "faults": "错误码",
    "failed_calls": "失败调用",
    "complaints": "投诉工单",
    "supervision": "督办事项",
    "publication": "考核发布",
    "gains": "提分清单",
    "my_scores": "我的得分",
    "summary": "一页纸",
    "sources": "数据源状态",
    "quarantine": "隔离记录",
    "score_snapshot": "评分快照",
    "score_adjustment": "得分调整",
    "alert": "预警",
}

NUMBERED_TARGETS = ("score_snapshot", "score_adjustment", "supervision", "publication", "alert")  # keys are record ids


def audit_target_label(target: str | None, dept_names: dict[int, str]) -> str:
    """'ranking:city_dept' → '排名（市直部门）', 'evidence:3' → '部门证据（市卫健委）'; others as they are."""
    if not target:
        return ""
    kind, _, key = target.partition(":")
    if kind not in AUDIT_TARGETS:
        return target
    if key.isdigit() and kind not in NUMBERED_TARGETS:
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
