"""Which periods the metrics keep fresh; the Period value itself is in data/periods.py."""
from __future__ import annotations

from datetime import date

from data.periods import Period, month, quarter, year


def periods_of_year(y: int, until: date) -> list[Period]:
    """The year, its quarters and months that have started by `until`."""
    out = [p for p in [year(y)] + [quarter(y, q) for q in range(1, 5)]
           + [month(y, m) for m in range(1, 13)] if p.start <= until]
    return out
