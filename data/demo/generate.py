"""Deterministic frames of the demo city, one pandas DataFrame per record kind.

Every stream draws from its own numpy Generator keyed by (seed, stream[, month]), so
`--calls` changes only the calls and the same seed and end date give the same frames.
Department columns hold integer codes (row numbers of `City.departments`); the export
turns them into names and aliases. Timestamps are naive local time (Asia/Shanghai).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterator

import numpy as np
import pandas as pd

from data.demo import city as C
from data.demo.calendar import WorkCalendar, Window, add_months, month_start

STREAMS = {
    "departments": 1, "catalog": 2, "updates": 3, "requests": 4, "objections": 5,
    "complaints": 6, "kpis": 7, "pairs": 8, "call_days": 9, "calls": 10, "spelling": 11,
}

FREQUENCIES = ("实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期", "每 2 日", "每 3 月")
FREQUENCY_MIX = (0.05, 0.14, 0.10, 0.30, 0.14, 0.05, 0.12, 0.06, 0.02, 0.02)
# label → (slot kind, length, grace days); calendar-aligned except the 'every' kinds,
# which count from the registration day.
SLOTS = {
    "实时": ("day", 1, 1), "每日": ("day", 1, 1), "每周": ("week", 1, 2),
    "每月": ("month", 1, 5), "每季度": ("month", 3, 10), "每半年": ("month", 6, 15),
    "每年": ("month", 12, 30), "每 2 日": ("every_days", 2, 1), "每 3 月": ("every_months", 3, 10),
}
SHARE_TYPES = ("unconditional", "conditional", "not_shared")
HOUR_WEIGHTS = np.array([0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4, 7, 8, 7.5,
                         4, 5, 7.5, 8, 7, 5, 2.5, 1.5, 1.2, 0.9, 0.6, 0.3])
FAULTS = (("TIMEOUT", 504), ("SERVICE_ERROR", 500), ("AUTH_DENIED", 403),
          ("PARAM_INVALID", 400), ("NO_DATA", 404), ("SERVICE_UNAVAILABLE", 503))
FAULT_MIX = (0.35, 0.25, 0.12, 0.15, 0.13, 0.0)
OUTAGE_FAULT_MIX = (0.3, 0.0, 0.0, 0.0, 0.0, 0.7)
TIMEOUT_MS = 30_000


def rng_for(seed: int, stream: str, *extra: int) -> np.random.Generator:
    return np.random.default_rng([seed, STREAMS[stream], *extra])


@dataclass(frozen=True)
class Story:
    """What an inspector should find in the demo city."""

    strong: tuple[str, ...]
    weak: tuple[str, ...]
    outage_provider: str
    outage_days: tuple[date, date]
    stale_provider: str
    stale_since: date
    complaint_rise: str
    rise_from: date
    new_dept: str
    new_dept_from: date

    def lines(self) -> list[str]:
        d1, d2 = self.outage_days
        return [
            f"表现突出：{'、'.join(self.strong)}",
            f"表现较差：{'、'.join(self.weak)}",
            f"服务中断：{self.outage_provider} 的全部接口在 {d1} 与 {d2} 两天调用全部失败",
            f"停止更新：{self.stale_provider} 的按月更新资源自 {self.stale_since} 起没有任何更新",
            f"投诉激增：{self.complaint_rise} 自 {self.rise_from} 起投诉量约为此前的 "
            f"{C.COMPLAINT_RISE_FACTOR} 倍",
            f"年中新设：{self.new_dept} 自 {self.new_dept_from} 起纳入考核",
        ]


def story_for(window: Window, cal: WorkCalendar) -> Story:
    """Story dates follow the window: the outage is in the month before the last one."""
    last_month = month_start(window.end)
    day = np.datetime64(add_months(last_month, -1) + timedelta(days=14))
    while not (day.astype(object).weekday() == 1 and cal.is_workday(np.array([day, day + 1])).all()):
        day += 1
    first = day.astype(object)
    return Story(
        strong=C.STRONG,
        weak=C.WEAK,
        outage_provider=C.OUTAGE_PROVIDER,
        outage_days=(first, first + timedelta(days=1)),
        stale_provider=C.STALE_PROVIDER,
        stale_since=add_months(last_month, -(C.STALE_MONTHS - 1)),
        complaint_rise=C.COMPLAINT_RISE,
        rise_from=add_months(last_month, -2),
        new_dept=C.NEW_DEPT,
        new_dept_from=add_months(month_start(window.start), C.NEW_DEPT_MONTH),
    )


@dataclass
class City:
    seed: int
    window: Window
    cal: WorkCalendar
    story: Story
    departments: pd.DataFrame
    catalog: pd.DataFrame
    updates: pd.DataFrame
    requests: pd.DataFrame
    objections: pd.DataFrame
    complaints: pd.DataFrame
    kpis: pd.DataFrame

    def dept_code(self, name: str) -> int:
        return int(self.departments.index[self.departments["name"] == name][0])


def build_city(seed: int, end: date) -> City:
    """Everything but the exchange calls, which are streamed by `call_months`."""
    window = Window.ending(end)
    cal = WorkCalendar.around(window)
    story = story_for(window, cal)
    depts = departments_frame(seed, story)
    catalog = catalog_frame(seed, window, depts, story)
    updates = updates_frame(seed, window, catalog, depts, story)
    catalog["last_updated_at"] = last_updated(seed, window, catalog, updates)
    kpis = kpis_frame(seed, window, depts)
    return City(
        seed, window, cal, story, depts, catalog, updates,
        requests=requests_frame(seed, window, cal, depts, catalog),
        objections=objections_frame(seed, window, cal, depts, catalog),
        complaints=complaints_frame(seed, window, cal, depts, kpis, story),
        kpis=kpis,
    )


# -- departments and catalog ---------------------------------------------------------

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
        rows.append({
            "name": spec.name,
            "category": category,
            "aliases": spec.aliases,
            "spellings": (spec.name, *spec.aliases, formal_spelling(spec.name, category)),
            "active_from": story.new_dept_from if spec.name == story.new_dept else None,
            "active_day": np.datetime64(story.new_dept_from if spec.name == story.new_dept
                                        else "1970-01-01", "D"),
            "quality": float(q),
            "monthly_cases": spec.monthly_cases,
            "subjects": spec.subjects,
        })
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
        share = rng.choice(SHARE_TYPES, n, p=[p_unc, 1 - p_unc - p_not, p_not])
        mounted = (share != "not_shared") & (rng.random(n) < 0.45 + 0.5 * q)
        mix = np.array(FREQUENCY_MIX)
        if d["name"] == story.stale_provider:
            mix = np.where(np.array(FREQUENCIES) == "每月", 0.75, mix * 0.25 / (1 - mix[3]))
        freq = rng.choice(FREQUENCIES, n, p=mix / mix.sum())
        registered = registration_days(rng, n, window, d.active_from)
        seq = np.arange(1, n + 1)
        frames.append(pd.DataFrame({
            "resource_code": [f"SL-{code + 1:03d}-{s:04d}" for s in seq],
            "name": names,
            "provider": code,
            "share_type": share,
            "mounted": mounted,
            "service_code": [f"SVC-{code + 1:03d}-{s:04d}" if m else None for s, m in zip(seq, mounted)],
            "update_frequency": freq,
            "registered_at": registered,
        }))
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
        monday = lo - ((lo.astype(object).weekday()))
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


def updates_frame(seed: int, window: Window, catalog: pd.DataFrame, depts: pd.DataFrame,
                  story: Story) -> pd.DataFrame:
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
            days = np.where(on_time, s + (rng.random(len(s)) * span).astype(int),
                            e + grace + 1 + rng.geometric(0.25, len(s)))[on_time | late]
        at = days.astype("datetime64[s]") + rng.integers(8 * 3600, 20 * 3600, len(days))
        keep = (at >= start) & (at <= end)
        if row.provider == stale and row.update_frequency == "每月":
            keep &= at < stale_since
        at = np.unique(at[keep])
        frames.append(pd.DataFrame({"resource_code": row.resource_code, "provider": row.provider,
                                    "updated_at": at, "rows": rng.integers(1, 50_000, len(at))}))
    return pd.concat(frames, ignore_index=True).sort_values(["updated_at", "resource_code"],
                                                             ignore_index=True)


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


# -- choosing departments and times --------------------------------------------------

def choose_active(rng, days: np.ndarray, weights: np.ndarray, depts: pd.DataFrame,
                  exclude: np.ndarray | None = None) -> np.ndarray:
    """For each day (datetime64[D]), a department code drawn by weight among those
    active that day and, row by row, other than `exclude`."""
    active = depts["active_day"].to_numpy()
    bounds = np.unique(active)
    out = np.full(len(days), -1)
    todo = np.arange(len(days))
    while len(todo):
        group = np.searchsorted(bounds, days[todo], side="right") - 1
        for g in np.unique(group):
            rows = todo[group == g]
            w = weights * (active <= bounds[g])
            out[rows] = rng.choice(len(weights), len(rows), p=w / w.sum())
        todo = todo[out[todo] == exclude[todo]] if exclude is not None else todo[:0]
    return out


def consumer_weights(depts: pd.DataFrame) -> np.ndarray:
    """Busy departments and the districts ask others for data most."""
    district = (depts["category"] == C.DISTRICT).to_numpy()
    return np.log10(depts["monthly_cases"].to_numpy() + 10.0) * np.where(district, 1.5, 1.0)


def office_times(rng, window: Window, cal: WorkCalendar, n: int) -> np.ndarray:
    """n moments in office hours, on working days mostly, sorted (datetime64[s])."""
    days = window.days()
    w = np.where(cal.is_workday(days), 1.0, 0.08)
    picked = rng.choice(days, n, p=w / w.sum())
    return np.sort(picked.astype("datetime64[s]") + rng.integers(8 * 3600 + 1800, 17 * 3600 + 1800, n))


def reply_times(rng, cal: WorkCalendar, started: np.ndarray, workdays: np.ndarray) -> np.ndarray:
    """A reply `workdays` working days after `started`; 0 means later the same day."""
    day = started.astype("datetime64[D]")
    later = cal.add_workdays(day, workdays).astype("datetime64[s]") + rng.integers(8 * 3600 + 1800, 18 * 3600, len(day))
    same_day = started + rng.integers(1800, 5 * 3600, len(day))
    return np.where(workdays == 0, same_day, later)


def window_end(window: Window) -> np.datetime64:
    return np.datetime64(window.end, "s") + 86_399


def pick_resource(rng, resources: pd.DataFrame, provider: np.ndarray, days: np.ndarray) -> np.ndarray:
    """For each row a resource of its provider registered by that day (None if none)."""
    out = np.full(len(provider), None, dtype=object)
    for p, group in resources.groupby("provider"):
        rows = np.flatnonzero(provider == p)
        group = group.sort_values("registered_at")
        reg = group["registered_at"].to_numpy().astype("datetime64[D]")
        eligible = np.searchsorted(reg, days[rows], side="right")
        pick = (rng.random(len(rows)) * eligible).astype(int)
        codes = group["resource_code"].to_numpy()
        out[rows] = np.where(eligible > 0, codes[np.minimum(pick, len(codes) - 1)], None)
    return out


def answered_or_open(answered: np.ndarray, never: np.ndarray, window: Window) -> np.ndarray:
    """Replies after the window's end are not known yet; some are never given."""
    return np.where(never | (answered > window_end(window)), np.datetime64("NaT"), answered)


