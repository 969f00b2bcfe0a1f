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

from datetime import date, timedelta

import pandas as pd

from metrics.alerts import complaints, cross, exchange, health, updates
from metrics.alerts.frame import DETECTION_COLUMNS, DayGrid
from metrics.alerts.rules import AlertRules, AlertRulesError, load_rules
from metrics.scheme import available_years, load_scheme

__all__ = ["DETECTION_COLUMNS", "AlertRules", "AlertRulesError", "detect", "load_rules"]


def detect(inputs, days: list[date], rules: AlertRules) -> pd.DataFrame:
    """Every (kind, subject, day) among `days` on which a detector's condition holds,
    ordered by day, kind and subject."""
    days = sorted(set(days))
    if not days:
        return pd.DataFrame(columns=list(DETECTION_COLUMNS))
    if days[0] < inputs.first_day or days[-1] > inputs.last_day:
        raise ValueError(f"检查日期 {days[0]} 至 {days[-1]} 超出已读取的数据范围，请用这些日期重新读取预警数据")
    grid = DayGrid(inputs.first_day, inputs.last_day)
    names = inputs.departments.set_index("dept_id")["name"]
    services = exchange.ServiceGrid(inputs.service_days, grid)
    outages = exchange.provider_outage(services, names, grid, days, rules.provider_outage)
    res = updates.regular_resources(inputs.resources, inputs.departments, grace_days(max(days).year))
    first_end = min(days) - timedelta(days=rules.update_history_days)
    table = updates.SlotTable(res, inputs.updates, inputs.first_updates, first_end, max(days))
    overdue = updates.overdue_counts(res, table, grid)
    citizen = pd.concat(
        [
            complaints.complaint_surge(inputs.complaints, inputs.departments, grid, days, rules.complaint_surge),
            complaints.satisfaction_drop(inputs.complaints, inputs.departments, grid, days, rules.satisfaction_drop),
        ],
        ignore_index=True,
    )
    parts = [
        outages,
        exchange.failure_rate(services, names, grid, days, rules.failure_rate, outages),
        exchange.volume_drop(services, names, grid, days, rules.volume_drop),
        updates.update_missed(res, table, names, days, rules.update_missed),
        updates.overdue_jump(names, overdue, grid, days, rules.overdue_jump),
        updates.suspicious_updates(
            inputs.resources, inputs.updates, inputs.catalog_sources, inputs.runs, names, days, rules.suspicious_updates
        ),
        citizen,
        cross.cross_signal(
            inputs.departments, grid, days, rules.cross_signal, services, overdue, citizen, inputs.office
        ),
        health.source_silent(inputs.runs, days, inputs.read_at, rules.source_silent),
        health.quarantine_jump(inputs.runs, days, rules.quarantine_jump),
        health.file_failed(inputs.runs, days, rules.file_failed),
    ]
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    return out.sort_values(["day", "kind", "subject"], ignore_index=True)[list(DETECTION_COLUMNS)]


def grace_days(year: int) -> dict[str, int]:
    """The update slots' grace days of the scheme of `year` (the nearest year with a scheme)."""
    years = available_years()
    if not years:
        raise AlertRulesError("没有可用的考核方案：更新类预警需要方案中的宽限天数")
    return load_scheme(min(years, key=lambda y: (abs(y - year), -y))).grace_days
