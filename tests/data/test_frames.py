"""Call totals and top fault codes: whole months from the monthly tables, edge days from the
daily rollup and the raw failed calls, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert

from data import frames
from data.departments import add_departments
from data.models import ExchangeCall, ExchangeDaily, ExchangeFaultMonth, ExchangeServiceMonth
from data.months import month_split
from tests.metrics.builders import local


@pytest.mark.parametrize(
    "first_day, last_day, expected",
    [
        (
            date(2026, 1, 10),
            date(2026, 3, 20),
            (
                (date(2026, 2, 1), date(2026, 3, 1)),
                [(date(2026, 1, 10), date(2026, 1, 31)), (date(2026, 3, 1), date(2026, 3, 20))],
            ),
        ),
        (date(2026, 1, 1), date(2026, 12, 31), ((date(2026, 1, 1), date(2027, 1, 1)), [])),
        (
            date(2026, 1, 1),
            date(2026, 11, 22),
            ((date(2026, 1, 1), date(2026, 11, 1)), [(date(2026, 11, 1), date(2026, 11, 22))]),
        ),
        (date(2026, 2, 3), date(2026, 2, 20), (None, [(date(2026, 2, 3), date(2026, 2, 20))])),
        (date(2026, 1, 31), date(2026, 2, 1), (None, [(date(2026, 1, 31), date(2026, 2, 1))])),
    ],
)
def test_month_split(first_day, last_day, expected):
    assert month_split(first_day, last_day) == expected


@pytest.fixture
def calls_store(engine):
    """公安局 (1) serves S1 to 人社局 (2) from January to March; 人社局 serves S2 in February.
    The monthly tables hold what the collector folds from the same calls."""
    with engine.begin() as conn:
        add_departments(
            conn, [{"name": "市公安局", "category": "市直部门"}, {"name": "市人社局", "category": "市直部门"}]
        )
        conn.execute(
            insert(ExchangeDaily.__table__),
            [
                {
                    "day": day,
                    "provider_dept_id": p,
                    "consumer_dept_id": 3 - p,
                    "service_code": s,
                    "calls": c,
                    "failures": f,
                }
                for day, p, s, c, f in [
                    (date(2026, 1, 9), 1, "S1", 7, 1),
                    (date(2026, 1, 10), 1, "S1", 10, 1),
                    (date(2026, 1, 31), 1, "S1", 20, 2),
                    (date(2026, 2, 15), 1, "S1", 30, 3),
                    (date(2026, 2, 15), 2, "S2", 5, 5),
                    (date(2026, 3, 20), 1, "S1", 40, 4),
                    (date(2026, 3, 21), 1, "S1", 50, 5),
                ]
            ],
        )
        conn.execute(
            insert(ExchangeServiceMonth.__table__),
            [
                {"month": month, "provider_dept_id": p, "service_code": s, "calls": c, "failures": f}
                for month, p, s, c, f in [
                    (date(2026, 1, 1), 1, "S1", 7 + 10 + 20, 1 + 1 + 2),
                    (date(2026, 2, 1), 1, "S1", 30, 3),
                    (date(2026, 2, 1), 2, "S2", 5, 5),
                    (date(2026, 3, 1), 1, "S1", 40 + 50, 4 + 5),
                ]
            ],
        )
        conn.execute(
            insert(ExchangeCall.__table__),
            [
                {
                    "call_id": cid,
                    "requested_at": at,
                    "consumer_dept_id": 2,
                    "provider_dept_id": 1,
                    "service_code": "S1",
                    "succeeded": False,
                    "fault_code": code,
                }
                for cid, at, code in [
                    ("F1", local(2026, 1, 31, 23, 30), "E503"),
                    ("F2", local(2026, 2, 1, 0, 30), "E503"),
                    ("F3", local(2026, 2, 10), None),
                    ("F4", local(2026, 3, 5), "E404"),
                    ("F5", local(2026, 3, 25), "E404"),
                ]
            ],
        )
        conn.execute(
            insert(ExchangeFaultMonth.__table__),
            [
                {"month": month, "provider_dept_id": 1, "service_code": "S1", "fault_code": code, "failures": n}
                for month, code, n in [
                    (date(2026, 1, 1), "E503", 1),
                    (date(2026, 2, 1), "E503", 1),
                    (date(2026, 2, 1), "", 1),
                    (date(2026, 3, 1), "E404", 2),
                ]
            ],
        )
    return engine


def totals(engine, first_day, last_day) -> list[tuple]:
    with engine.connect() as conn:
        return list(frames.call_totals(conn, first_day, last_day).itertuples(index=False, name=None))


def faults(engine, first_day, last_day) -> list[tuple]:
    with engine.connect() as conn:
        df = frames.top_faults(conn, first_day, last_day)
    return sorted(df.itertuples(index=False, name=None), key=lambda r: (r[0], r[1], r[2] or ""))


def test_call_totals_add_whole_months_and_edge_days(calls_store):
    # 10–31 Jan from the days: 10 + 20 calls, 1 + 2 failures; February from its month: 30, 3;
    # 1–20 March from the days: 40, 4 → S1 100 calls, 10 failures; S2 only in February: 5, 5.
    assert totals(calls_store, date(2026, 1, 10), date(2026, 3, 20)) == [(1, "S1", 100, 10), (2, "S2", 5, 5)]
    # whole months only: 37 + 30 + 90 = 157 calls, 4 + 3 + 9 = 16 failures
    assert totals(calls_store, date(2026, 1, 1), date(2026, 3, 31)) == [(1, "S1", 157, 16), (2, "S2", 5, 5)]
    # inside one month: 15 February only
    assert totals(calls_store, date(2026, 2, 3), date(2026, 2, 20)) == [(1, "S1", 30, 3), (2, "S2", 5, 5)]
    assert totals(calls_store, date(2026, 4, 1), date(2026, 4, 30)) == []


def test_top_faults_add_whole_months_and_edge_days(calls_store):
    # E503: F1 (31 Jan, 23:30 local, raw edge day) + February's month (F2) = 2; no code: February's
    # month (F3) = 1; E404: F4 (5 March, raw edge day) = 1, F5 (25 March) is after the range.
    assert faults(calls_store, date(2026, 1, 10), date(2026, 3, 20)) == [
        (1, "S1", None, 1),
        (1, "S1", "E404", 1),
        (1, "S1", "E503", 2),
    ]
    # whole months: E503 1 + 1, no code 1, E404 2
    assert faults(calls_store, date(2026, 1, 1), date(2026, 3, 31)) == [
        (1, "S1", None, 1),
        (1, "S1", "E404", 2),
        (1, "S1", "E503", 2),
    ]
    # 1 February only, a raw edge day: F2 at 00:30 local
    assert faults(calls_store, date(2026, 2, 1), date(2026, 2, 1)) == [(1, "S1", "E503", 1)]


def test_service_latency_adds_the_months_a_period_touches(engine):
    with engine.begin() as conn:
        conn.execute(
            insert(ExchangeServiceMonth.__table__),
            [
                {
                    "month": month,
                    "provider_dept_id": 1,
                    "service_code": "S1",
                    "calls": n,
                    "failures": 0,
                    "duration_count": n,
                    "duration_sum_ms": ms,
                    "h2": h2,
                    "h6": h6,
                }
                for month, n, ms, h2, h6 in [
                    (date(2026, 1, 1), 10, 1_000, 9, 1),
                    (date(2026, 2, 1), 20, 3_000, 18, 2),
                    (date(2026, 3, 1), 40, 9_000, 30, 10),
                ]
            ],
        )
    with engine.connect() as conn:
        df = frames.service_latency(conn, date(2026, 1, 15), date(2026, 2, 10))
    # 15 January – 10 February touches January and February: 30 timed calls, 4,000 ms, h2 27, h6 3.
    assert list(
        df[["provider_dept_id", "service_code", "duration_count", "duration_sum_ms", "h2", "h6"]].itertuples(
            index=False, name=None
        )
    ) == [(1, "S1", 30, 4_000, 27, 3)]
    assert list(df.columns[2:]) == ["duration_count", "duration_sum_ms", *[f"h{i}" for i in range(12)]]