# -- requests, objections, complaints, office KPIs -----------------------------------

REQUESTS = 2600
OBJECTIONS = 520


def requests_frame(seed: int, window: Window, cal: WorkCalendar, depts: pd.DataFrame,
                   catalog: pd.DataFrame) -> pd.DataFrame:
    rng = rng_for(seed, "requests")
    submitted = office_times(rng, window, cal, REQUESTS)
    days = submitted.astype("datetime64[D]")
    conditional = catalog[catalog["share_type"] == "conditional"]
    weights = np.bincount(conditional["provider"], minlength=len(depts)).astype(float)
    provider = choose_active(rng, days, weights, depts)
    requester = choose_active(rng, days, consumer_weights(depts), depts, exclude=provider)
    q = depts["quality"].to_numpy()[provider]
    answered = answered_or_open(reply_times(rng, cal, submitted, rng.poisson(1 + 9 * (1 - q) ** 2)),
                                rng.random(REQUESTS) < 0.25 * (1 - q) ** 2, window)
    decision = rng.choice(np.array(["同意", "不同意"], dtype=object), REQUESTS, p=[0.82, 0.18])
    return pd.DataFrame({
        "request_id": [f"SQ{d:%Y%m%d}{i:05d}" for i, d in enumerate(submitted.astype(object), 1)],
        "requester": requester,
        "provider": provider,
        "resource_code": pick_resource(rng, conditional, provider, days),
        "submitted_at": submitted,
        "answered_at": answered,
        "decision": np.where(np.isnat(answered), None, decision),
    })


