"""Working-day deadlines on the official Chinese calendar (holidays and 调休 Saturdays).

chinese_calendar knows a fixed range of years; outside it we count Monday–Friday and
record the year, so explanations can say the deadline is an approximation.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
import numpy as np
import pandas as pd


@lru_cache(maxsize=16)
def _workdays(first_year: int, last_year: int) -> tuple[np.ndarray, frozenset[int]]:
    """Working days of [first_year, last_year] and the years counted Monday–Friday."""
    days = pd.date_range(date(first_year, 1, 1), date(last_year, 12, 31), freq="D")
    fallback = set()

    def is_workday(day: date) -> bool:
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            fallback.add(day.year)
            return day.weekday() < 5

    flags = np.fromiter((is_workday(d.date()) for d in days), dtype=bool, count=len(days))
    return days[flags].values.astype("datetime64[D]"), frozenset(fallback)


class WorkdayCalendar:
    """Vectorised N-th-working-day-after lookups over the years [first, last]."""

    def __init__(self, first_year: int, last_year: int):
        self._workdays, self.fallback_years = _workdays(first_year, last_year)
        self.used_fallback: set[int] = set()

    def add(self, start: pd.Series, n: pd.Series) -> pd.Series:
        """The n-th working day after each start day (the start day itself not counted)."""
        start_days = pd.to_datetime(start).values.astype("datetime64[D]")
        pos = np.searchsorted(self._workdays, start_days, side="right") + n.to_numpy(dtype=np.int64) - 1
        if len(pos) and pos.max() >= len(self._workdays):
            raise ValueError("working-day calendar too short for these deadlines")
        result = self._workdays[pos]
        if self.fallback_years and len(pos):
            touched = set(pd.DatetimeIndex(result).year) | set(pd.DatetimeIndex(start_days).year)
            self.used_fallback |= touched & self.fallback_years
        return pd.Series(result.astype("datetime64[ns]"), index=start.index)

    def count_after(self, deadlines: pd.Series, today: date) -> pd.Series:
        """Working days in (deadline, today] for each deadline (0 when not yet passed)."""
        after = np.searchsorted(self._workdays, pd.to_datetime(deadlines).values.astype("datetime64[D]"), side="right")
        through = np.searchsorted(self._workdays, np.datetime64(today, "D"), side="right")
        return pd.Series(np.maximum(through - after, 0), index=deadlines.index, dtype="int64")

    def add_one(self, start: date, n: int) -> date:
        out = self.add(pd.Series([pd.Timestamp(start)]), pd.Series([n]))
        return out.iloc[0].date()

    def notes(self) -> list[str]:
        return [f"{y} 年的法定节假日与调休安排尚未收录，按周一至周五计算工作日" for y in sorted(self.used_fallback)]


def calendar_for(first: date, last: date) -> WorkdayCalendar:
    """A calendar covering [first, last] with room for deadlines after `last`."""
    return WorkdayCalendar(first.year, (last + timedelta(days=366)).year)
