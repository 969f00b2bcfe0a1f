"""The one clock: local days as UTC bounds and back, at midnight, across old dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd

from data.clock import (
    STANDARD_OFFSET,
    ZONE_NAME,
    local_day,
    local_days,
    local_today,
    to_local,
    to_local_series,
    utc_bounds,
    utc_start,
    utcnow,
)


def test_zone_and_its_standard_offset():
    assert ZONE_NAME == "Asia/Shanghai" and timedelta(hours=8) == STANDARD_OFFSET


def test_a_local_day_begins_at_16_utc_the_day_before():
    assert utc_start(date(2026, 3, 5)) == datetime(2026, 3, 4, 16, 0)
    assert utc_bounds(date(2026, 3, 1), date(2026, 3, 31)) == (datetime(2026, 2, 28, 16), datetime(2026, 3, 31, 16))
    assert utc_bounds(date(2026, 12, 31), date(2026, 12, 31)) == (
        datetime(2026, 12, 30, 16),
        datetime(2026, 12, 31, 16),
    )


def test_the_instant_of_local_midnight_belongs_to_the_new_day():
    assert local_day(datetime(2026, 3, 4, 16, 0)) == date(2026, 3, 5)
    assert local_day(datetime(2026, 3, 4, 15, 59, 59)) == date(2026, 3, 4)
    assert to_local(datetime(2026, 3, 5, 1, 32, 9)) == datetime(2026, 3, 5, 9, 32, 9)


def test_summer_time_of_1988_is_the_zones_own_offset():
    # Shanghai kept UTC+9 in summer 1986-1991: local midnight of 1988-07-01 is 15:00 UTC.
    assert utc_start(date(1988, 7, 1)) == datetime(1988, 6, 30, 15, 0)
    assert utc_start(date(1988, 1, 1)) == datetime(1987, 12, 31, 16, 0)


def test_a_1900_date_uses_standard_time_not_local_mean_time():
    # zoneinfo alone would give LMT +08:05:43 before 1901.
    assert utc_start(date(1900, 1, 1)) == datetime(1899, 12, 31, 16, 0)
    assert to_local(datetime(1899, 12, 31, 16, 0)) == datetime(1900, 1, 1, 0, 0)
    assert local_day(datetime(1899, 12, 31, 16, 0)) == date(1900, 1, 1)
    days = local_days(pd.Series([datetime(1899, 12, 31, 16, 0), datetime(2026, 3, 4, 16, 0), None]))
    assert days.tolist()[:2] == [pd.Timestamp(1900, 1, 1), pd.Timestamp(2026, 3, 5)] and pd.isna(days.iloc[2])


def test_columns_convert_like_single_values():
    stamps = pd.Series([datetime(2026, 3, 4, 15, 59), datetime(2026, 3, 4, 16, 0), datetime(2026, 3, 5, 1, 32, 9)])
    assert to_local_series(stamps).tolist() == [pd.Timestamp(to_local(s)) for s in stamps]
    assert local_days(stamps).tolist() == [pd.Timestamp(2026, 3, 4), pd.Timestamp(2026, 3, 5), pd.Timestamp(2026, 3, 5)]


def test_today_is_the_local_date():
    assert local_today(datetime(2026, 3, 4, 16, 30, tzinfo=UTC)) == date(2026, 3, 5)
    assert local_today(datetime(2026, 3, 4, 15, 30, tzinfo=UTC)) == date(2026, 3, 4)
    assert utcnow().tzinfo is None and abs(utcnow() - datetime.now(UTC).replace(tzinfo=None)) < timedelta(seconds=5)


def test_wall_clock_is_the_one_source_a_test_can_pin(monkeypatch):
    import data.clock

    monkeypatch.setattr(data.clock, "wall_clock", lambda: datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    assert local_today() == date(2027, 1, 1)  # 00:30 on New Year's Day in Shanghai
    assert utcnow() == datetime(2026, 12, 31, 16, 30)