def objections_frame(seed: int, window: Window, cal: WorkCalendar, depts: pd.DataFrame,
                     catalog: pd.DataFrame) -> pd.DataFrame:
    rng = rng_for(seed, "objections")
    raised = office_times(rng, window, cal, OBJECTIONS)
    days = raised.astype("datetime64[D]")
    mounted = catalog[catalog["mounted"]]
    quality = depts["quality"].to_numpy()
    weights = np.bincount(mounted["provider"], minlength=len(depts)) * (1.6 - quality)
    provider = choose_active(rng, days, weights, depts)
    raised_by = choose_active(rng, days, consumer_weights(depts), depts, exclude=provider)
    q = quality[provider]
    resolved = answered_or_open(reply_times(rng, cal, raised, rng.poisson(1.5 + 10 * (1 - q) ** 2)),
                                rng.random(OBJECTIONS) < 0.3 * (1 - q) ** 2, window)
    return pd.DataFrame({
        "objection_id": [f"YY{d:%Y%m%d}{i:04d}" for i, d in enumerate(raised.astype(object), 1)],
        "raised_by": raised_by,
        "provider": provider,
        "resource_code": pick_resource(rng, mounted, provider, days),
        "kind": rng.choice(np.array(C.OBJECTION_KINDS, dtype=object), OBJECTIONS, p=[0.45, 0.35, 0.2]),
        "raised_at": raised,
        "resolved_at": resolved,
    })


