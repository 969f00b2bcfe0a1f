"""Weighted contributions add up to the base total; the bridge from one total to another."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from metrics.comparison import Step, contribution, indicator_differences, total_bridge
from metrics.scheme import load_scheme
from metrics.scoring import score_units

SCHEME = load_scheme(2026)
COLUMNS = ["key", "dimension", "value", "score", "weight", "status"]


def frame(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def test_contributions_add_up_to_the_base_total_of_real_scoring():
    # mount 4/5 → 50, call 995/1000 → 100, case_on_time 95/100 → 50: base 65.556 (test_scoring)
    counts = pd.DataFrame(
        [(1, "mount_rate", 4, 5), (1, "call_success", 995, 1000), (1, "case_on_time", 95, 100)],
        columns=["unit", "indicator", "numerator", "denominator"],
    )
    ind, _, base = score_units(counts, pd.Index([1]), SCHEME)
    total = sum(contribution(r["weight"], r["score"]) for r in ind.to_dict("records"))
    assert total == pytest.approx(base[1]) == pytest.approx((40 * 1100 / 15 + 20 * 50) / 60)


def test_contribution_of_an_indicator_without_score_is_zero():
    assert contribution(8.0, None) == 0.0 and contribution(8.0, math.nan) == 0.0
    assert contribution(12.5, 80.0) == 10.0


A = frame(
    [
        ("mount_rate", "sharing", 95.0, 87.5, 8.0, "ok"),
        ("update_on_time", "updates", 100.0, 100.0, 25.0, "ok"),
        ("complaints_per_10k", "complaints", 4.0, 100.0, 15.0, "ok"),
    ]
)
B = frame(
    [
        ("mount_rate", "sharing", 90.0, 75.0, 8.0, "ok"),
        ("update_on_time", "updates", 75.0, 37.5, 25.0, "small"),
        ("complaints_per_10k", "complaints", None, None, 0.0, "na"),
    ]
)
ORDER = ["mount_rate", "call_success", "update_on_time", "complaints_per_10k"]


def test_differences_per_indicator():
    diff = indicator_differences(A, B, ORDER).set_index("key")
    assert list(diff.index) == ["mount_rate", "update_on_time", "complaints_per_10k"]  # call_success: neither
    assert diff.loc["mount_rate", "score_diff"] == 12.5  # 87.5 − 75
    assert diff.loc["mount_rate", "contribution_diff"] == pytest.approx(1.0)  # 8 × 87.5 % − 8 × 75 %
    assert diff.loc["update_on_time", "value_diff"] == 25.0
    assert diff.loc["update_on_time", "contribution_diff"] == pytest.approx(15.625)  # 25 − 25 × 37.5 %
    assert math.isnan(diff.loc["complaints_per_10k", "score_diff"])  # b has no data: 无数据
    assert diff.loc["complaints_per_10k", "contribution_diff"] == 15.0  # 15 − 0
    assert diff.loc["complaints_per_10k", "status_b"] == "na"


def test_bridge_runs_from_b_total_to_a_total():
    diff = indicator_differences(A, B, ORDER)
    a = {"total": 33.0, "bonus": 2.0, "deduction": 1.0}
    b = {"total": 10.0, "bonus": 0.0, "deduction": 3.0}
    steps = total_bridge(a, b, diff)
    # indicators 15.625 + 15 + 1 = 31.625, bonus +2, deduction 3 → 1 gives +2: 35.625;
    # the totals differ by 23 only, so 12.625 went to capping (其他)
    assert steps == [
        Step("indicator", "update_on_time", pytest.approx(15.625)),
        Step("indicator", "complaints_per_10k", 15.0),
        Step("indicator", "mount_rate", pytest.approx(1.0)),
        Step("bonus", "bonus", 2.0),
        Step("deduction", "deduction", 2.0),
        Step("other", "other", pytest.approx(-12.625)),
    ]
    assert sum(s.amount for s in steps) == pytest.approx(33.0 - 10.0)


def test_no_bridge_when_a_side_has_no_total():
    diff = indicator_differences(A, frame([]), ORDER)
    assert math.isnan(diff.set_index("key").loc["mount_rate", "contribution_b"])
    assert total_bridge({"total": 50.0, "bonus": 0, "deduction": 0}, {"total": None}, diff) == []
