"""How stored numbers are shown: labels from the scheme, tiers, arrows, bands.

Formatting only: every number shown comes from a stored snapshot.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import pandas as pd

from data.periods import Period
from data.settings import get_settings
from data.vocabulary import CATEGORIES, FREQUENCY_LABELS, SHARE_TYPES, load_fault_labels
from metrics.scheme import Scheme, in_force_path, parse_scheme

NO_DATA = "无数据"
SMALL_SAMPLE = "样本少"
PART_YEAR = "部分年度"
BAND_COLOURS = {"green": "#1a9850", "yellow": "#fee08b", "red": "#d73027", "grey": "#d9d9d9"}
# Codes the store keeps in English that can appear inside evidence details.
CODE_LABELS = {**SHARE_TYPES, **FREQUENCY_LABELS}
ITEM_TYPES = {
    "resource": "共享资源",
    "request": "共享申请",
    "objection": "数据异议",
    "complaint": "投诉工单",
    "service": "接口服务",
}
ITEM_STATUS = {
    "late": "逾期",
    "overdue": "逾期未办",
    "open": "未办结",
    "unused": "无人调用",
    "failing": "调用失败",
    "unmounted": "未挂接",
    "flagged": "需核实",
}


def scheme_for(year: int) -> Scheme:
    """The scheme in force for `year`, read once per file version (the cache key holds the
    file, from PAOBAN_SCHEME_DIR, and its modification time)."""
    path = in_force_path(year)
    return _parsed(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _parsed(path: Path, _mtime: int) -> Scheme:
    return parse_scheme(path.read_text(encoding="utf-8"))


def indicator_label(scheme: Scheme, key: str) -> str:
    indicator = scheme.indicators.get(key)
    return indicator.name if indicator else key


def dimension_label(scheme: Scheme, key: str) -> str:
    return scheme.dimension_names.get(key, key)


def category_label(key: str) -> str:
    return CATEGORIES.get(key, key)


def missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def fmt_score(x) -> str:
    return NO_DATA if missing(x) else f"{float(x):.2f}"


def fmt_value(x, unit: str | None = None) -> str:
    if missing(x):
        return NO_DATA
    text = f"{float(x):,.2f}".rstrip("0").rstrip(".")
    return f"{text}{unit or ''}"


def fmt_points(x, sign: str) -> str:
    """Bonus or deduction points with their sign ("+1.5", "-2"); zero reads plain "0", never "-0"."""
    points = abs(float(x))
    return "0" if points == 0 else f"{sign}{points:g}"


def bonus_deduction(row) -> tuple[str, str]:
    """A score row's bonus and deduction as shown: ("+1.5", "0")."""
    return fmt_points(row["bonus"], "+"), fmt_points(row["deduction"], "-")


RANK_SPAN = "排名区间"
RANK_SPAN_HELP = (
    "考虑样本量后该部门可能的名次范围：按各比率指标的不确定性模拟 2000 次，"
    "90% 的情形落在此区间内。区间与相邻部门重叠时，名次先后不宜作为奖惩依据。"
)


def rank_span(best, worst) -> str:
    """'3–9' from a stored rank interval; '' without one."""
    return "" if missing(best) or missing(worst) else f"{int(best)}–{int(worst)}"


def rank_change(rank, prev_rank) -> str:
    """Arrow for a rank change: ↑ moved up (smaller rank), ↓ moved down, — unchanged."""
    if missing(rank):
        return ""
    if missing(prev_rank):
        return "新"
    step = int(prev_rank) - int(rank)
    if step > 0:
        return f"↑{step}"
    if step < 0:
        return f"↓{-step}"
    return "—"


def score_band(score, status: str, tiers: dict[str, float]) -> str:
    """Scorecard colour of an indicator score: green ≥ good, yellow ≥ fair, red below, grey N/A."""
    if status == "na" or missing(score):
        return "grey"
    if score >= tiers["good"]:
        return "green"
    if score >= tiers["fair"]:
        return "yellow"
    return "red"


def percentile(own, peers: list[float]) -> float | None:
    """Share of peers (the department included) scoring at or below `own`, in percent."""
    if missing(own) or not peers:
        return None
    return 100.0 * sum(1 for p in peers if p <= own) / len(peers)


def part_year(active_from, period: Period) -> bool:
    """A department founded inside the period: its score covers only part of it (部分年度)."""
    return not pd.isna(active_from) and period.start < pd.Timestamp(active_from).date() <= period.end


def founded_note(name: str, active_from, period: Period) -> str | None:
    """Why a department has no score, or only part of one, in a period (None: neither)."""
    if pd.isna(active_from) or pd.Timestamp(active_from).date() <= period.start:
        return None
    day = pd.Timestamp(active_from).date()
    if day > period.end:
        return f"{name}自 {day} 起纳入考核，{period.label}尚未设立或尚未纳入考核，没有得分。"
    return f"{PART_YEAR}：{name}自 {day} 起纳入考核，{period.label}的得分和排名只含此后的记录。"


def fault_labels() -> dict[str, str]:
    """The fault code dictionary the settings point at (PAOBAN_FAULT_CODES)."""
    return load_fault_labels(get_settings().fault_codes_file)


def styled_numbers(styler, frame: pd.DataFrame):
    """Counts as whole numbers and scores with 2 decimals in a Styler's display text, while
    the cells keep their numbers, so a header click sorts 10 after 9, not after 1."""
    counts = [c for c in frame.columns if pd.api.types.is_integer_dtype(frame[c])]
    scores = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    return styler.format("{:d}", subset=counts, na_rep="").format("{:.2f}", subset=scores, na_rep=NO_DATA)


def band_legend(tiers: dict[str, float]) -> str:
    """The heat map's legend with the scheme's thresholds."""
    good, fair = f"{tiers['good']:g}", f"{tiers['fair']:g}"
    return (
        f"绿色：得分 ≥ {good}（良好线）；黄色：{fair} ≤ 得分 < {good}（一般线）；红色：得分 < {fair}；灰色：{NO_DATA}。"
    )
