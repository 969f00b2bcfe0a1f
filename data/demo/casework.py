"""Sharing requests, data objections and complaints (records with a deadline and a
reply), and the monthly office KPIs the complaint volumes follow."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from data.demo import city as C
from data.demo.calendar import Window, WorkCalendar
from data.demo.story import Story
from data.demo.streams import rng_for
from data.periods import add_months


def choose_active(
    rng, days: np.ndarray, weights: np.ndarray, depts: pd.DataFrame, exclude: np.ndarray | None = None
) -> np.ndarray:
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


def requests_frame(
    seed: int, window: Window, cal: WorkCalendar, depts: pd.DataFrame, catalog: pd.DataFrame
) -> pd.DataFrame:
    rng = rng_for(seed, "requests")
    submitted = office_times(rng, window, cal, REQUESTS)
    days = submitted.astype("datetime64[D]")
    conditional = catalog[catalog["share_type"] == "conditional"]
    weights = np.bincount(conditional["provider"], minlength=len(depts)).astype(float)
    provider = choose_active(rng, days, weights, depts)
    requester = choose_active(rng, days, consumer_weights(depts), depts, exclude=provider)
    q = depts["quality"].to_numpy()[provider]
    answered = answered_or_open(
        reply_times(rng, cal, submitted, rng.poisson(1 + 9 * (1 - q) ** 2)),
        rng.random(REQUESTS) < 0.25 * (1 - q) ** 2,
        window,
    )
    decision = rng.choice(np.array(["同意", "不同意"], dtype=object), REQUESTS, p=[0.82, 0.18])
    return pd.DataFrame(
        {
            "request_id": [f"SQ{d:%Y%m%d}{i:05d}" for i, d in enumerate(submitted.astype(object), 1)],
            "requester": requester,
            "provider": provider,
            "resource_code": pick_resource(rng, conditional, provider, days),
            "submitted_at": submitted,
            "answered_at": answered,
            "decision": np.where(np.isnat(answered), None, decision),
        }
    )


def objections_frame(
    seed: int, window: Window, cal: WorkCalendar, depts: pd.DataFrame, catalog: pd.DataFrame
) -> pd.DataFrame:
    rng = rng_for(seed, "objections")
    raised = office_times(rng, window, cal, OBJECTIONS)
    days = raised.astype("datetime64[D]")
    mounted = catalog[catalog["mounted"]]
    quality = depts["quality"].to_numpy()
    weights = np.bincount(mounted["provider"], minlength=len(depts)) * (1.6 - quality)
    provider = choose_active(rng, days, weights, depts)
    raised_by = choose_active(rng, days, consumer_weights(depts), depts, exclude=provider)
    q = quality[provider]
    resolved = answered_or_open(
        reply_times(rng, cal, raised, rng.poisson(1.5 + 10 * (1 - q) ** 2)),
        rng.random(OBJECTIONS) < 0.3 * (1 - q) ** 2,
        window,
    )
    return pd.DataFrame(
        {
            "objection_id": [f"YY{d:%Y%m%d}{i:04d}" for i, d in enumerate(raised.astype(object), 1)],
            "raised_by": raised_by,
            "provider": provider,
            "resource_code": pick_resource(rng, mounted, provider, days),
            "kind": rng.choice(np.array(C.OBJECTION_KINDS, dtype=object), OBJECTIONS, p=[0.45, 0.35, 0.2]),
            "raised_at": raised,
            "resolved_at": resolved,
        }
    )


SEASON = {1: 1.05, 2: 0.7, 3: 1.1, 4: 1.0, 5: 0.95, 6: 1.0, 7: 1.05, 8: 1.0, 9: 1.0, 10: 0.8, 11: 1.0, 12: 1.1}


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
    return pd.DataFrame(
        {
            "dept": code,
            "month": month,
            "cases_received": received,
            "cases_completed": completed,
            "cases_on_time": rng.binomial(completed, 0.80 + 0.195 * q),
            "cases_online": rng.binomial(received, 0.35 + 0.6 * q),
            "reviews_good": reviews - bad,
            "reviews_bad": bad,
        }
    )


def complaints_frame(
    seed: int, window: Window, cal: WorkCalendar, depts: pd.DataFrame, kpis: pd.DataFrame, story: Story
) -> pd.DataFrame:
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
    due = np.where(
        rng.random(n) < 0.25,
        cal.add_workdays(day, rng.integers(1, 4, n)).astype("datetime64[s]") + 18 * 3600,
        np.datetime64("NaT"),
    )
    closed = answered_or_open(
        reply_times(rng, cal, received, rng.poisson(1 + 8 * (1 - q) ** 2)), rng.random(n) < 0.2 * (1 - q) ** 2, window
    )
    p_bad = 0.02 + 0.35 * (1 - q) ** 2 + np.where(rise, 0.2, 0)
    p_good = 0.5 + 0.45 * q - np.where(rise, 0.2, 0)
    u = rng.random(n)
    rated = np.where(u < p_good, "满意", np.where(u < 1 - p_bad, "基本满意", "不满意"))
    unrated = np.isnat(closed) | (rng.random(n) < 0.22)
    subjects = depts["subjects"].to_numpy()
    subject = [subjects[d][i % len(subjects[d])] for d, i in zip(dept, rng.integers(0, 1000, n))]
    frame = pd.DataFrame(
        {
            "dept": dept,
            "channel": rng.choice(np.array(["12345热线", "好差评"], dtype=object), n, p=[0.68, 0.32]),
            "category": category,
            "summary": [f"市民反映办理{s}相关业务时{C.COMPLAINT_ISSUES[c]}" for s, c in zip(subject, category)],
            "received_at": received,
            "due_at": due,
            "closed_at": closed,
            "satisfaction": np.where(unrated, "未评价", rated),
        }
    ).sort_values(["received_at", "dept"], kind="stable", ignore_index=True)
    stamp = frame["received_at"].dt.strftime("%Y%m%d")
    frame.insert(0, "ticket_id", "GD" + stamp + (frame.groupby(stamp).cumcount() + 1).map("{:04d}".format))
    return frame
