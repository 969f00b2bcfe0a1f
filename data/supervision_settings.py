"""The supervision loop's settings, read from the year's scheme file (optional [supervision] table).

They belong to the scheme because they are part of the year's rules the departments are told
about; data/ reads the TOML itself (it imports nothing from metrics/). Missing keys take the
defaults below, so an older scheme file still works.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from data.settings import get_settings

FINDING_KINDS = {
    "resource": "目录资源未按时更新",
    "request": "共享申请超时答复",
    "objection": "数据异议超时处理",
    "complaint": "投诉工单超时办结",
    "service": "接口服务故障",
    "unused": "资源无人调用",
    "indicator": "指标整体偏低",
}
DEFAULT_DEADLINES = {
    "resource": 5,
    "request": 5,
    "objection": 5,
    "complaint": 5,
    "service": 3,
    "unused": 10,
    "indicator": 15,
}


class SupervisionSettingsError(ValueError):
    """A [supervision] table that cannot be used, naming the key at fault."""


@dataclass(frozen=True)
class SupervisionSettings:
    deadline_workdays: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_DEADLINES))
    remind_before_workdays: int = 2
    escalate_after_workdays: int = 5
    publicity_workdays: int = 5
    appeal_window_workdays: int = 5
    interview_bottom: int = 3  # 约谈: in the bottom N of the category …
    interview_periods: int = 3  # … for K consecutive months

    def deadline_for(self, kind: str) -> int:
        if kind not in self.deadline_workdays:
            raise SupervisionSettingsError(f"未知的督办类型 {kind!r}，可选：{'、'.join(FINDING_KINDS)}")
        return self.deadline_workdays[kind]


def scheme_file(year: int, scheme_dir: Path) -> Path | None:
    """The year's scheme file, or the nearest earlier one (as metrics.scheme.load_scheme picks)."""
    years = sorted(int(p.stem) for p in scheme_dir.glob("*.toml") if p.stem.isdigit())
    earlier = [y for y in years if y <= year] or years[:1]
    return scheme_dir / f"{earlier[-1]}.toml" if earlier else None


def _positive(table: dict, key: str, where: str, default: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise SupervisionSettingsError(f"考核方案 {where}{key} 应为正整数（工作日），当前为 {value!r}")
    return value


def parse_settings(text: str) -> SupervisionSettings:
    raw = tomllib.loads(text).get("supervision", {})
    deadlines = dict(DEFAULT_DEADLINES)
    for kind, days in raw.get("deadline_workdays", {}).items():
        if kind not in FINDING_KINDS:
            raise SupervisionSettingsError(f"考核方案 supervision.deadline_workdays.{kind}：未知的督办类型")
        deadlines[kind] = _positive({kind: days}, kind, "supervision.deadline_workdays.", 1)
    return SupervisionSettings(
        deadline_workdays=deadlines,
        remind_before_workdays=_positive(raw, "remind_before_workdays", "supervision.", 2),
        escalate_after_workdays=_positive(raw, "escalate_after_workdays", "supervision.", 5),
        publicity_workdays=_positive(raw, "publicity_workdays", "supervision.", 5),
        appeal_window_workdays=_positive(raw, "appeal_window_workdays", "supervision.", 5),
        interview_bottom=_positive(raw, "interview_bottom", "supervision.", 3),
        interview_periods=_positive(raw, "interview_periods", "supervision.", 3),
    )


def settings_for(year: int) -> SupervisionSettings:
    path = scheme_file(year, get_settings().scheme_dir)
    return parse_settings(path.read_text(encoding="utf-8")) if path else SupervisionSettings()


def adjustment_caps(year: int) -> tuple[float, float]:
    """(bonus cap, deduction cap) of the year's scheme: an appeal's adjustment stays within them."""
    path = scheme_file(year, get_settings().scheme_dir)
    raw = tomllib.loads(path.read_text(encoding="utf-8")).get("adjustments", {}) if path else {}
    return float(raw.get("bonus_cap", 0)), float(raw.get("deduction_cap", 0))
