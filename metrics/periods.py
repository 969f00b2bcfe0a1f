"""Which periods the metrics keep fresh, and the day a period is judged as of; the Period
value itself is in data/periods.py."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from data.periods import Period, month, quarter, year
from data.vocabulary import parse_frequency
from metrics.indicators.updates import CALENDAR_ANCHOR, slots
from metrics.scheme import Scheme


def periods_of_year(y: int, until: date) -> list[Period]:
    """The year, its quarters and months that have started by `until`."""
    out = [
        p
        for p in [year(y)] + [quarter(y, q) for q in range(1, 5)] + [month(y, m) for m in range(1, 13)]
        if p.start <= until
    ]
    return out


def longest_grace(period: Period, scheme: Scheme, frequencies: Iterable[str]) -> int:
    """The longest grace (days) among the update slots of the catalog's frequencies that can
    end in the period: a calendar slot when one ends in it, a 每 N … slot always (its
    anchor is each resource's own)."""
    graces = [0]
    for freq in filter(None, map(parse_frequency, set(frequencies))):
        if freq.anchored or len(slots(freq, CALENDAR_ANCHOR[freq.unit], period.start, period.end)[0]):
            graces.append(scheme.grace_days[freq.standard])
    return max(graces)


def settled_day(period: Period, scheme: Scheme, frequencies: Iterable[str]) -> date:
    """The day after which nothing more can fall due in the period: its end + the longest grace."""
    return period.end + timedelta(days=longest_grace(period, scheme, frequencies))


def evaluation_day(period: Period, scheme: Scheme, frequencies: Iterable[str], today: date) -> date:
    """A period is judged as of min(today, its settled day): a 每月 slot ending on the period's
    last day is due 5 days later, so a month judged at its end would never see it missed.
    Until the settled day the result is 暂定 and is recomputed; from then on it stays."""
    return min(today, settled_day(period, scheme, frequencies))
