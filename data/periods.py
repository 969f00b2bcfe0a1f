"""Assessment periods as values: '2026', '2026-Q2', '2026-05' or a range
'2026-01-01..2026-03-31', each knowing its days, UTC bounds, labels and predecessor.

Metrics compute a Period, the store keeps its key, pages show its label; the key is parsed
here and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from data.clock import utc_bounds

KIND_LABELS = {"month": "月度", "quarter": "季度", "year": "年度", "range": "自定义区间"}


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    key: str
    kind: str  # year | quarter | month | range
    start: date  # first day
    end: date  # last day

    @classmethod
    def parse(cls, key: str) -> Period:
        """The period a key names; PeriodError (in Chinese) for anything else."""
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
        except PeriodError:
            raise
        except ValueError as exc:
            raise PeriodError(f"考核期 {key!r} 中的日期无效：{exc}") from exc
        raise PeriodError(f"无法识别考核期 {key!r}：请写成 2026、2026-Q2、2026-05 或 2026-01-01..2026-03-31")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def quarter(self) -> int:
        """The calendar quarter (1-4) the period starts in."""
        return (self.start.month - 1) // 3 + 1

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The period's local days as naive-UTC instants [from, to)."""
        return utc_bounds(self.start, self.end)

    @property
    def label(self) -> str:
        """'2026年10月', '2026年第3季度', '2026年', '2026-01-01 至 2026-03-31'."""
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{self.start.year}年第{self.quarter}季度"
        if self.kind == "year":
            return f"{self.start.year}年"
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"

    @property
    def short_label(self) -> str:
        """Within its year, for chart axes: '10月', 'Q3', '2026年' (a range: its label)."""
        if self.kind == "month":
            return f"{self.start.month}月"
        if self.kind == "quarter":
            return f"Q{self.quarter}"
        return self.label

    def months(self) -> list[date]:
        """First days of the calendar months the period touches."""
        out, cur = [], self.start.replace(day=1)
        while cur <= self.end:
            out.append(cur)
            cur = add_months(cur, 1)
        return out

    def previous(self) -> Period:
        """The period of the same kind and length just before this one."""
        if self.kind == "year":
            return year(self.start.year - 1)
        if self.kind == "quarter":
            q = self.quarter
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
