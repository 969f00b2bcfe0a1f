"""Departments, the sharing catalog and its update events.

Department columns hold integer codes (row numbers of the departments frame); the
export turns them into names and aliases. Timestamps are naive local time.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from data.demo import city as C
from data.demo.calendar import Window
from data.demo.story import Story
from data.demo.streams import rng_for
from data.periods import add_months
from data.vocabulary import SHARE_TYPES

FREQUENCIES = ("实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期", "每 2 日", "每 3 月")
FREQUENCY_MIX = (0.05, 0.14, 0.10, 0.30, 0.14, 0.05, 0.12, 0.06, 0.02, 0.02)
# label → (slot kind, length, grace days); calendar-aligned except the 'every' kinds,
# which count from the registration day.
SLOTS = {
    "实时": ("day", 1, 1),
    "每日": ("day", 1, 1),
    "每周": ("week", 1, 2),
    "每月": ("month", 1, 5),
    "每季度": ("month", 3, 10),
    "每半年": ("month", 6, 15),
    "每年": ("month", 12, 30),
    "每 2 日": ("every_days", 2, 1),
    "每 3 月": ("every_months", 3, 10),
}


def departments_frame(seed: int, story: Story) -> pd.DataFrame:
    rng = rng_for(seed, "departments")
    specs = [(s, C.CITY_DEPT) for s in C.CITY_DEPTS] + [(s, C.DISTRICT) for s in C.DISTRICTS]
    quality = rng.uniform(0.45, 0.85, len(specs))
    rows = []
    for (spec, category), q in zip(specs, quality):
        if spec.name in C.STRONG:
            q = 0.95
        elif spec.name in C.WEAK:
            q = 0.2
        rows.append(
            {
                "name": spec.name,
                "category": category,
                "aliases": spec.aliases,
                "spellings": (spec.name, *spec.aliases, formal_spelling(spec.name, category)),
                "active_from": story.new_dept_from if spec.name == story.new_dept else None,
                "active_day": np.datetime64(story.new_dept_from if spec.name == story.new_dept else "1970-01-01", "D"),
                "quality": float(q),
                "monthly_cases": spec.monthly_cases,
                "subjects": spec.subjects,
            }
        )
    return pd.DataFrame(rows)


def formal_spelling(name: str, category: str) -> str:
    """The long form some systems print, unknown to the register (示例市公安局, …人民政府)."""
    if category == C.DISTRICT:
        return f"{name}人民政府"
    if name.startswith("国家税务总局"):
        return name.removeprefix("国家税务总局")
    return C.CITY + name.removeprefix("市")


def catalog_frame(seed: int, window: Window, depts: pd.DataFrame, story: Story) -> pd.DataFrame:
    rng = rng_for(seed, "catalog")
    frames = []
    for code, d in depts.iterrows():
        subjects, suffixes = d.subjects, C.RESOURCE_SUFFIXES
        if d.category == C.DISTRICT:
            n = int(rng.integers(22, 31))
            prefix = d["name"].removeprefix(C.CITY)
        else:
            n = int(round(len(subjects) * rng.uniform(2.5, 3.5)))
            prefix = ""
        combos = np.sort(rng.choice(len(subjects) * len(suffixes), n, replace=False))
        names = [f"{prefix}{subjects[i // len(suffixes)]}{suffixes[i % len(suffixes)]}" for i in combos]
        q = d.quality
        p_not = 0.16 - 0.12 * q
        p_unc = 0.25 + 0.2 * q
        share = rng.choice(tuple(SHARE_TYPES), n, p=[p_unc, 1 - p_unc - p_not, p_not])
        mounted = (share != "not_shared") & (rng.random(n) < 0.45 + 0.5 * q)
        mix = np.array(FREQUENCY_MIX)
        if d["name"] == story.stale_provider:  # a statistics office publishes monthly
            monthly = np.array(FREQUENCIES) == "每月"
            mix = np.where(monthly, 0.75, mix * 0.25 / mix[~monthly].sum())
        freq = rng.choice(FREQUENCIES, n, p=mix / mix.sum())
        registered = registration_days(rng, n, window, d.active_from)
        seq = np.arange(1, n + 1)
        frames.append(
            pd.DataFrame(
                {
                    "resource_code": [f"SL-{code + 1:03d}-{s:04d}" for s in seq],
                    "name": names,
                    "provider": code,
                    "share_type": share,
                    "mounted": mounted,
                    "service_code": [f"SVC-{code + 1:03d}-{s:04d}" if m else None for s, m in zip(seq, mounted)],
                    "update_frequency": freq,
                    "registered_at": registered,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def registration_days(rng, n: int, window: Window, active_from: date | None) -> np.ndarray:
    """Most resources predate the window; a few arrive during it; a new department's
    arrive in its first two months."""
    start = np.datetime64(window.start)
    if active_from is not None:
        return np.datetime64(active_from) + rng.integers(0, 60, n)
    before = np.datetime64("2019-01-01") + rng.integers(0, (start - np.datetime64("2019-01-01")).astype(int), n)
    during = start + rng.integers(0, max((np.datetime64(window.end) - start).astype(int) - 30, 1), n)
    return np.where(rng.random(n) < 0.88, before, during)


# -- update events -------------------------------------------------------------------


def slots(label: str, registered: np.datetime64, window: Window) -> tuple[np.ndarray, np.ndarray, int]:
    """(starts, ends, grace) of the slots that begin on or after registration and whose
    grace period reaches into the window."""
    kind, length, grace = SLOTS[label]
    lo = np.datetime64(window.start) - 400
    hi = np.datetime64(window.end)
    if kind == "day":
        starts = np.arange(lo, hi + 1)
        ends = starts
    elif kind == "week":
        monday = lo - lo.astype(object).weekday()
        starts = np.arange(monday, hi + 1, 7)
        ends = starts + 6
    elif kind == "every_days":
        starts = np.arange(registered, hi + 1, length)
        ends = starts + length - 1
    else:
        origin = registered.astype(object) if kind == "every_months" else date(lo.astype(object).year, 1, 1)
        firsts, k = [], 0
        while (m := add_months(origin, k * length)) <= window.end:
            firsts.append(m)
            k += 1
        firsts.append(add_months(origin, k * length))
        bounds = np.array(firsts, dtype="datetime64[D]")
        starts, ends = bounds[:-1], bounds[1:] - 1
    keep = (starts >= registered) & (ends + grace >= np.datetime64(window.start))
    return starts[keep], ends[keep], grace


def updates_frame(seed: int, window: Window, catalog: pd.DataFrame, depts: pd.DataFrame, story: Story) -> pd.DataFrame:
    """Update events: each slot is updated on time, late or not at all, by the provider's
    quality; irregular resources update a few times at random."""
    rng = rng_for(seed, "updates")
    quality = depts["quality"].to_numpy()
    start = np.datetime64(window.start, "s")
    end = np.datetime64(window.end, "s") + 86_399
    stale = depts.index[depts["name"] == story.stale_provider][0]
    stale_since = np.datetime64(story.stale_since, "s")
    frames = []
    for row in catalog.itertuples():
        reg = np.datetime64(row.registered_at, "D")
        if row.update_frequency == "不定期":
            first = max(reg, np.datetime64(window.start))
            span = (np.datetime64(window.end) - first).astype(int) + 1
            days = first + rng.integers(0, max(span, 1), rng.poisson(2))
        else:
            s, e, grace = slots(row.update_frequency, reg, window)
            q = quality[row.provider]
            p_on = 0.6 + 0.38 * q
            u = rng.random(len(s))
            on_time = u < p_on
            late = ~on_time & (u < p_on + (1 - p_on) * 0.5)
            span = (e - s).astype(int) + grace + 1
            days = np.where(
                on_time, s + (rng.random(len(s)) * span).astype(int), e + grace + 1 + rng.geometric(0.25, len(s))
            )[on_time | late]
        at = days.astype("datetime64[s]") + rng.integers(8 * 3600, 20 * 3600, len(days))
        keep = (at >= start) & (at <= end)
        if row.provider == stale and row.update_frequency == "每月":
            keep &= at < stale_since
        at = np.unique(at[keep])
        frames.append(
            pd.DataFrame(
                {
                    "resource_code": row.resource_code,
                    "provider": row.provider,
                    "updated_at": at,
                    "rows": rng.integers(1, 50_000, len(at)),
                }
            )
        )
    return pd.concat(frames, ignore_index=True).sort_values(["updated_at", "resource_code"], ignore_index=True)


def last_updated(seed: int, window: Window, catalog: pd.DataFrame, updates: pd.DataFrame) -> pd.Series:
    """The catalog's 最近更新时间: the last event, else a day before the window."""
    rng = rng_for(seed, "catalog", 1)
    last = updates.groupby("resource_code")["updated_at"].max()
    out = catalog["resource_code"].map(last)
    start = np.datetime64(window.start, "s")
    reg = catalog["registered_at"].to_numpy().astype("datetime64[s]")
    gap = (start - reg).astype(int)
    earlier = reg + (rng.random(len(catalog)) * np.maximum(gap, 0)).astype(int)
    fallback = pd.Series(np.where(gap > 0, earlier, np.datetime64("NaT")), index=catalog.index)
    return out.fillna(fallback).astype("datetime64[s]")
