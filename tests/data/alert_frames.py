"""Hand-built detection frames with the detectors' contract (DETECTION_COLUMNS), for the alert
store, page and delivery tests."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from metrics.alerts import DETECTION_COLUMNS

NOV = date(2026, 11, 1)


def day(n: int) -> date:
    """n-th of November 2026."""
    return NOV + timedelta(days=n - 1)


def days(first: int, last: int) -> list[date]:
    return [day(n) for n in range(first, last + 1)]


def outage(dept_id: int, n: int, severity: str = "high", failed: int = 40, calls: int = 50) -> dict:
    """A provider's services failing on the n-th: `failed` of `calls` calls."""
    return {
        "kind": "provider_outage",
        "subject": f"dept:{dept_id}",
        "dept_code": dept_id,
        "severity": severity,
        "day": day(n),
        "value": failed / calls,
        "baseline": 0.02,
        "message": f"{day(n)} 该部门接口 {calls} 次调用中失败 {failed} 次（失败率 {failed / calls:.0%}，平常 2%）",
        "evidence": [{"day": day(n).isoformat(), "service_code": "svc-1", "calls": calls, "failures": failed}],
    }


def silent(source: str, n: int) -> dict:
    """A collector source that did not deliver, seen on the n-th."""
    return {
        "kind": "source_silent",
        "subject": f"source:{source}",
        "dept_code": None,
        "severity": "medium",
        "day": day(n),
        "value": 3.0,
        "baseline": 1.0,
        "message": f"数据源 {source} 已 3 个采集周期未送数（应每周期 1 次）",
        "evidence": [],
    }


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(DETECTION_COLUMNS))