SEASON = {1: 1.05, 2: 0.7, 3: 1.1, 4: 1.0, 5: 0.95, 6: 1.0, 7: 1.05, 8: 1.0, 9: 1.0,
          10: 0.8, 11: 1.0, 12: 1.1}


def kpis_frame(seed: int, window: Window, depts: pd.DataFrame) -> pd.DataFrame:
    """Monthly service-centre counters for every department active that month; a month
    the window only partly covers gets its share."""
    rng = rng_for(seed, "kpis")
    rows = []
    for m in window.months():
        nxt = add_months(m, 1)
        covered = (min(nxt, window.end + timedelta(days=1)) - max(m, window.start)).days / (nxt - m).days
        for code, d in depts.iterrows():
            if d.active_from is None or d.active_from < nxt:
                rows.append((code, m, d.monthly_cases * SEASON[m.month] * covered, d.quality))
    code, month, mean, q = (np.array(c) for c in zip(*rows))
    received = rng.poisson(mean * rng.lognormal(0, 0.08, len(mean)))
    completed = rng.binomial(received, 0.93 + 0.06 * q)
    reviews = rng.binomial(completed, 0.35)
    bad = rng.binomial(reviews, 0.002 + 0.05 * (1 - q) ** 2)
    return pd.DataFrame({
        "dept": code,
        "month": month,
        "cases_received": received,
        "cases_completed": completed,
        "cases_on_time": rng.binomial(completed, 0.80 + 0.195 * q),
        "cases_online": rng.binomial(received, 0.35 + 0.6 * q),
        "reviews_good": reviews - bad,
        "reviews_bad": bad,
    })


