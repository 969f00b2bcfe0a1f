"""Exchange detectors on hand-built daily rollups with hand-placed anomalies."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from metrics.alerts import DETECTION_COLUMNS, detect
from tests.metrics.alert_frames import RULES, days, frame, inputs

D0 = date(2026, 3, 1)


def steady(provider: int, services: list[str], n_days: int, calls: int, failures: int) -> list[tuple]:
    return [(d, provider, s, calls, failures) for d in days(D0, n_days) for s in services]


def test_provider_outage_on_its_days_and_not_after():
    """Provider 1's three services answer 10 calls a day with 1 failure for 30 days; on days
    28 and 29 all three fail 10 of 10; on day 30 they recover. Provider 2 has one bad service
    (10 of 10) on day 28 beside a healthy one: 1 of 2 failing is not an outage."""
    rows = steady(1, ["a", "b", "c"], 31, 10, 1) + steady(2, ["x", "y"], 31, 10, 0)
    rows = [r for r in rows if not (r[0] in days(D0 + timedelta(days=28), 2) and r[1] == 1)]
    rows += [(d, 1, s, 10, 10) for d in days(D0 + timedelta(days=28), 2) for s in ["a", "b", "c"]]
    rows = [r for r in rows if not (r[0] == D0 + timedelta(days=28) and r[2] == "x")] + [
        (D0 + timedelta(days=28), 2, "x", 10, 10)
    ]
    checked = days(D0 + timedelta(days=27), 4)
    out = detect(inputs(D0, D0 + timedelta(days=30), service_days=frame("service_days", rows)), checked, RULES)
    out = out[out["kind"] == "provider_outage"]
    assert tuple(out.columns) == DETECTION_COLUMNS
    assert list(out["day"]) == [D0 + timedelta(days=28), D0 + timedelta(days=29)]
    assert set(out["subject"]) == {"dept:1"} and set(out["dept_code"]) == {1}
    first = out.iloc[0]
    assert first["value"] == 1.0
    # baseline: the 28 days before day 28 at 3 × 10 calls and 3 × 1 failures a day = 10 %
    assert first["baseline"] == pytest.approx(0.1)
    assert first["severity"] == "high"
    assert "3/3 个接口" in first["message"] and "全天 30 次调用失败 30 次" in first["message"]
    assert [e["接口"] for e in first["evidence"]] == ["a", "b", "c"]
    # the second day's baseline holds the first outage day: (27 × 3 + 30) / (28 × 30)
    assert out.iloc[1]["baseline"] == pytest.approx((27 * 3 + 30) / 840)


def test_outage_needs_enough_services_and_calls():
    """Two calls per service are below min_service_calls (3): nothing counts that day."""
    rules = replace(RULES, provider_outage=replace(RULES.provider_outage, min_service_calls=3))
    rows = [(D0, 1, s, 2, 2) for s in ["a", "b", "c"]]
    out = detect(inputs(D0, D0, service_days=frame("service_days", rows)), [D0], rules)
    assert out.empty


def test_failure_rate_against_the_service_own_baseline():
    """Service a: 100 calls a day with 2 failures for 28 days (baseline 2 %), then 100 calls
    with 20 failures on day 28: 18 points above, P(X ≥ 20 | λ = 2) ≈ 5.6e-15 → alerted, 中.
    Day 29: 100 calls, 5 failures: 3 points above, below min_excess → not alerted. Service b
    fails 20 % every day: that is its own baseline, never alerted."""
    rows = steady(1, ["a"], 28, 100, 2) + steady(1, ["b"], 30, 100, 20)
    rows += [(D0 + timedelta(days=28), 1, "a", 100, 20), (D0 + timedelta(days=29), 1, "a", 100, 5)]
    checked = days(D0 + timedelta(days=28), 2)
    out = detect(inputs(D0, D0 + timedelta(days=29), service_days=frame("service_days", rows)), checked, RULES)
    out = out[out["kind"] == "failure_rate"]
    assert list(zip(out["subject"], out["day"])) == [("service:1/a", D0 + timedelta(days=28))]
    hit = out.iloc[0]
    assert (hit["value"], hit["baseline"], hit["severity"]) == (pytest.approx(0.2), pytest.approx(0.02), "medium")
    assert "调用 100 次失败 20 次" in hit["message"] and "（2800 次调用失败 56 次）" in hit["message"]


def test_failure_rate_is_not_repeated_on_an_outage_day():
    """Both services of provider 1 fail 100 of 100 on day 28: one outage row, no failure-rate rows."""
    rows = steady(1, ["a", "b"], 28, 100, 1) + [(D0 + timedelta(days=28), 1, s, 100, 100) for s in ["a", "b"]]
    day = D0 + timedelta(days=28)
    out = detect(inputs(D0, day, service_days=frame("service_days", rows)), [day], RULES)
    assert list(out["kind"]) == ["provider_outage"]


def test_volume_drop_compares_shares_of_all_calls():
    """Services a and b each take 100 calls a day for 35 days; from day 35 a gets 5 a day and b
    stays. On day 41 (the 7 days 35–41): a had 35 calls, its 50 % share of the 28 days before
    expects half of the window's 735 calls = 367.5 → 35 ≤ 25 % of 367.5 → alerted. On day 38
    (3 days normal, 4 low): 320 calls of 0.5 × 1020 = 510 expected, above 25 % → not yet."""
    rows = steady(1, ["a", "b"], 35, 100, 0) + [
        (D0 + timedelta(days=35 + k), 1, s, n, 0) for k in range(7) for s, n in (("a", 5), ("b", 100))
    ]
    checked = [D0 + timedelta(days=38), D0 + timedelta(days=41)]
    out = detect(inputs(D0, D0 + timedelta(days=41), service_days=frame("service_days", rows)), checked, RULES)
    out = out[out["kind"] == "volume_drop"]
    assert list(zip(out["subject"], out["day"])) == [("service:1/a", D0 + timedelta(days=41))]
    assert (out.iloc[0]["value"], out.iloc[0]["baseline"]) == (35.0, pytest.approx(367.5))


def test_holiday_week_is_not_a_volume_drop():
    """Every service's calls fall to a fifth for a week (a holiday): shares unchanged, no alert."""
    rows = steady(1, ["a", "b"], 35, 100, 0) + [
        (D0 + timedelta(days=35 + k), 1, s, 20, 0) for k in range(7) for s in "ab"
    ]
    day = D0 + timedelta(days=41)
    out = detect(inputs(D0, day, service_days=frame("service_days", rows)), [day], RULES)
    assert out.empty


def test_days_outside_what_was_read_are_refused():
    with pytest.raises(ValueError, match="超出已读取的数据范围"):
        detect(inputs(D0, D0, service_days=frame("service_days")), [D0 + timedelta(days=1)], RULES)
