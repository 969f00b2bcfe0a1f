"""Exchange calls, streamed month by month: who calls which service, when, and how
it went (about 2 % failures; one provider down for two days)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np
import pandas as pd

from data.demo.casework import consumer_weights
from data.demo.generate import City
from data.demo.streams import rng_for
from data.periods import add_months

HOUR_WEIGHTS = np.array(
    [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4, 7, 8, 7.5, 4, 5, 7.5, 8, 7, 5, 2.5, 1.5, 1.2, 0.9, 0.6, 0.3]
)
FAULTS = (
    ("TIMEOUT", 504),
    ("SERVICE_ERROR", 500),
    ("AUTH_DENIED", 403),
    ("PARAM_INVALID", 400),
    ("NO_DATA", 404),
    ("SERVICE_UNAVAILABLE", 503),
)
FAULT_MIX = (0.35, 0.25, 0.12, 0.15, 0.13, 0.0)
OUTAGE_FAULT_MIX = (0.3, 0.0, 0.0, 0.0, 0.0, 0.7)
TIMEOUT_MS = 30_000


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
        frames.append(
            pd.DataFrame(
                {
                    "service_code": s.service_code,
                    "provider": s.provider,
                    "consumer": consumers,
                    "weight": pop * rng.lognormal(0, 0.8, k),
                    "start": np.maximum(active[consumers], start),
                }
            )
        )
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
        fault = np.where(down, rng.choice(len(FAULTS), n, p=OUTAGE_FAULT_MIX), rng.choice(len(FAULTS), n, p=FAULT_MIX))
        ok_ms = rng.lognormal(np.log(median_ms[provider]), 0.6)
        err_ms = np.where(fault == 0, TIMEOUT_MS + rng.integers(0, 800, n), rng.lognormal(np.log(40), 0.7))
        seq = np.arange(n) - np.searchsorted(day, day, side="left") + 1
        stamp = day.astype("datetime64[D]").astype(str).astype(object)
        yield (
            m,
            pd.DataFrame(
                {
                    "call_id": "JH" + pd.Series(stamp).str.replace("-", "") + pd.Series(seq).map("{:08d}".format),
                    "requested_at": at,
                    "consumer": pairs["consumer"].to_numpy()[pair],
                    "provider": provider,
                    "service_code": pairs["service_code"].to_numpy()[pair],
                    "succeeded": ~failed,
                    "status_code": np.where(failed, fault_status[fault], 200),
                    "fault_code": np.where(failed, fault_names[fault], None),
                    "duration_ms": np.maximum(np.where(failed, err_ms, ok_ms), 1).astype(np.int64),
                }
            ),
        )
