"""Hand-built AlertInputs for the detector tests (same columns and dtypes as data/alert_inputs.py)."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta

import pandas as pd

from data.alert_inputs import AlertInputs
from metrics.alerts import load_rules
from tests.metrics.builders import COLUMNS as PERIOD_COLUMNS

COLUMNS = {  # the period inputs' columns where the alert inputs share them (tests/metrics/builders.py)
    "departments": PERIOD_COLUMNS["departments"],
    "service_days": {
        "day": "datetime64[ns]",
        "provider_dept_id": "int64",
        "service_code": "object",
        "calls": "int64",
        "failures": "int64",
    },
    "resources": {**PERIOD_COLUMNS["resources"], "source": "object"},
    "updates": {**PERIOD_COLUMNS["updates"], "recorded_at": "datetime64[ns]", "source": "object"},
    "first_updates": PERIOD_COLUMNS["first_updates"],
    "complaints": {
        "dept_id": "int64",
        "received_at": "datetime64[ns]",
        "closed_at": "datetime64[ns]",
        "satisfaction": "object",
    },
    "office": PERIOD_COLUMNS["office"],
    "runs": {
        "source": "object",
        "started_at": "datetime64[ns]",
        "finished_at": "datetime64[ns]",
        "status": "object",
        "rows_read": "int64",
        "rows_quarantined": "int64",
        "files": "object",
        "error": "object",
    },
}

DEPTS = [(1, "市甲局"), (2, "市乙局"), (3, "市丙局")]


def frame(name: str, rows: list[tuple] | list[dict] = ()) -> pd.DataFrame:
    cols = COLUMNS[name]
    df = pd.DataFrame(list(rows), columns=list(cols)) if rows and not isinstance(rows[0], dict) else pd.DataFrame(rows)
    df = df.reindex(columns=list(cols))
    return df.astype(cols)


def inputs(first: date, last: date, **frames_by_name) -> AlertInputs:
    given = {"departments": frame("departments", [(i, n, "city_dept", pd.NaT) for i, n in DEPTS]), **frames_by_name}
    given.setdefault("catalog_sources", ["catalog"])
    given.setdefault("read_at", pd.Timestamp(last + timedelta(days=1)))
    names = [f.name for f in fields(AlertInputs) if f.name not in ("first_day", "last_day")]
    return AlertInputs(first_day=first, last_day=last, **{n: given[n] if n in given else frame(n) for n in names})


def days(first: date, n: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(n)]


RULES = load_rules()
