"""The detectors' thresholds, read from a TOML rules file (data/alert_rules.toml, or the
file PAOBAN_ALERT_RULES names): every number a detector uses is a setting there, with its
meaning written beside it, and a missing or unknown setting stops with a message saying
which one."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path


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
class AlertRules:
    provider_outage: OutageRules
    failure_rate: FailureRules
    volume_drop: VolumeRules
    source: str = ""

    @property
    def lookback_days(self) -> int:
        """Days before the first checked day that any detector's baseline reaches back."""
        return max(_reach(getattr(self, f.name)) for f in fields(self) if f.name != "source")


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


_SECTIONS = {"provider_outage": OutageRules, "failure_rate": FailureRules, "volume_drop": VolumeRules}
