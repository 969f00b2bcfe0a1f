"""Dates for the demo: the twelve-month window, month arithmetic, working days.

Working days use the official holidays from `chinese_calendar` where it knows the year
and plain weekends elsewhere; the weekend make-up days (调休) are ignored, which is
close enough for generating plausible answer delays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar
import numpy as np

from data.clock import local_today
from data.periods import add_months


def month_start(d: date) -> date:
    return d.replace(day=1)


def default_end(now: datetime | None = None) -> date:
    """The last day of the previous month, in local time."""
    today = local_today(now)
    return month_start(today) - timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """Twelve months ending at `end` (both days included)."""

    start: date
    end: date

    @classmethod
    def ending(cls, end: date) -> Window:
        return cls(add_months(end + timedelta(days=1), -12), end)

    def months(self) -> list[date]:
        """First days of the calendar months the window touches."""
        out, m = [], month_start(self.start)
        while m <= self.end:
            out.append(m)
            m = add_months(m, 1)
        return out

    def days(self) -> np.ndarray:
        return np.arange(np.datetime64(self.start), np.datetime64(self.end) + 1)


def weekday_holidays(start: date, end: date) -> np.ndarray:
    """Official holidays falling on weekdays between start and end, as datetime64[D]."""
    found: list[date] = []
    for year in range(start.year, end.year + 1):
        lo, hi = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        try:
            found += chinese_calendar.get_holidays(lo, hi, include_weekends=False)
        except NotImplementedError:
            continue  # the library does not know this year yet: weekends only
    return np.array(sorted(found), dtype="datetime64[D]")


@dataclass(frozen=True)
class WorkCalendar:
    holidays: np.ndarray

    @classmethod
    def around(cls, window: Window) -> WorkCalendar:
        return cls(weekday_holidays(window.start - timedelta(days=31), window.end + timedelta(days=120)))

    def is_workday(self, days: np.ndarray) -> np.ndarray:
        return np.is_busday(days.astype("datetime64[D]"), holidays=self.holidays)

    def add_workdays(self, days: np.ndarray, n: np.ndarray) -> np.ndarray:
        """The n-th working day after each day (the day itself not counted)."""
        return np.busday_offset(days.astype("datetime64[D]"), n, roll="backward", holidays=self.holidays)
