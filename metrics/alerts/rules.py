"""The detectors' thresholds, read from a TOML rules file (data/alert_rules.toml, or the
file PAOBAN_ALERT_RULES names): every number a detector uses is a setting there, with its
meaning written beside it, and a missing or unknown setting stops with a message saying
which one."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import get_type_hints


class AlertRulesError(ValueError):
    """The rules file cannot be used as it is; the message says what to change."""


@dataclass(frozen=True)
class OutageRules:
    min_service_calls: int
    service_failure_rate: float
    min_services: int
    failing_share: float
    baseline_days: int


@dataclass(frozen=True)
class FailureRules:
    min_calls: int
    baseline_days: int
    min_baseline_calls: int
    min_baseline_rate: float
    min_excess: float
    p_value: float
    high_rate: float


@dataclass(frozen=True)
class VolumeRules:
    window_days: int
    baseline_days: int
    min_baseline_calls: int
    min_expected_calls: int
    drop_ratio: float

    @property
    def lookback_days(self) -> int:
        return self.window_days + self.baseline_days


@dataclass(frozen=True)
class UpdateRules:
    prior_slots: int
    prior_days: int
    history_days: int


@dataclass(frozen=True)
class OverdueRules:
    window_days: int
    min_resources: int
    min_share: float
    min_jump: float
    min_new: int

    @property
    def lookback_days(self) -> int:
        return self.window_days


@dataclass(frozen=True)
class SuspiciousRules:
    tolerance_days: int
    min_resources: int
    min_share: float
    min_slot_months: int
    window_days: int
    min_moves: int
    every_share: float


@dataclass(frozen=True)
class ComplaintRules:
    window_days: int
    baseline_days: int
    min_baseline_days: int
    min_count: int
    min_ratio: float
    min_baseline_count: float
    p_value: float
    high_ratio: float

    @property
    def lookback_days(self) -> int:
        return self.window_days + self.baseline_days


@dataclass(frozen=True)
class SatisfactionRules:
    window_days: int
    baseline_days: int
    min_rated: int
    min_baseline_rated: int
    min_drop: float
    p_value: float

    @property
    def lookback_days(self) -> int:
        return self.window_days + self.baseline_days


@dataclass(frozen=True)
class SilentRules:
    min_deliveries: int
    min_interval_hours: float
    max_gaps: float
    baseline_days: int


@dataclass(frozen=True)
class QuarantineRules:
    baseline_days: int
    min_rows: int
    min_baseline_rows: int
    min_jump: float
    ratio: float


@dataclass(frozen=True)
class FailedRunRules:
    hold_days: int


@dataclass(frozen=True)
class CrossRules:
    window_days: int
    min_calls: int
    min_resources: int
    fine_failure_rate: float
    fine_overdue_share: float
    poor_failure_rate: float
    poor_overdue_share: float
    prior_months: int
    min_cases: int
    case_drop: float

    @property
    def lookback_days(self) -> int:
        return max(self.window_days, 31 * (self.prior_months + 1))


@dataclass(frozen=True)
class AlertRules:
    provider_outage: OutageRules
    failure_rate: FailureRules
    volume_drop: VolumeRules
    update_missed: UpdateRules
    overdue_jump: OverdueRules
    suspicious_updates: SuspiciousRules
    complaint_surge: ComplaintRules
    satisfaction_drop: SatisfactionRules
    source_silent: SilentRules
    quarantine_jump: QuarantineRules
    file_failed: FailedRunRules
    cross_signal: CrossRules
    source: str = ""

    @property
    def lookback_days(self) -> int:
        """Days before the first checked day that any detector's baseline reaches back."""
        return max(_reach(getattr(self, f.name)) for f in fields(self) if f.name != "source")

    @property
    def update_history_days(self) -> int:
        """Days of update events read before the first checked day: the missed-slot test looks
        back over the resources' prior slots."""
        return max(self.update_missed.history_days, self.suspicious_updates.window_days, self.lookback_days)

    @property
    def service_history_days(self) -> int:
        """Days of the daily call rollup read before the first checked day: the exchange
        detectors' windows and the cross-signal's, shorter than the case months the grid spans."""
        return max(
            _reach(self.provider_outage),
            _reach(self.failure_rate),
            _reach(self.volume_drop),
            self.cross_signal.window_days,
        )

    @property
    def run_history_days(self) -> int:
        """Days of collector runs read before the first checked day: catalog snapshots are
        counted over the suspicious-updates window."""
        return max(self.suspicious_updates.window_days, self.lookback_days)


def _reach(section) -> int:
    return getattr(section, "lookback_days", getattr(section, "baseline_days", 0))


def load_rules(path: Path | str | None = None) -> AlertRules:
    """The rules in `path`, else in the settings' PAOBAN_ALERT_RULES file."""
    if path is None:
        from data.settings import get_settings

        path = get_settings().alert_rules_file
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AlertRulesError(f"预警规则文件 {path} 不存在：请检查 PAOBAN_ALERT_RULES 设置") from exc
    except tomllib.TOMLDecodeError as exc:
        raise AlertRulesError(f"预警规则文件 {path} 格式有误：{exc}") from exc
    sections = {}
    for f in fields(AlertRules):
        if f.name == "source":
            continue
        sections[f.name] = _section(path, f.name, raw.pop(f.name, None), _SECTIONS[f.name])
    if raw:
        raise AlertRulesError(f"预警规则文件 {path} 中有无法识别的规则组：{'、'.join(sorted(raw))}")
    return AlertRules(**sections, source=str(path))


def _section(path: Path, name: str, values, cls):
    if not isinstance(values, dict):
        raise AlertRulesError(f"预警规则文件 {path} 缺少规则组 [{name}]")
    wanted = {f.name: f.type for f in fields(cls)}
    missing = [k for k in wanted if k not in values]
    unknown = [k for k in values if k not in wanted]
    if missing or unknown:
        parts = ([f"缺少 {'、'.join(missing)}"] if missing else []) + (
            [f"无法识别 {'、'.join(unknown)}"] if unknown else []
        )
        raise AlertRulesError(f"预警规则文件 {path} 的 [{name}]：{'；'.join(parts)}")
    out = {}
    for key, kind in wanted.items():
        v = values[key]
        ok = (
            isinstance(v, int) and not isinstance(v, bool)
            if kind == "int"
            else isinstance(v, (int, float)) and not isinstance(v, bool)
        )
        if not ok or v < 0:
            raise AlertRulesError(
                f"预警规则文件 {path} 的 [{name}] {key} 应为非负{'整数' if kind == 'int' else '数'}，当前为 {v!r}"
            )
        out[key] = float(v) if kind == "float" else v
    return cls(**out)


_SECTIONS = {name: cls for name, cls in get_type_hints(AlertRules).items() if name != "source"}
