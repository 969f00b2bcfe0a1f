"""An exemption takes its evidence rows out of its one indicator, and says so in the explanation."""

from __future__ import annotations

import pandas as pd
import pytest

from data.periods import Period
from metrics.assessment import assess
from metrics.scheme import load_scheme
from tests.metrics.builders import day, inputs

CALLS = [
    {"provider_dept_id": 1, "service_code": "S1", "calls": 1000, "failures": 10},
    {"provider_dept_id": 1, "service_code": "S2", "calls": 5, "failures": 5},
    {"provider_dept_id": 1, "service_code": "S9", "calls": 95, "failures": 0},
]
RESOURCES = [
    {
        "resource_code": "R1",
        "provider_dept_id": 1,
        "share_type": "unconditional",
        "update_frequency": "monthly",
        "mounted": True,
        "service_code": "S1",
    },
    {
        "resource_code": "R2",
        "provider_dept_id": 1,
        "share_type": "unconditional",
        "update_frequency": "monthly",
        "mounted": True,
        "service_code": "S2",
    },
]
OUTAGE = {"dept_id": 1, "indicator": "call_success", "item_type": "service", "item_key": "S2", "appeal_id": 7}


def run(exempt: list[dict]):
    inp = inputs(resources=RESOURCES, calls=CALLS)
    inp.exemptions = pd.DataFrame(exempt, columns=list(OUTAGE)).astype({"dept_id": "int64", "appeal_id": "int64"})
    scheme = load_scheme(2026)
    a = assess(inp, Period.parse("2026-Q2"), day("2026-06-30"), scheme, input_digest="x")
    return inp, scheme, a, a.indicators.set_index(["dept_id", "key"])


def test_exempted_service_leaves_call_success_only():
    _, _, before, ind0 = run([])
    _, _, after, ind1 = run([OUTAGE])
    # S2 (5 calls, all failed) leaves call_success: 1085/1100 → 1085/1095
    assert (ind0.at[(1, "call_success"), "numerator"], ind0.at[(1, "call_success"), "denominator"]) == (1085, 1100)
    assert (ind1.at[(1, "call_success"), "numerator"], ind1.at[(1, "call_success"), "denominator"]) == (1085, 1095)
    # score (value − floor 90) ÷ (target 99.5 − 90) × 100
    assert ind1.at[(1, "call_success"), "score"] == pytest.approx((108500 / 1095 - 90) / 9.5 * 100)
    assert ind0.at[(1, "call_success"), "score"] == pytest.approx(1000 / 11)
    # usage_rate still counts R2 (its service S2 had no success): 1 of 2 either way
    assert (ind1.at[(1, "usage_rate"), "numerator"], ind1.at[(1, "usage_rate"), "denominator"]) == (1, 2)
    ev = after.evidence
    assert "S2" not in set(ev[(ev["indicator"] == "call_success")]["item_key"])
    assert "S2" in set(before.evidence[before.evidence["indicator"] == "call_success"]["item_key"])
    assert "经申诉复核采纳（申诉 7），豁免 1 条：S2，不计入本指标" in str(ind1.at[(1, "call_success"), "explanation"])
    # the total moves by call_success's effective weight × its score change ÷ 100
    weight = ind1.at[(1, "call_success"), "weight"]
    delta = (ind1.at[(1, "call_success"), "score"] - ind0.at[(1, "call_success"), "score"]) * weight / 100
    t0 = before.departments.set_index("dept_id").at[1, "base_total"]
    t1 = after.departments.set_index("dept_id").at[1, "base_total"]
    assert t1 - t0 == pytest.approx(delta, abs=0.011)  # totals are rounded to the hundredth


def test_digest_without_exemptions_is_unchanged_and_with_them_differs():
    plain = inputs(resources=RESOURCES, calls=CALLS)
    scheme, period = load_scheme(2026), Period.parse("2026-Q2")
    base = plain.digest(period, day("2026-06-30"), scheme)
    inp, _, _, _ = run([OUTAGE])
    assert inp.digest(period, day("2026-06-30"), scheme) != base
    inp.exemptions = inp.exemptions.iloc[0:0]
    assert inp.digest(period, day("2026-06-30"), scheme) == base
