"""Wilson intervals, rank intervals by simulation, and empirical-Bayes shrinkage, with hand-computed numbers."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from data.periods import Period
from metrics.__main__ import fairness_report
from metrics.assessment import assess
from metrics.fairness import (
    category_prior,
    neighbours,
    rank_intervals,
    rate_interval,
    simulated_ranks,
    wilson_interval,
)
from metrics.gains import gain_items
from metrics.scheme import SchemeError, load_scheme, parse_scheme, scheme_path
from metrics.scoring import rank_departments, score_units
from tests.metrics.builders import day, inputs

SCHEME = load_scheme(2026)


@pytest.mark.parametrize(
    "x, n, low, high",
    [
        # z = 1.959964, z²/n = 0.960365: centre (0.75 + 0.480182)/1.960365 = 0.627527,
        # half 1.959964/1.960365 × √(0.1875/4 + 3.841459/64) = 0.326885
        (3, 4, 0.300642, 0.954413),
        # p = 0: centre = half = 0.480182/1.960365 = 0.244945
        (0, 4, 0.0, 0.489891),
        # p = 1, n = 400: z²/n = 0.009604, centre 1.004802/1.009604 = 0.995244,
        # half 1.959964/1.009604 × √(3.841459/640000) = 0.004756
        (400, 400, 0.990488, 1.0),
    ],
)
def test_wilson_interval_at_95_percent(x, n, low, high):
    lo, hi = wilson_interval([x], [n])
    assert lo[0] == pytest.approx(low, abs=1e-6) and hi[0] == pytest.approx(high, abs=1e-6)


def test_wilson_interval_without_denominator_is_empty():
    lo, hi = wilson_interval([0], [0])
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_simulated_ranks_are_competition_ranks_per_draw():
    totals = np.array([[90.0, 85.0, 85.0, 70.0], [10.0, 20.0, 30.0, 40.0]])
    assert simulated_ranks(totals).tolist() == [[1, 2, 2, 4], [4, 3, 2, 1]]


def ranked(rows: list[tuple], categories: dict[int, str], scheme=SCHEME, prior=None):
    """score_units → rank_departments → rank_intervals for departments with the given counts."""
    counts = pd.DataFrame(rows, columns=["unit", "indicator", "numerator", "denominator"])
    units = pd.Index(list(categories))
    ind, _, base = score_units(counts, units, scheme, prior)
    scores = pd.DataFrame(
        {"dept_id": units, "category": list(categories.values()), "total": base.round(2).to_numpy(), "vetoed": False}
    ).assign(bonus=0.0, deduction=0.0)
    scores = rank_departments(scores, scheme)
    return scores.merge(rank_intervals(ind, scores, scheme, prior), on="dept_id").set_index("dept_id")


def test_rank_interval_of_three_departments():
    # One indicator each, 申请按时答复率 (floor 60, target 100):
    # A 800000/1000000 = 80 % → 50 points, sure to ±0.1 point; C 700000/1000000 = 70 % → 25 points, as sure;
    # B 1/2 = 50 % → 0 points, rank 3, but its rate is Beta(1.5, 1.5) (Jeffreys):
    # F(x) = 1/2 + asin(2x − 1)/π + 2(2x − 1)√(x(1 − x))/π gives P(B > 80 %) = 0.142 and P(B < 70 %) = 0.748.
    # B ranks 1 (14 %), 2 (11 %) or 3 (75 %) → 1–3; A ranks 2 when B passes it (14 % ≥ 5 %) → 1–2;
    # C ranks 3 when B passes it (25 %) → 2–3.
    out = ranked(
        [
            (1, "request_on_time", 800_000, 1_000_000),
            (2, "request_on_time", 1, 2),
            (3, "request_on_time", 700_000, 1_000_000),
        ],
        {1: "city_dept", 2: "city_dept", 3: "city_dept"},
    )
    assert list(out["rank"]) == [1, 3, 2]
    assert list(zip(out["rank_best"], out["rank_worst"])) == [(1, 2), (1, 3), (2, 3)]


def test_twins_with_small_samples_share_an_interval_and_certain_ranks_stay_put():
    # A and B both 3/4 on 申请按时答复率: each passes the other half of the time → 1–2 both;
    # C is 0/1000000 (0 points), below both unless both fall under the 60 % floor together
    # (P(Beta(3.5, 1.5) < 0.6)² ≈ 0.28² ≈ 0.08 ≥ 5 %): 1–3.
    # The district D, alone in its category, is 1–1.
    out = ranked(
        [
            (1, "request_on_time", 3, 4),
            (2, "request_on_time", 3, 4),
            (3, "request_on_time", 0, 1_000_000),
            (4, "request_on_time", 1, 2),
        ],
        {1: "city_dept", 2: "city_dept", 3: "city_dept", 4: "district"},
    )
    assert list(zip(out["rank_best"], out["rank_worst"])) == [(1, 2), (1, 2), (1, 3), (1, 1)]


def test_large_samples_leave_the_published_rank():
    out = ranked(
        [(1, "call_success", 990_000, 1_000_000), (2, "call_success", 950_000, 1_000_000)],
        {1: "city_dept", 2: "city_dept"},
    )
    assert list(zip(out["rank_best"], out["rank_worst"])) == [(1, 1), (2, 2)]


def test_census_indicators_are_exact_however_few():
    # 资源挂接率 counts the department's own resources: 3/4 (37.5 points) vs 1/2 (0 points) is exact.
    out = ranked([(1, "mount_rate", 3, 4), (2, "mount_rate", 1, 2)], {1: "city_dept", 2: "city_dept"})
    assert list(zip(out["rank_best"], out["rank_worst"])) == [(1, 1), (2, 2)]
    assert rate_interval("mount_rate", 3, 4) is None
    assert rate_interval("request_on_time", 3, 4) == pytest.approx((30.0642, 95.4413), abs=1e-4)


def test_a_department_without_data_has_no_interval():
    out = ranked([(1, "request_on_time", 3, 4)], {1: "city_dept", 2: "city_dept"})
    assert out.loc[2, "rank_best"] is pd.NA and out.loc[1, "rank_best"] == 1


def test_shrinkage_toward_the_category_mean():
    # 申请按时答复率 (floor 60, target 100) in one category: A 3/4, B 90/100; pooled m = 93/104 = 0.894231.
    # κ = 5: A (3 + 5 × 0.894231)/(4 + 5) = 7.471154/9 = 83.0128 % → (83.0128 − 60)/40 × 100 = 57.532 points;
    #        B (90 + 4.471154)/105 = 89.9725 % → 74.931 points. The district E (1/2) has its own mean 1/2: 50 %.
    scheme = replace(SCHEME, shrink_small_samples=True, prior_strength=5.0)
    counts = pd.DataFrame(
        [(1, "request_on_time", 3, 4), (2, "request_on_time", 90, 100), (5, "request_on_time", 1, 2)],
        columns=["dept_id", "indicator", "numerator", "denominator"],
    )
    depts = pd.DataFrame({"dept_id": [1, 2, 5], "category": ["city_dept", "city_dept", "district"]})
    prior = category_prior(counts, depts, scheme.prior_strength)
    ind, _, _ = score_units(counts.rename(columns={"dept_id": "unit"}), pd.Index([1, 2, 5]), scheme, prior)
    rows = ind[ind["indicator"] == "request_on_time"].set_index("unit")
    assert rows.loc[1, "value"] == pytest.approx(83.0128, abs=1e-4)
    assert rows.loc[1, "score"] == pytest.approx(57.532, abs=1e-3)
    assert rows.loc[2, "value"] == pytest.approx(89.9725, abs=1e-4)
    assert rows.loc[5, "value"] == pytest.approx(50.0)
    # the observed counts and the 样本少 flag stay the raw ones
    assert (rows.loc[1, "numerator"], rows.loc[1, "denominator"], rows.loc[1, "status"]) == (3, 4, "small")


def test_shrinkage_leaves_rates_without_a_category_mean_and_non_rates():
    # 每万件投诉量 is not a share: no prior; a category with no data on a rate gives none.
    counts = pd.DataFrame(
        [(1, "complaints_per_10k", 3, 1000)], columns=["dept_id", "indicator", "numerator", "denominator"]
    )
    depts = pd.DataFrame({"dept_id": [1], "category": ["city_dept"]})
    assert category_prior(counts, depts, 5.0).empty


def test_scheme_shrinkage_option_is_off_in_2026_and_validated():
    text = scheme_path(2026).read_text(encoding="utf-8")
    assert (SCHEME.shrink_small_samples, SCHEME.prior_strength) == (False, 5.0)
    on = parse_scheme(text.replace("shrink_small_samples = false", "shrink_small_samples = true", 1))
    assert on.shrink_small_samples
    with pytest.raises(SchemeError, match="prior_strength 应大于 0"):
        parse_scheme(text.replace("prior_strength = 5", "prior_strength = 0", 1))
    with pytest.raises(SchemeError, match="应为 true 或 false"):
        parse_scheme(text.replace("shrink_small_samples = false", 'shrink_small_samples = "否"', 1))
    start, end = text.index("[scoring]"), text.index("[limits]")
    assert not parse_scheme(text[:start] + text[end:]).shrink_small_samples  # no [scoring]: no shrinkage


def test_small_sample_flag_follows_the_scheme_threshold():
    counts = pd.DataFrame([(1, "mount_rate", 7, 8)], columns=["unit", "indicator", "numerator", "denominator"])
    for threshold, status in ((5, "ok"), (10, "small")):
        ind, _, _ = score_units(counts, pd.Index([1]), replace(SCHEME, small_sample=threshold))
        assert ind.set_index("indicator").loc["mount_rate", "status"] == status


def test_neighbours_overlap_when_intervals_meet():
    # city: 1–2, 1–3, 3–3 → 1 and 2 overlap; 2 (…3) meets 3 (3…); a 4–4 after 3–3 does not overlap.
    departments = pd.DataFrame(
        {
            "dept_id": [1, 2, 3, 4, 5],
            "category": ["city_dept"] * 4 + ["district"],
            "rank": [1, 2, 3, 4, 1],
            "rank_best": [1, 1, 3, 4, 1],
            "rank_worst": [2, 3, 3, 4, 1],
        }
    )
    out = neighbours(departments).set_index("dept_id")
    assert list(out["overlaps_above"]) == [False, True, True, False, False]
    assert list(out["overlaps_below"]) == [True, True, False, False, False]


def test_fairness_report_shows_what_shrinkage_changes():
    # 按时办结率 only (floor 90, target 100), so each total is that score. City: 市数据局 2/2 → 100,
    # 市人社局 99/100 → 90, 市公安局 900/1000 → 0. Pooled m = 1001/1102 = 0.908348; κ = 5:
    # 市数据局 (2 + 4.541742)/7 = 93.4535 % → 34.53; 市人社局 (99 + 4.541742)/105 = 98.6112 % → 86.11;
    # 市公安局 (900 + 4.541742)/1005 = 90.0042 % → 0.04. 市数据局 falls from 1 to 2, 市人社局 rises to 1.
    # Tiers: 3 departments leave no room for 优秀 (floor(0.3 × 3) = 0), so 100 is 良好; 34.53 is 较差.
    departments = [
        {"dept_id": 1, "name": "市数据局", "category": "city_dept"},
        {"dept_id": 2, "name": "市人社局", "category": "city_dept"},
        {"dept_id": 4, "name": "市公安局", "category": "city_dept"},
    ]
    month = datetime(2026, 1, 1)
    office = [
        {"dept_id": d, "month": month, "cases_completed": n, "cases_on_time": x}
        for d, x, n in ((1, 2, 2), (2, 99, 100), (4, 900, 1000))
    ]
    inp = inputs(departments=departments, office=office)
    period, as_of = Period.parse("2026-01"), day("2026-01-31")
    a = assess(inp, period, as_of, SCHEME)
    shrunk = assess(inp, period, as_of, replace(SCHEME, shrink_small_samples=True))
    totals = shrunk.departments.set_index("name")["total"]
    assert list(totals[["市数据局", "市人社局", "市公安局"]]) == [34.53, 86.11, 0.04]
    text = "\n".join(fairness_report(a, shrunk))
    assert "【市直部门】3 个部门" in text
    assert "开启样本少收缩（先验强度 5）：2 个部门名次变化，1 个部门等次变化" in text
    row = next(line for line in text.splitlines() if "市数据局：" in line)
    assert row.split()[0] == "1" and "2（-1）" in row and "100.00 → 34.53（良好 → 较差）" in row


def test_gains_are_scored_with_the_same_shrinkage():
    # 申请按时答复率 3/4 with a prior of m = 0.5, κ = 5 (pseudo-counts 2.5 of 5):
    # now (3 + 2.5)/(4 + 5) = 61.11 % → 2.78 points; answering the late request on time gives
    # (4 + 2.5)/9 = 72.22 % → 30.56 points: the item is worth 27.78 (unshrunk: 75 % → 100 %, 62.5).
    scheme = replace(SCHEME, shrink_small_samples=True)
    counts = pd.DataFrame(
        [(1, "request_on_time", 3.0, 4.0)], columns=["dept_id", "indicator", "numerator", "denominator"]
    )
    fix = {"dept_id": 1, "indicator": "request_on_time", "item_type": "request", "item_key": "Q1", "action": "按时答复"}
    fixes = pd.DataFrame(
        [fix | {"deadline": pd.NaT, "upcoming": False, "fix_num": 1, "fix_den": 0, "base_num": 0, "base_den": 0}]
    )
    adjustments = pd.DataFrame({"bonus": [0.0], "deduction": [0.0]}, index=pd.Index([1], name="dept_id"))
    prior = pd.DataFrame({"unit": [1], "indicator": ["request_on_time"], "prior_num": [2.5], "prior_den": [5.0]})
    assert gain_items(counts, fixes, adjustments, scheme, prior)["points"].tolist() == [27.778]
    assert gain_items(counts, fixes, adjustments, SCHEME)["points"].tolist() == [62.5]
