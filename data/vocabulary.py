"""The domain's words, defined once: categories, share types, satisfaction values, tiers
and update frequencies (their spellings, canonical form, Chinese label and slots).

Collectors map source spellings to these codes, metrics compute with them and pages show
their labels; a new value is added here and nowhere else.
"""
from __future__ import annotations

import re
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
