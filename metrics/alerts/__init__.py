"""Alerts: pure detectors that read rollups (never raw calls) and say, in words and
numbers, what went wrong on which day, before anyone opens a ranking.

Every detector returns a frame with DETECTION_COLUMNS, one row per (kind, subject, day)
on which its condition holds; data/alerts.py turns those rows into alerts with a state
(one open alert per kind and subject, updated while the condition continues, resolved
when it clears).

- kind: a code of data.vocabulary.ALERT_KINDS
- subject: what the alert is about, a stable key: "service:<provider code>/<service code>",
  "dept:<department code>", "resource:<catalog resource id>", "source:<source name>"
- dept_code: the responsible department's code (None for collector health)
- severity: a code of data.vocabulary.ALERT_SEVERITIES
- day: the local date on which the condition held (datetime.date)
- value, baseline: the observed figure and what was expected (floats; NaN when not one number)
- message: the explanation a clerk reads, in Chinese, with the numbers
- evidence: list of dicts (JSON-serialisable): the rollup rows behind the alert
"""

DETECTION_COLUMNS = ("kind", "subject", "dept_code", "severity", "day", "value", "baseline", "message", "evidence")