def complaints_frame(seed: int, window: Window, cal: WorkCalendar, depts: pd.DataFrame,
                     kpis: pd.DataFrame, story: Story) -> pd.DataFrame:
    """Tickets in proportion to each department's cases and quality; the rising
    department's tickets multiply in the last quarter, mostly about a failing system."""
    rng = rng_for(seed, "complaints")
    quality = depts["quality"].to_numpy()
    rate = 10 + 110 * (1 - quality) ** 2  # per 10,000 cases
    rise_code = depts.index[depts["name"] == story.complaint_rise][0]
    k_dept = kpis["dept"].to_numpy()
    k_month = kpis["month"].to_numpy().astype("datetime64[D]")
    rising = (k_dept == rise_code) & (k_month >= np.datetime64(story.rise_from))
    lam = kpis["cases_received"].to_numpy() * rate[k_dept] / 1e4 * np.where(rising, C.COMPLAINT_RISE_FACTOR, 1)
    counts = rng.poisson(lam)
    next_month = np.array([add_months(m, 1) for m in kpis["month"]], dtype="datetime64[D]")
    active = depts["active_day"].to_numpy().astype("datetime64[D]")[k_dept]
    lo = np.maximum(np.maximum(k_month, np.datetime64(window.start)), active)
    hi = np.minimum(next_month, np.datetime64(window.end) + 1)
    dept, rise = np.repeat(k_dept, counts), np.repeat(rising, counts)
    lo, hi = np.repeat(lo, counts), np.repeat(hi, counts)
    n = len(dept)
    day = lo + (rng.random(n) * (hi - lo).astype(int)).astype(int)
    received = day.astype("datetime64[s]") + 60 * rng.integers(7 * 60, 22 * 60, n)
    categories = np.array(C.COMPLAINT_CATEGORIES, dtype=object)
    base = rng.choice(categories, n, p=[0.2, 0.14, 0.12, 0.08, 0.1, 0.12, 0.06, 0.06, 0.06, 0.06])
    category = np.where(rise & (rng.random(n) < 0.5), "系统故障", base)
    q = quality[dept]
    due = np.where(rng.random(n) < 0.25,
                   cal.add_workdays(day, rng.integers(1, 4, n)).astype("datetime64[s]") + 18 * 3600,
                   np.datetime64("NaT"))
    closed = answered_or_open(reply_times(rng, cal, received, rng.poisson(1 + 8 * (1 - q) ** 2)),
                              rng.random(n) < 0.2 * (1 - q) ** 2, window)
    p_bad = 0.02 + 0.35 * (1 - q) ** 2 + np.where(rise, 0.2, 0)
    p_good = 0.5 + 0.45 * q - np.where(rise, 0.2, 0)
    u = rng.random(n)
    rated = np.where(u < p_good, "满意", np.where(u < 1 - p_bad, "基本满意", "不满意"))
    unrated = np.isnat(closed) | (rng.random(n) < 0.22)
    subjects = depts["subjects"].to_numpy()
    subject = [subjects[d][i % len(subjects[d])] for d, i in zip(dept, rng.integers(0, 1000, n))]
    frame = pd.DataFrame({
        "dept": dept,
        "channel": rng.choice(np.array(["12345热线", "好差评"], dtype=object), n, p=[0.68, 0.32]),
        "category": category,
        "summary": [f"市民反映办理{s}相关业务时{C.COMPLAINT_ISSUES[c]}" for s, c in zip(subject, category)],
        "received_at": received,
        "due_at": due,
        "closed_at": closed,
        "satisfaction": np.where(unrated, "未评价", rated),
    }).sort_values(["received_at", "dept"], kind="stable", ignore_index=True)
    stamp = frame["received_at"].dt.strftime("%Y%m%d")
    frame.insert(0, "ticket_id", "GD" + stamp + (frame.groupby(stamp).cumcount() + 1).map("{:04d}".format))
    return frame


# -- exchange calls ------------------------------------------------------------------

