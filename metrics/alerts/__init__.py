"""Alerts: pure detectors that read rollups (never raw calls) and say, in words and
numbers, what went wrong on which day, before anyone opens a ranking.

Every detector returns a frame with DETECTION_COLUMNS, one row per (kind, subject, day)
on which its condition holds; data/alerts.py turns those rows into alerts with a state
(one open alert per kind and subject, updated while the condition continues, resolved
when it clears).

- kind: a code of data.vocabulary.ALERT_KINDS
- subject: what the alert is about, a stable key: "service:<provider code>/<service code>",
  "dept:<department code>", "resource:<catalog resource id>", "source:<source name>"
  (a department's code is its id in the store; a resource's id is its resource_code)
- dept_code: the responsible department's code, its store id as an int (None for collector health)
- severity: a code of data.vocabulary.ALERT_SEVERITIES
- day: the local date on which the condition held (datetime.date)
- value, baseline: the observed figure and what was expected (floats; NaN when not one number)
- message: the explanation a clerk reads, in Chinese, with the numbers
- evidence: list of dicts (JSON-serialisable): the rollup rows behind the alert

Entry points: load_rules() reads the thresholds, data.alert_inputs.load_alert_inputs()
the frames, detect() runs every detector over the checked days at once.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from metrics.alerts import exchange
from metrics.alerts.frame import DETECTION_COLUMNS, DayGrid
from metrics.alerts.rules import AlertRules, AlertRulesError, load_rules

__all__ = ["DETECTION_COLUMNS", "AlertRules", "AlertRulesError", "detect", "load_rules"]


def detect(inputs, days: list[date], rules: AlertRules) -> pd.DataFrame:
    """Every (kind, subject, day) among `days` on which a detector's condition holds,
    ordered by day, kind and subject."""
    days = sorted(set(days))
    if not days:
        return pd.DataFrame(columns=list(DETECTION_COLUMNS))
    grid = DayGrid(inputs.first_day, inputs.last_day)
    names = inputs.departments.set_index("dept_id")["name"]
    outages = exchange.provider_outage(inputs.service_days, names, grid, days, rules.provider_outage)
    services = exchange.ServiceGrid(inputs.service_days, grid)
    parts = [
        outages,
        exchange.failure_rate(services, names, grid, days, rules.failure_rate, outages),
        exchange.volume_drop(services, names, grid, days, rules.volume_drop),
    ]
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    return out.sort_values(["day", "kind", "subject"], ignore_index=True)[list(DETECTION_COLUMNS)]
