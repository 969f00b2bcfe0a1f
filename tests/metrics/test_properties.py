"""Property tests: monotone in on-time updates, scores in [0, 100], ranks consistent with ties."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.periods import Period
from metrics.assessment import assess
from metrics.indicators import DEFINITIONS
from metrics.scheme import load_scheme
from metrics.scoring import competition_rank, score_units
from tests.metrics.builders import inputs, local

SCHEME = load_scheme(2026)
FREQS = ["daily", "weekly", "monthly", "quarterly", "every_3_days", "every_2_weeks", "every_2_months"]
YEAR_START = date(2026, 1, 1)


def total_of(resources, updates, extra_office=True):
    first = {}
    for code, at in updates:
        first[code] = min(first.get(code, at), at)
    inp = inputs(
        resources=resources,
        updates=[{"resource_code": c, "updated_at": at} for c, at in updates],
        first_updates=[{"resource_code": c, "first_update": at} for c, at in first.items()],
        office=[{"dept_id": 1, "month": datetime(2026, 3, 1), "cases_completed": 100, "cases_on_time": 95}]
        if extra_office
        else [],
    )
    a = assess(inp, Period.parse("2026-Q2"), date(2026, 6, 30), SCHEME)
    return a.departments.set_index("dept_id").loc[1, "total"]


resource_sets = st.lists(st.tuples(st.sampled_from(FREQS), st.integers(0, 150)), min_size=1, max_size=4)
day_offsets = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 180)), max_size=25)


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(resource_sets, day_offsets, st.tuples(st.integers(0, 3), st.integers(0, 180)))
def test_adding_an_update_never_lowers_the_score(res, ups, extra):
    # history starts at registration (first listed then), so an update can only turn slots on time
    resources = [
        {
            "resource_code": f"R{i}",
            "provider_dept_id": 1,
            "update_frequency": f,
            "registered_at": YEAR_START + timedelta(days=reg),
            "first_seen_at": datetime(2025, 1, 1),
        }
        for i, (f, reg) in enumerate(res)
    ]
    n = len(resources)
    updates = sorted({(f"R{i % n}", local(2026, 1, 1) + timedelta(days=d)) for i, d in ups})
    more = sorted(set(updates) | {(f"R{extra[0] % n}", local(2026, 1, 1) + timedelta(days=extra[1]))})
    assert total_of(resources, more) >= total_of(resources, updates)


counts_strategy = st.lists(
    st.tuples(st.integers(1, 4), st.sampled_from(sorted(DEFINITIONS)), st.integers(0, 1000), st.integers(0, 1000)),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(counts_strategy)
def test_scores_stay_in_0_100(rows):
    rows = [(u, k, min(n, d) if k != "complaints_per_10k" else n, d) for u, k, n, d in rows]
    counts = pd.DataFrame(rows, columns=["unit", "indicator", "numerator", "denominator"])
    ind, dims, base = score_units(counts, pd.Index([1, 2, 3, 4]), SCHEME)
    for series in (ind["score"], dims["score"], base):
        s = series.dropna()
        assert ((s >= 0) & (s <= 100 + 1e-9)).all()
    for unit, w in ind.groupby("unit")["weight"].sum().items():
        assert abs(w - 100) < 1e-6 or (w == 0 and pd.isna(base[unit]))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(0, 100).map(lambda x: round(x, 1))), min_size=1, max_size=30))
def test_ranks_are_a_permutation_with_ties(totals):
    s = pd.Series(totals, dtype=float)
    ranks = competition_rank(s)
    scored = s.dropna()
    assert ranks[s.isna()].isna().all()
    for i, t in scored.items():
        assert ranks[i] == 1 + (scored > t).sum()  # "1,1,3": one plus those strictly ahead
    if len(scored):
        assert sorted(ranks.dropna())[0] == 1 and max(ranks.dropna()) <= len(scored)
