"""Period values: keys, days, UTC bounds, labels, predecessors and refused keys."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from data.periods import KIND_LABELS, Period, PeriodError, date_range, month, quarter, year


@pytest.mark.parametrize(
    "key, kind, start, end, prev",
    [
        ("2026", "year", "2026-01-01", "2026-12-31", "2025"),
        ("2026-Q1", "quarter", "2026-01-01", "2026-03-31", "2025-Q4"),
        ("2026-q3", "quarter", "2026-07-01", "2026-09-30", "2026-Q2"),
        ("2026-01", "month", "2026-01-01", "2026-01-31", "2025-12"),
        ("2026-3", "month", "2026-03-01", "2026-03-31", "2026-02"),
        ("2024-02", "month", "2024-02-01", "2024-02-29", "2024-01"),
        (" 2026-12 ", "month", "2026-12-01", "2026-12-31", "2026-11"),
        # a 10-day range: the previous one is the 10 days before it
        ("2026-03-01..2026-03-10", "range", "2026-03-01", "2026-03-10", "2026-02-19..2026-02-28"),
        ("2026-01-01..2026-01-05", "range", "2026-01-01", "2026-01-05", "2025-12-27..2025-12-31"),
    ],
)
def test_keys_first_and_last_days_and_the_period_before(key, kind, start, end, prev):
    p = Period.parse(key)
    assert (p.kind, p.start.isoformat(), p.end.isoformat(), p.previous().key) == (kind, start, end, prev)
    assert Period.parse(p.key) == p


def test_keys_are_canonical():
    assert [year(2026).key, quarter(2026, 3).key, month(2026, 9).key] == ["2026", "2026-Q3", "2026-09"]
    assert Period.parse("2026-q3").key == "2026-Q3" and Period.parse("2026-9").key == "2026-09"
    assert date_range(date(2026, 1, 1), date(2026, 3, 31)).key == "2026-01-01..2026-03-31"


def test_days_year_and_months_touched():
    p = Period.parse("2026-Q3")
    assert (p.days, p.year) == (92, 2026)  # 31 + 31 + 30
    assert p.months() == [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]
    assert Period.parse("2026-01-31..2026-02-01").months() == [date(2026, 1, 1), date(2026, 2, 1)]


def test_utc_bounds_start_at_local_midnight():
    # Shanghai midnight is 16:00 UTC the day before; the bound after the last day is exclusive.
    assert Period.parse("2026-09").utc_bounds == (datetime(2026, 8, 31, 16), datetime(2026, 9, 30, 16))
    assert Period.parse("2026").utc_bounds == (datetime(2025, 12, 31, 16), datetime(2026, 12, 31, 16))


@pytest.mark.parametrize(
    "key, label, short",
    [
        ("2026", "2026年", "2026年"),
        ("2026-Q3", "2026年第3季度", "Q3"),
        ("2026-10", "2026年10月", "10月"),
        ("2026-03", "2026年3月", "3月"),
        ("2026-01-01..2026-03-31", "2026-01-01 至 2026-03-31", "2026-01-01 至 2026-03-31"),
    ],
)
def test_labels(key, label, short):
    p = Period.parse(key)
    assert (p.label, p.short_label) == (label, short)


def test_kind_labels_cover_every_kind():
    kinds = {Period.parse(k).kind for k in ("2026", "2026-Q1", "2026-01", "2026-01-01..2026-01-02")}
    assert set(KIND_LABELS) == kinds


@pytest.mark.parametrize(
    "bad",
    [
        "2026-13",
        "26",
        "2026-Q5",
        "2026-Q0",
        "2026-00",
        "",
        None,
        "2026年",
        "2026-03-10..2026-03-01",
        "2026-02-30..2026-03-01",
    ],
)
def test_bad_period_keys_are_explained(bad):
    with pytest.raises(PeriodError, match="考核期"):
        Period.parse(bad)
