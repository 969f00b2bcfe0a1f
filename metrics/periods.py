"""Assessment periods: '2026', '2026-Q2', '2026-05' or a range '2026-01-01..2026-03-31'."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    key: str
    kind: str  # year | quarter | month | range
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def year(self) -> int:
        return self.start.year

    def months(self) -> list[date]:
        """First days of the calendar months the period touches."""
        out, cur = [], self.start.replace(day=1)
        while cur <= self.end:
            out.append(cur)
            cur = add_months(cur, 1)
        return out

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        if self.kind == "year":
            return year(self.start.year - 1)
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            return quarter(self.start.year - (q == 1), 4 if q == 1 else q - 1)
        if self.kind == "month":
            prev = add_months(self.start, -1)
            return month(prev.year, prev.month)
        end = self.start - timedelta(days=1)
        return date_range(end - timedelta(days=self.days - 1), end)


def add_months(day: date, n: int) -> date:
    """Calendar month arithmetic; the day is clipped to the target month's length."""
    idx = day.year * 12 + day.month - 1 + n
    y, m = divmod(idx, 12)
    last = (date(y + (m == 11), 1 if m == 11 else m + 2, 1) - timedelta(days=1)).day
    return date(y, m + 1, min(day.day, last))


def year(y: int) -> Period:
    return Period(f"{y}", "year", date(y, 1, 1), date(y, 12, 31))


def quarter(y: int, q: int) -> Period:
    start = date(y, 3 * q - 2, 1)
    return Period(f"{y}-Q{q}", "quarter", start, add_months(start, 3) - timedelta(days=1))


def month(y: int, m: int) -> Period:
    start = date(y, m, 1)
    return Period(f"{y}-{m:02d}", "month", start, add_months(start, 1) - timedelta(days=1))


def date_range(start: date, end: date) -> Period:
    return Period(f"{start.isoformat()}..{end.isoformat()}", "range", start, end)


def parse_period(key: str) -> Period:
    key = (key or "").strip()
    try:
        if re.fullmatch(r"\d{4}", key):
            return year(int(key))
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", key):
            return quarter(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", key):
            return month(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", key):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if end < start:
                raise PeriodError(f"考核期 {key!r} 的结束日早于开始日")
            return date_range(start, end)
    except ValueError as exc:
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError(f"考核期 {key!r} 中的日期无效：{exc}") from exc
    raise PeriodError(f"无法识别考核期 {key!r}：请写成 2026、2026-Q2、2026-05 或 2026-01-01..2026-03-31")


def periods_of_year(y: int, until: date) -> list[Period]:
    """The year, its quarters and months that have started by `until`."""
    out = [p for p in [year(y)] + [quarter(y, q) for q in range(1, 5)]
           + [month(y, m) for m in range(1, 13)] if p.start <= until]
    return out
