"""The one clock: the local zone, now, today, and the conversions between stored naive-UTC
instants and local calendar days.

The store keeps instants as naive UTC and dates (registration, KPI month) as local dates;
a local day [d, d+1) is the UTC range [utc_start(d), utc_start(d+1)). Offsets are the
zone's own (zoneinfo), except before the zone's first standard time (local mean time,
+08:05:43 for Shanghai): a date written in an old register means standard time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pandas as pd

ZONE_NAME = "Asia/Shanghai"
ZONE = ZoneInfo(ZONE_NAME)


@cache
def zone_rules(tz: str) -> tuple[pd.Timestamp, pd.Timedelta]:
    """(local wall time the zone's first rule starts, its standard offset): today's
    offset less any daylight saving; LMT is what the zone gives before the first rule."""
    zone = ZoneInfo(tz)
    reference = datetime(2000, 1, 1)
    standard = zone.utcoffset(reference) - (zone.dst(reference) or timedelta(0))
    year = 1800
    while year < 1970 and zone.tzname(datetime(year, 1, 1)) == "LMT":
        year += 1
    lo = datetime(year - 1, 1, 1) if year > 1800 else datetime(1800, 1, 1)
    hi = datetime(year, 1, 1)
    while hi - lo > timedelta(minutes=1):  # the first rule's start, to the minute
        mid = lo + (hi - lo) / 2
        lo, hi = (mid, hi) if zone.tzname(mid) == "LMT" else (lo, mid)
    return pd.Timestamp(hi), pd.Timedelta(standard)


_FIRST_RULE, _STANDARD = zone_rules(ZONE_NAME)
STANDARD_OFFSET = _STANDARD.to_pytimedelta()
# The naive-UTC instant local mean time ends.
STANDARD_FROM = _FIRST_RULE.to_pydatetime().replace(tzinfo=ZONE).astimezone(UTC).replace(tzinfo=None)


def wall_clock() -> datetime:
    """The aware UTC instant now: the one place the clock is read, so a test can pin the
    date every page and check sees (appeal windows, 公示期, deadlines)."""
    return datetime.now(UTC)


@contextmanager
def replaying(day: date, hour: int = 10) -> Iterator[None]:
    """Read the clock as `hour` o'clock local time on `day` while a history is replayed through
    the real write path (the demo city's year of casework), so its events carry the days they
    stand for. One thread only: the clock is the module's."""
    global wall_clock
    real = wall_clock
    at = datetime.combine(day, time(hour), ZONE).astimezone(UTC)
    wall_clock = lambda: at  # noqa: E731 - the clock is a module-level callable by design
    try:
        yield
    finally:
        wall_clock = real


def utcnow() -> datetime:
    """Now, as the store keeps instants: naive UTC."""
    return wall_clock().replace(tzinfo=None)


def local_today(now: datetime | None = None) -> date:
    """Today on the office wall (`now`: an aware instant, for tests and replays)."""
    return (now or wall_clock()).astimezone(ZONE).date()


def _offset_at_local(day: date) -> timedelta:
    local = datetime.combine(day, time.min, ZONE)
    if local.tzname() == "LMT":
        return STANDARD_OFFSET
    return local.utcoffset()


def utc_start(day: date) -> datetime:
    """The naive-UTC instant local day `day` begins."""
    return datetime.combine(day, time.min) - _offset_at_local(day)


def utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """Local days [first, last] as naive-UTC instants [from, to)."""
    return utc_start(first), utc_start(last + timedelta(days=1))


def to_local(ts: datetime) -> datetime:
    """A stored naive-UTC instant as naive local wall-clock time."""
    if ts < STANDARD_FROM:
        return ts + STANDARD_OFFSET
    return ts.replace(tzinfo=UTC).astimezone(ZONE).replace(tzinfo=None)


def local_day(ts: datetime) -> date:
    """The local calendar day a stored naive-UTC instant falls on."""
    return to_local(pd.Timestamp(ts).to_pydatetime()).date()


def to_local_series(stamps: pd.Series) -> pd.Series:
    """Stored naive-UTC timestamps (a column) as naive local wall-clock times."""
    s = pd.to_datetime(stamps)
    local = s.dt.tz_localize("UTC").dt.tz_convert(ZONE_NAME).dt.tz_localize(None)
    mean_time = s < STANDARD_FROM
    return local.mask(mean_time, s + STANDARD_OFFSET) if mean_time.any() else local


def local_days(stamps: pd.Series) -> pd.Series:
    """Stored naive-UTC timestamps (a column) → their local day at midnight, naive."""
    return to_local_series(stamps).dt.normalize()