def call_pairs(city: City) -> pd.DataFrame:
    """Who calls which service: a few consumers per service, each with a steady volume,
    so the same consumers call the same services again and again."""
    rng = rng_for(city.seed, "pairs")
    depts, services = city.departments, city.catalog[city.catalog["mounted"]]
    outage = city.dept_code(city.story.outage_provider)
    popularity = rng.lognormal(0, 1.0, len(services)) * np.where(services["provider"] == outage, 3.0, 1.0)
    base = consumer_weights(depts)
    active = depts["active_day"].to_numpy()
    frames = []
    for pop, s in zip(popularity, services.itertuples()):
        w = base.copy()
        w[s.provider] = 0
        k = min(1 + rng.poisson(2.5), len(depts) - 1)
        consumers = rng.choice(len(depts), k, replace=False, p=w / w.sum())
        start = max(np.datetime64(s.registered_at, "D"), active[s.provider])
        frames.append(pd.DataFrame({
            "service_code": s.service_code,
            "provider": s.provider,
            "consumer": consumers,
            "weight": pop * rng.lognormal(0, 0.8, k),
            "start": np.maximum(active[consumers], start),
        }))
    return pd.concat(frames, ignore_index=True)


def calls_per_day(city: City, n_calls: int) -> np.ndarray:
    """Exactly n_calls spread over the window's days: working days busy, slow growth."""
    days = city.window.days()
    w = np.where(city.cal.is_workday(days), 1.0, 0.22) * (1 + 0.25 * np.arange(len(days)) / len(days))
    return rng_for(city.seed, "call_days").multinomial(n_calls, w / w.sum())


def call_months(city: City, n_calls: int) -> Iterator[tuple[date, pd.DataFrame]]:
    """The calls month by month (first day of month, frame sorted by time)."""
    pairs = call_pairs(city)
    p_weight = pairs["weight"].to_numpy()
    p_start = pairs["start"].to_numpy()
    quality = city.departments["quality"].to_numpy()
    fail_p = 0.008 + 0.12 * (1 - quality) ** 2
    median_ms = rng_for(city.seed, "pairs", 1).lognormal(np.log(90 + 500 * (1 - quality) ** 2), 0.2)
    outage = city.dept_code(city.story.outage_provider)
    outage_days = np.array(city.story.outage_days, dtype="datetime64[D]")
    days, per_day = city.window.days(), calls_per_day(city, n_calls)
    hours = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
    fault_names = np.array([f for f, _ in FAULTS], dtype=object)
    fault_status = np.array([s for _, s in FAULTS])
    for m in city.window.months():
        rng = rng_for(city.seed, "calls", m.year * 100 + m.month)
        in_month = (days >= np.datetime64(m)) & (days < np.datetime64(add_months(m, 1)))
        picks, day_of = [], []
        for day, n in zip(days[in_month], per_day[in_month]):
            w = p_weight * (p_start <= day)
            picks.append(rng.choice(len(w), n, p=w / w.sum()))
            day_of.append(np.full(n, day))
        pair = np.concatenate(picks)
        day = np.concatenate(day_of)
        n = len(pair)
        at = day.astype("datetime64[s]") + rng.choice(24, n, p=hours) * 3600 + rng.integers(0, 3600, n)
        order = np.argsort(at, kind="stable")
        pair, day, at = pair[order], day[order], at[order]
        provider = pairs["provider"].to_numpy()[pair]
        down = (provider == outage) & np.isin(day, outage_days)
        failed = down | (rng.random(n) < fail_p[provider])
        fault = np.where(down, rng.choice(len(FAULTS), n, p=OUTAGE_FAULT_MIX),
                         rng.choice(len(FAULTS), n, p=FAULT_MIX))
        ok_ms = rng.lognormal(np.log(median_ms[provider]), 0.6)
        err_ms = np.where(fault == 0, TIMEOUT_MS + rng.integers(0, 800, n), rng.lognormal(np.log(40), 0.7))
        seq = np.arange(n) - np.searchsorted(day, day, side="left") + 1
        stamp = day.astype("datetime64[D]").astype(str).astype(object)
        yield m, pd.DataFrame({
            "call_id": "JH" + pd.Series(stamp).str.replace("-", "") + pd.Series(seq).map("{:08d}".format),
            "requested_at": at,
            "consumer": pairs["consumer"].to_numpy()[pair],
            "provider": provider,
            "service_code": pairs["service_code"].to_numpy()[pair],
            "succeeded": ~failed,
            "status_code": np.where(failed, fault_status[fault], 200),
            "fault_code": np.where(failed, fault_names[fault], None),
            "duration_ms": np.maximum(np.where(failed, err_ms, ok_ms), 1).astype(np.int64),
        })
