"""Working days and scheme validation (periods: tests/data/test_periods.py)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from data.workdays import WorkdayCalendar
from metrics.scheme import SchemeError, load_scheme, parse_scheme, scheme_path

CAL = WorkdayCalendar(2025, 2027)


@pytest.mark.parametrize(
    "start, n, expected",
    [
        # Spring Festival 2026: Tue 02-10 + 5 working days: 11, 12, 13, Sat 14 (调休 working day),
        # 15–23 holiday, Tue 24 → 24.
        ("2026-02-10", 5, "2026-02-24"),
        # National Day 2026: Mon 09-28 + 5: 29, 30, Oct 1–7 holiday, 8, 9, Sat 10 (调休) → 10-10.
        ("2026-09-28", 5, "2026-10-10"),
        # Sat 09-19 + 1: Sun 09-20 is a 调休 working day.
        ("2026-09-19", 1, "2026-09-20"),
        # an ordinary week: Fri 2026-06-05 + 1 → Mon 06-08; the start day itself never counts.
        ("2026-06-05", 1, "2026-06-08"),
        ("2026-06-08", 1, "2026-06-09"),
    ],
)
def test_working_day_deadlines(start, n, expected):
    assert CAL.add_one(date.fromisoformat(start), n) == date.fromisoformat(expected)
    assert CAL.notes() == []


def test_outside_known_years_falls_back_to_monday_to_friday_and_says_so():
    # chinese_calendar 1.11 stops at 2026: Fri 2027-01-08 + 1 → Mon 01-11 (Mon–Fri rule).
    assert CAL.add_one(date(2027, 1, 8), 1) == date(2027, 1, 11)
    assert CAL.notes() == ["2027 年的法定节假日与调休安排尚未收录，按周一至周五计算工作日"]


def test_vectorised_deadlines_keep_the_index():
    out = CAL.add(
        pd.Series(pd.to_datetime(["2026-02-10", "2026-09-28"]), index=[7, 9]), pd.Series([5, 5], index=[7, 9])
    )
    assert list(out.index) == [7, 9]
    assert list(out.dt.date) == [date(2026, 2, 24), date(2026, 10, 10)]


def test_default_scheme_loads():
    s = load_scheme(2026)
    assert s.version == "2026.1"
    assert [d.weight for d in s.dimensions] == [40, 25, 15, 20]
    assert len(s.indicators) == 13
    assert s.grace_days == {"daily": 1, "weekly": 2, "monthly": 5, "quarterly": 10, "half_yearly": 15, "yearly": 30}
    assert s.limits == {"request": 5, "objection": 5, "complaint": 5}
    assert s.indicators["complaints_per_10k"].direction == "lower"
    # a year without its own file uses the nearest earlier scheme
    assert load_scheme(2027).version == "2026.1"


BASE = scheme_path(2026).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            'key = "sharing"\nname = "数据共享"\nweight = 40',
            'key = "sharing"\nname = "数据共享"\nweight = 45',
            r"dimensions\[0\].indicators 的权重之和为 40，应等于该维度权重 45",
        ),
        ('key = "mount_rate"', 'key = "mount_ratio"', r"dimensions\[0\].indicators\[0\].key：未知指标 'mount_ratio'"),
        (
            'floor = 60\n  target = 100\n  direction = "higher"\n\n  [[dimensions.indicators]]\n  key = "open_rate"',
            'floor = 100\n  target = 100\n  direction = "higher"\n\n  [[dimensions.indicators]]\n  key = "open_rate"',
            r"dimensions\[0\].indicators\[0\].floor 与 target 相同",
        ),
        ("floor = 50            # 50", "floor = 1            # 50", r"dimensions\[2\].indicators\[0\].target/floor"),
        ("monthly = 5\n", "", r"grace_days.monthly"),
        ("excellent_quota = 0.30", "excellent_quota = 1.5", r"tiers.excellent_quota"),
        ("request = 5", 'request = "五"', r"limits.request"),
        ('black_tiers = ["较差"]', 'black_tiers = ["差"]', r"honours.black_tiers：未知等次 \['差'\]"),
        ('bottom_tiers = ["较差"]', 'bottom_tiers = ["末位"]', r"honours.bottom_tiers：未知等次 \['末位'\]"),
        ("maximum = 3 ", "maximum = 0 ", r"honours：应满足 divisor > 0 且 0 ≤ minimum ≤ maximum"),
    ],
)
def test_scheme_errors_name_the_key(old, new, message):
    assert old in BASE
    with pytest.raises(SchemeError, match=message):
        parse_scheme(BASE.replace(old, new, 1))


def test_dimension_weights_must_sum_to_100():
    text = BASE.replace("weight = 40\n", "weight = 41\n", 1).replace("  weight = 8\n", "  weight = 9\n", 1)
    with pytest.raises(SchemeError, match="dimensions 的权重之和为 101，应为 100"):
        parse_scheme(text)
