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
