"""The rules file and the tail probabilities the detectors test with."""

from __future__ import annotations

import math

import pytest

from data.settings import ROOT
from metrics.alerts import AlertRulesError, load_rules
from metrics.alerts.stats import poisson_upper

RULES_TEXT = (ROOT / "data" / "alert_rules.toml").read_text(encoding="utf-8")


def test_shipped_rules_load_and_reach_back():
    rules = load_rules()
    assert rules.provider_outage.service_failure_rate == 0.8
    # the longest baseline: cross-signal's 3 prior months of cases (31 × 4 days)
    assert rules.lookback_days == 124
    assert rules.update_history_days == 800
    # the daily call rollup: volume_drop's 7-day window after its 28-day baseline
    assert rules.service_history_days == 35


@pytest.mark.parametrize(
    "old,new,said",
    [
        ("min_services = 2", "", "[provider_outage]：缺少 min_services"),
        ("min_services = 2", "min_services = 2\nmin_servce = 3", "无法识别 min_servce"),
        ("min_services = 2", "min_services = 2.5", "min_services 应为非负整数，当前为 2.5"),
        ("drop_ratio = 0.25", "drop_ratio = -1", "drop_ratio 应为非负数"),
        ("[file_failed]", "[file_failed_x]", "缺少规则组 [file_failed]"),
    ],
)
def test_a_wrong_rules_file_says_what_to_change(tmp_path, old, new, said):
    path = tmp_path / "rules.toml"
    path.write_text(RULES_TEXT.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(AlertRulesError, match=said.replace("[", r"\[").replace("]", r"\]")):
        load_rules(path)


def test_missing_rules_file(tmp_path):
    with pytest.raises(AlertRulesError, match="PAOBAN_ALERT_RULES"):
        load_rules(tmp_path / "none.toml")


def test_poisson_tail_exact_and_approximate():
    # P(X ≥ 3 | 0.2) = 1 − e^−0.2 (1 + 0.2 + 0.02); P(X ≥ 1 | 0.5) = 1 − e^−0.5
    assert poisson_upper([3, 1, 0, 2], [0.2, 0.5, 4.0, 0.0]) == pytest.approx(
        [1 - math.exp(-0.2) * 1.22, 1 - math.exp(-0.5), 1.0, 0.0]
    )
    # beyond the exact range (Wilson–Hilferty): P(X ≥ 250 | 200) ≈ 3e-4 (normal approximation 2.4e-4)
    assert 2e-4 < poisson_upper(250, 200.0)[()] < 5e-4
