"""data.alert_inputs.service_days on both engines: the rollup's rows of the window exactly,
read through the CSV text the database writes per day, whatever characters a service code
holds (quotes, commas, a line break, Chinese)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from data.alert_inputs import service_days
from data.models import ExchangeServiceDaily

D = date(2026, 5, 10)


# rows of the window [D, D + 1], in key order …
INSIDE = [
    (D, 1, "S1", 10, 2),
    (D, 1, 'a,"b"', 3, 0),
    (D, 2, "line\nbreak", 1, 1),
    (D, 2, "人口库", 25, 5),
    (date(2026, 5, 11), 2, "", 2, 1),
    (date(2026, 5, 11), 2, "it's", 4, 0),
]
# … and the days just before and after it
OUTSIDE = [(date(2026, 5, 9), 1, "S1", 7, 7), (date(2026, 5, 12), 1, "S1", 9, 9)]


def fill(engine) -> None:
    keys = ("day", "provider_dept_id", "service_code", "calls", "failures")
    with engine.begin() as conn:
        conn.execute(ExchangeServiceDaily.__table__.insert(), [dict(zip(keys, r)) for r in OUTSIDE + INSIDE[::-1]])


def test_service_days_are_the_window_rows_on_both_engines(engine):
    fill(engine)
    with engine.connect() as conn:
        got = service_days(conn, D, date(2026, 5, 11))
    assert list(got.columns) == ["day", "provider_dept_id", "service_code", "calls", "failures"]
    assert dict(got.dtypes.astype(str)) == {
        "day": "datetime64[ns]",
        "provider_dept_id": "int64",
        "service_code": "object",
        "calls": "int64",
        "failures": "int64",
    }
    assert list(got["day"]) == [pd.Timestamp(D)] * 4 + [pd.Timestamp(2026, 5, 11)] * 2
    rows = sorted(zip(got["day"].dt.date, got["provider_dept_id"], got["service_code"], got["calls"], got["failures"]))
    assert rows == INSIDE
    # hand-summed: 10 + 3 + 1 + 25 + 4 + 2 calls, 2 + 0 + 1 + 5 + 0 + 1 failures
    assert (int(got["calls"].sum()), int(got["failures"].sum())) == (45, 9)


def test_a_window_without_rows_is_an_empty_frame(engine):
    fill(engine)
    with engine.connect() as conn:
        got = service_days(conn, date(2026, 6, 1), date(2026, 6, 30))
    assert got.empty
    assert list(got.columns) == ["day", "provider_dept_id", "service_code", "calls", "failures"]
    assert str(got["day"].dtype) == "datetime64[ns]" and str(got["calls"].dtype) == "int64"
