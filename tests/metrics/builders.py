"""Hand-built input frames for metrics unit tests (same columns and dtypes as data/frames.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from metrics.inputs import PeriodInputs

UTC8 = timedelta(hours=8)

COLUMNS = {
    "departments": {"dept_id": "int64", "name": "object", "category": "object", "active_from": "datetime64[ns]"},
    "resources": {
        "resource_code": "object",
        "name": "object",
        "provider_dept_id": "int64",
        "share_type": "object",
        "update_frequency": "object",
        "mounted": "bool",
        "service_code": "object",
        "registered_at": "datetime64[ns]",
        "last_updated_at": "datetime64[ns]",
        "first_seen_at": "datetime64[ns]",
        "update_note": "object",
    },
    "updates": {"resource_code": "object", "updated_at": "datetime64[ns]"},
    "first_updates": {"resource_code": "object", "first_update": "datetime64[ns]"},
    "calls": {"provider_dept_id": "int64", "service_code": "object", "calls": "int64", "failures": "int64"},
    "faults": {"provider_dept_id": "int64", "service_code": "object", "fault_code": "object", "failed": "int64"},
    "latency": {
        "provider_dept_id": "int64",
        "service_code": "object",
        "duration_count": "int64",
        "duration_sum_ms": "int64",
        **{f"h{i}": "int64" for i in range(12)},
    },
    "requests": {
        "request_id": "object",
        "requester_dept_id": "int64",
        "provider_dept_id": "int64",
        "resource_code": "object",
        "submitted_at": "datetime64[ns]",
        "answered_at": "datetime64[ns]",
        "due_at": "datetime64[ns]",
        "decision": "object",
    },
    "objections": {
        "objection_id": "object",
        "raised_by_dept_id": "int64",
        "provider_dept_id": "int64",
        "resource_code": "object",
        "kind": "object",
        "raised_at": "datetime64[ns]",
        "resolved_at": "datetime64[ns]",
        "due_at": "datetime64[ns]",
    },
    "complaints": {
        "ticket_id": "object",
        "dept_id": "int64",
        "received_at": "datetime64[ns]",
        "due_at": "datetime64[ns]",
        "limit_workdays": "Int64",
        "closed_at": "datetime64[ns]",
        "category": "object",
        "channel": "object",
        "satisfaction": "object",
    },
    "office": {
        "dept_id": "int64",
        "month": "datetime64[ns]",
        "cases_received": "int64",
        "cases_completed": "int64",
        "cases_on_time": "int64",
        "cases_online": "int64",
        "reviews_good": "int64",
        "reviews_bad": "int64",
    },
    "adjustments": {
        "id": "int64",
        "dept_id": "int64",
        "kind": "object",
        "points": "float64",
        "reason": "object",
        "author": "object",
        "created_at": "datetime64[ns]",
    },
}
DEFAULTS = {
    "resources": {
        "name": None,
        "share_type": "unconditional",
        "update_frequency": "irregular",
        "mounted": False,
        "service_code": None,
        "registered_at": None,
        "last_updated_at": None,
        "first_seen_at": datetime(2020, 1, 1),
        "update_note": None,
    },
    "requests": {"requester_dept_id": 99, "resource_code": None, "answered_at": None, "due_at": None, "decision": None},
    "objections": {"raised_by_dept_id": 99, "resource_code": None, "kind": None, "resolved_at": None, "due_at": None},
    "complaints": {
        "due_at": None,
        "limit_workdays": None,
        "closed_at": None,
        "category": None,
        "channel": None,
        "satisfaction": "unrated",
    },
    "office": {
        c: 0
        for c in ("cases_received", "cases_completed", "cases_on_time", "cases_online", "reviews_good", "reviews_bad")
    },
    "adjustments": {"reason": "测试", "author": "测试员", "created_at": datetime(2026, 1, 1)},
    "latency": {f"h{i}": 0 for i in range(12)},
}


def local(y, m, d, hh=10, mm=0) -> datetime:
    """Naive UTC instant of a local (UTC+8) wall-clock time."""
    return datetime(y, m, d, hh, mm) - UTC8


def frame(name: str, rows: list[dict]) -> pd.DataFrame:
    cols = COLUMNS[name]
    full = [{**DEFAULTS.get(name, {}), **r} for r in rows]
    df = pd.DataFrame(full, columns=list(cols))
    if name == "resources":
        df["name"] = df["name"].fillna(df["resource_code"])
    if name == "adjustments":
        df["id"] = range(1, len(df) + 1)
    return df.astype(cols)


def inputs(**tables: list[dict]) -> PeriodInputs:
    """PeriodInputs from row dicts; departments default to 1 and 2 (市直部门) and 3 (区县)."""
    tables.setdefault(
        "departments",
        [
            {"dept_id": 1, "name": "市数据局", "category": "city_dept"},
            {"dept_id": 2, "name": "市人社局", "category": "city_dept"},
            {"dept_id": 3, "name": "甲区", "category": "district"},
        ],
    )
    return PeriodInputs(**{name: frame(name, tables.get(name, [])) for name in COLUMNS})


def day(s: str) -> date:
    return date.fromisoformat(s)


def context(inp: PeriodInputs, period_key: str, as_of: str):
    """The Context assess() would build for these inputs."""
    from data.periods import Period
    from metrics.assessment import assessed_departments
    from metrics.inputs import Context
    from metrics.scheme import load_scheme

    period, scheme = Period.parse(period_key), load_scheme(int(period_key[:4]))
    return Context(period, day(as_of), scheme, assessed_departments(inp.departments, period, day(as_of), scheme))


def counts_of(parts, indicator: str) -> dict[int, tuple[float, float]]:
    """{dept_id: (numerator, denominator)} of one indicator from a family's Parts."""
    out = {}
    for frame in parts.counts:
        for r in frame[frame["indicator"] == indicator].itertuples():
            out[int(r.dept_id)] = (float(r.numerator), float(r.denominator))
    return out
