"""The alert detectors, timed in this process through their own entry points on a loaded
store: the whole year at once (a first check) and the last day alone (the check after each
collector run). They read rollups, so the time should not grow with the calls."""

from __future__ import annotations

import time
from datetime import date, timedelta

from data.db import make_engine


def time_alerts(url: str, last_day: date, repeat: int) -> dict[str, float]:
    """Best wall seconds of `repeat` runs of load_alert_inputs + detect over the year ending
    last_day and over last_day alone, and the detections of the year."""
    from data.alert_inputs import load_alert_inputs
    from metrics.alerts import detect, load_rules

    rules = load_rules()
    year = [last_day - timedelta(days=i) for i in range(364, -1, -1)]
    engine = make_engine(url)
    best = {"year_s": float("inf"), "day_s": float("inf")}
    found = 0
    try:
        for _ in range(repeat):
            for key, days in (("year_s", year), ("day_s", [last_day])):
                started = time.perf_counter()
                detections = detect(load_alert_inputs(engine, days, rules), days, rules)
                best[key] = min(best[key], time.perf_counter() - started)
                if key == "year_s":
                    found = len(detections)
    finally:
        engine.dispose()
    return {**best, "detections": found}
