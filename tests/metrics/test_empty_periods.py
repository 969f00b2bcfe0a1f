"""A period without any record is not scored or ranked: the catalog alone is today's state."""

from __future__ import annotations

from datetime import date

import pytest

from metrics import snapshots
from metrics.assessment import NO_RECORDS
from tests.metrics.store import seed

TODAY = date(2026, 11, 20)


@pytest.fixture
def city(engine):
    seed(engine)
    return engine


def test_a_period_before_any_record_is_not_ranked(city):
    # the seed's records start on 2026-01-03; R1 and R2 are in the catalog since 2025
    a = snapshots.compute(city, "2025-06", today=TODAY)
    assert a.departments["total"].isna().all() and a.departments["tier"].isna().all()
    assert a.departments["rank"].isna().all()
    assert set(a.indicators["status"]) == {"na"} and a.indicators["score"].isna().all()
    assert NO_RECORDS in a.notes


def test_a_period_with_records_is_ranked(city):
    a = snapshots.compute(city, "2026-01", today=TODAY)
    # 市数据局 updated R1 on 01-03: the January slot is on time → 1 of 1
    ind = a.indicators.set_index(["dept_id", "key"])
    assert (ind.loc[(1, "update_on_time"), "numerator"], ind.loc[(1, "update_on_time"), "denominator"]) == (1, 1)
    assert a.departments.set_index("dept_id").loc[1, "rank"] == 1
    assert NO_RECORDS not in a.notes
