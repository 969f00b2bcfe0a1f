"""A closed period is judged as of min(today, its end + the longest grace among its slots):
a 每月 resource that stopped updating in August is overdue in the September monthly view."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import insert, select

from data.departments import add_departments
from data.models import CatalogResource, OfficeKpi, ResourceUpdate, ScoreSnapshot
from data.periods import Period
from metrics import snapshots
from metrics.periods import evaluation_day, longest_grace
from metrics.scheme import load_scheme
from tests.metrics.builders import local

SCHEME = load_scheme(2026)  # grace: daily 1, weekly 2, monthly 5, quarterly 10, half_yearly 15, yearly 30


def stopped_in_august(engine) -> None:
    """市统计局's monthly R1, updated on the 3rd of January to August and then never again;
    its office cases of September are the period's records (a period without any is not scored)."""
    with engine.begin() as conn:
        add_departments(conn, [{"name": "市统计局", "category": "市直部门"}])
        conn.execute(
            insert(CatalogResource.__table__),
            [
                {
                    "resource_code": "R1",
                    "name": "统计月报",
                    "provider_dept_id": 1,
                    "share_type": "unconditional",
                    "update_frequency": "monthly",
                    "mounted": True,
                    "service_code": None,
                    "registered_at": date(2025, 6, 1),
                    "first_seen_at": datetime(2025, 6, 1),
                    "snapshot_at": datetime(2026, 11, 1),
                    "last_updated_at": local(2026, 8, 3),
                }
            ],
        )
        conn.execute(
            insert(ResourceUpdate.__table__),
            [{"resource_code": "R1", "provider_dept_id": 1, "updated_at": local(2026, m, 3)} for m in range(1, 9)],
        )
        conn.execute(
            insert(OfficeKpi.__table__),
            [
                {
                    "dept_id": 1,
                    "month": date(2026, 9, 1),
                    "cases_received": 100,
                    "cases_completed": 100,
                    "cases_on_time": 100,
                    "cases_online": 50,
                    "reviews_good": 10,
                    "reviews_bad": 0,
                }
            ],
        )


def test_longest_grace_of_the_slots_that_end_in_a_period():
    september, q3 = Period.parse("2026-09"), Period.parse("2026-Q3")
    assert longest_grace(september, SCHEME, ["monthly", "daily"]) == 5
    assert longest_grace(september, SCHEME, ["monthly", "quarterly"]) == 10  # Q3 ends on 09-30
    assert longest_grace(Period.parse("2026-08"), SCHEME, ["monthly", "quarterly"]) == 5
    assert longest_grace(q3, SCHEME, ["weekly", "every_2_days"]) == 2
    assert longest_grace(september, SCHEME, ["irregular"]) == 0
    # September 30 + 5 days; before then today, after then frozen
    assert evaluation_day(september, SCHEME, ["monthly"], date(2026, 11, 20)) == date(2026, 10, 5)
    assert evaluation_day(september, SCHEME, ["monthly"], date(2026, 10, 2)) == date(2026, 10, 2)


def test_a_stopped_monthly_resource_is_overdue_in_the_september_view(engine):
    stopped_in_august(engine)
    a = snapshots.compute(engine, "2026-09", today=date(2026, 11, 20))
    assert a.as_of == date(2026, 10, 5)
    ind = a.indicators.set_index(["dept_id", "key"]).loc[(1, "update_on_time")]
    # one September slot [09-01, 09-30], due 10-05, no update → 0 of 1
    assert (ind["numerator"], ind["denominator"], ind["score"]) == (0, 1, 0)
    ev = a.evidence[a.evidence["indicator"] == "update_on_time"].iloc[0]
    assert (ev["item_key"], ev["status"], ev["due_at"]) == ("R1", "overdue", pd.Timestamp("2026-10-05"))


def test_before_the_grace_ends_the_month_is_provisional_and_not_yet_judged(engine):
    stopped_in_august(engine)
    a = snapshots.compute(engine, "2026-09", today=date(2026, 10, 2))
    assert a.as_of == date(2026, 10, 2)
    assert a.indicators.set_index(["dept_id", "key"]).loc[(1, "update_on_time"), "status"] == "na"


@pytest.mark.slow
def test_refresh_freezes_the_month_once_its_grace_has_passed(engine):
    stopped_in_august(engine)
    snapshots.refresh_current(engine, today=date(2026, 10, 2))
    assert snapshots.refresh_current(engine, today=date(2026, 10, 6)) != []  # September judged as of 10-05
    t = ScoreSnapshot.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.as_of).where(t.c.period_key == "2026-09", t.c.status == "current")).all()
    assert rows == [(date(2026, 10, 5),)]
    written = snapshots.refresh_current(engine, today=date(2026, 10, 20))
    with engine.connect() as conn:
        keys = {k for (k,) in conn.execute(select(t.c.period_key).where(t.c.id.in_(written)))}
    assert "2026-09" not in keys  # frozen
