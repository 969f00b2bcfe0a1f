"""Linear scoring, N/A spread, 样本少, caps, veto, tiers with the quota, ranks, 提分清单."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from data.periods import Period
from metrics.assessment import assess
from metrics.gains import gain_items
from metrics.scheme import load_scheme
from metrics.scoring import competition_rank, rank_departments, score_units, tiers
from tests.metrics.builders import day, inputs

SCHEME = load_scheme(2026)


def scores(rows: list[tuple], units=(1,)):
    counts = pd.DataFrame(rows, columns=["unit", "indicator", "numerator", "denominator"])
    return score_units(counts, pd.Index(units), SCHEME)


@pytest.mark.parametrize(
    "indicator, num, den, value, score",
    [
        ("mount_rate", 4, 5, 80.0, 50.0),  # floor 60, target 100: (80 − 60) / 40 × 100
        ("mount_rate", 1, 2, 50.0, 0.0),  # below the floor → 0
        ("mount_rate", 5, 5, 100.0, 100.0),
        ("call_success", 995, 1000, 99.5, 100.0),  # target 99.5
        ("call_success", 9475, 10000, 94.75, 50.0),  # (94.75 − 90) / 9.5 × 100
        ("complaints_per_10k", 55, 20000, 27.5, 50.0),  # lower is better: (50 − 27.5) / (50 − 5) × 100
        ("complaints_per_10k", 2, 10000, 2.0, 100.0),
        ("complaints_per_10k", 60, 10000, 60.0, 0.0),
    ],
)
def test_linear_scoring_between_floor_and_target(indicator, num, den, value, score):
    ind, _, _ = scores([(1, indicator, num, den)])
    row = ind.set_index("indicator").loc[indicator]
    assert row["value"] == pytest.approx(value) and row["score"] == pytest.approx(score)


def test_na_weight_is_spread_inside_the_dimension_and_over_dimensions():
    # sharing: mount 4/5 → 50 (w 8), call 995/1000 → 100 (w 7), the other four N/A:
    # dimension = (8×50 + 7×100) / 15 = 73.333. Only dimension with data → total 73.333.
    ind, dims, base = scores([(1, "mount_rate", 4, 5), (1, "call_success", 995, 1000)])
    assert base[1] == pytest.approx(1100 / 15)
    w = ind.set_index("indicator")["weight"]
    assert w["mount_rate"] == pytest.approx(100 * 8 / 15) and w["call_success"] == pytest.approx(100 * 7 / 15)
    assert w["open_rate"] == 0
    st = ind.set_index("indicator")["status"]
    assert st["open_rate"] == "na" and st["mount_rate"] == "ok" and st["call_success"] == "ok"
    # add office: case_on_time 95/100 → (95 − 90)/10 × 100 = 50 → office dimension 50.
    # total = (40 × 73.333 + 20 × 50) / (40 + 20) = 65.556
    _, dims, base = scores([(1, "mount_rate", 4, 5), (1, "call_success", 995, 1000), (1, "case_on_time", 95, 100)])
    assert base[1] == pytest.approx((40 * 1100 / 15 + 20 * 50) / 60)
    d = dims.set_index("dimension")
    assert d.loc["updates", "status"] == "na" and d.loc["sharing", "weight"] == pytest.approx(200 / 3)


def test_no_data_at_all_gives_no_total():
    _, _, base = scores([(1, "mount_rate", 0, 0)], units=(1, 2))
    assert base.isna().all()


def test_small_sample_flag():
    ind, _, _ = scores([(1, "mount_rate", 3, 4), (1, "open_rate", 4, 5)])
    st = ind.set_index("indicator")["status"]
    assert st["mount_rate"] == "small" and st["open_rate"] == "ok"


def office(dept, on_time, completed=100):
    return {"dept_id": dept, "month": datetime(2026, 1, 1), "cases_completed": completed, "cases_on_time": on_time}


def test_caps_veto_and_bounds_through_assess():
    # every department has only case_on_time: 98/100 → (98 − 90)/10 × 100 = 80 points.
    adj = [
        {"dept_id": 1, "kind": "bonus", "points": 3.0},
        {"dept_id": 1, "kind": "bonus", "points": 4.0},  # 7 → cap 5
        {"dept_id": 2, "kind": "deduction", "points": 12.0},  # → cap 10
        {"dept_id": 3, "kind": "veto", "points": 0.0},
    ]
    inp = inputs(office=[office(1, 98), office(2, 98), office(3, 100)], adjustments=adj)
    a = assess(inp, Period.parse("2026-01"), day("2026-01-31"), SCHEME)
    d = a.departments.set_index("dept_id")
    assert (d.loc[1, "bonus"], d.loc[1, "total"], d.loc[1, "tier"]) == (5, 85, "良好")  # 80 + 5
    assert (d.loc[2, "deduction"], d.loc[2, "total"], d.loc[2, "tier"]) == (10, 70, "一般")  # 80 − 10
    # dept 3 scores 100 but is vetoed → 较差; its category (区县) is ranked apart
    assert (d.loc[3, "total"], d.loc[3, "tier"], d.loc[3, "rank"], bool(d.loc[3, "vetoed"])) == (100, "较差", 1, True)
    assert list(d.loc[[1, 2], "rank"]) == [1, 2]


def test_total_is_capped_to_100_and_0():
    adj = [{"dept_id": 1, "kind": "bonus", "points": 5.0}, {"dept_id": 2, "kind": "deduction", "points": 10.0}]
    inp = inputs(office=[office(1, 100), office(2, 90)], adjustments=adj)
    d = assess(inp, Period.parse("2026-01"), day("2026-01-31"), SCHEME).departments.set_index("dept_id")
    assert d.loc[1, "total"] == 100 and d.loc[2, "total"] == 0  # 100 + 5 → 100; 0 − 10 → 0


def test_excellent_quota_per_category():
    # 10 departments: at most floor(0.3 × 10) = 3 may be 优秀; the fourth ≥ 90 becomes 良好.
    totals = pd.Series([95, 94, 93, 92, 85, 81, 75, 70, 60, 59.99])
    tier, demoted = tiers(totals, pd.Series(False, index=totals.index), SCHEME)
    assert list(tier) == ["优秀"] * 3 + ["良好"] * 3 + ["一般"] * 3 + ["较差"]
    assert list(demoted) == [False, False, False, True] + [False] * 6


def test_a_tie_at_the_quota_boundary_is_demoted_as_a_group():
    # quota 3; 93 and 93 share places 3–4, letting both in would make 4 优秀 → both 良好.
    totals = pd.Series([95, 94, 93, 93, 50, 50, 50, 50, 50, 50])
    tier, _ = tiers(totals, pd.Series(False, index=totals.index), SCHEME)
    assert list(tier[:4]) == ["优秀", "优秀", "良好", "良好"]


def test_small_category_has_no_quota_room():
    # 3 departments: floor(0.9) = 0 may be 优秀
    totals = pd.Series([99.0, 91.0, 50.0])
    tier, _ = tiers(totals, pd.Series(False, index=totals.index), SCHEME)
    assert list(tier) == ["良好", "良好", "较差"]


def test_competition_ranks_share_ties_and_skip():
    assert list(competition_rank(pd.Series([90.0, 85.0, 85.0, 70.0, None]))) == [1, 2, 2, 4, pd.NA]
    # totals equal to the hundredth tie
    assert list(competition_rank(pd.Series([80.001, 80.004, 79.0]))) == [1, 1, 3]


def test_ranks_are_within_category():
    df = pd.DataFrame(
        {
            "dept_id": [1, 2, 3, 4],
            "category": ["city_dept", "district", "city_dept", "district"],
            "total": [70.0, 60.0, 80.0, 65.0],
            "vetoed": [False] * 4,
        }
    )
    out = rank_departments(df, SCHEME).set_index("dept_id")
    assert list(out["rank"]) == [2, 2, 1, 1]


def test_gain_items_recompute_the_total():
    # request_on_time 3/4 = 75% → 37.5 points, the only indicator → total 37.5.
    counts = pd.DataFrame(
        [(1, "request_on_time", 3.0, 4.0)], columns=["dept_id", "indicator", "numerator", "denominator"]
    )
    fixes = pd.DataFrame(
        [
            # an overdue open request: answering counts it → 4/4 = 100 → +62.5
            (1, "request_on_time", "request", "Q9", "答复 Q9", pd.NaT, False, 1, 0, 0, 0),
            # a request due next week: 4/5 = 80% → 50 if answered, 3/5 = 60% → 0 if missed → 50 at stake
            (1, "request_on_time", "request", "Q10", "答复 Q10", pd.Timestamp("2026-04-03"), True, 1, 1, 0, 1),
        ],
        columns=[
            "dept_id",
            "indicator",
            "item_type",
            "item_key",
            "action",
            "deadline",
            "upcoming",
            "fix_num",
            "fix_den",
            "base_num",
            "base_den",
        ],
    )
    adj = pd.DataFrame({"bonus": [0.0], "deduction": [0.0]}, index=pd.Index([1], name="dept_id"))
    g = gain_items(counts, fixes, adj, SCHEME)
    assert list(g["item_key"]) == ["Q9", "Q10"]
    assert list(g["points"]) == [62.5, 50.0]
    assert list(g["upcoming"]) == [False, True]


def test_explanations_say_when_the_calendar_or_scheme_is_borrowed():
    # 2027 is beyond chinese_calendar 1.11 and has no scheme file of its own.
    from tests.metrics.builders import local

    inp = inputs(
        requests=[
            {
                "request_id": "Q",
                "provider_dept_id": 1,
                "submitted_at": local(2027, 1, 8),
                "answered_at": local(2027, 1, 11),
            }
        ]
    )
    a = assess(inp, Period.parse("2027-01"), day("2027-01-31"), load_scheme(2027))
    exp = a.indicators.set_index(["dept_id", "key"]).loc[(1, "request_on_time"), "explanation"]
    assert "2027 年的法定节假日与调休安排尚未收录，按周一至周五计算工作日" in exp["notes"]
    assert any("沿用 2026 年方案" in n for n in exp["notes"])
    assert exp["numerator"] == 1 and exp["denominator"] == 1


def test_input_digest_ignores_row_order_and_sees_every_change():
    from tests.metrics.builders import local

    rows = [
        {"request_id": "A", "provider_dept_id": 1, "submitted_at": local(2026, 3, 2)},
        {"request_id": "B", "provider_dept_id": 2, "submitted_at": local(2026, 3, 3)},
    ]
    period, as_of = Period.parse("2026-03"), day("2026-03-31")
    digest = inputs(requests=rows).digest(period, as_of, SCHEME)
    assert inputs(requests=rows[::-1]).digest(period, as_of, SCHEME) == digest
    answered = [{**rows[0], "answered_at": local(2026, 3, 3)}, rows[1]]
    assert inputs(requests=answered).digest(period, as_of, SCHEME) != digest
    assert inputs(requests=rows).digest(period, day("2026-03-30"), SCHEME) != digest
