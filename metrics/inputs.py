"""Everything one period's computation reads, as frames, and the digest that identifies it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import date, timedelta

import numpy as np
import pandas as pd

from data.appeals import EXEMPTION_COLUMNS
from data.clock import local_days
from data.periods import Period
from data.workdays import WorkdayCalendar, calendar_for
from metrics.scheme import Scheme


def no_exemptions() -> pd.DataFrame:
    return pd.DataFrame(columns=EXEMPTION_COLUMNS).astype({"dept_id": "int64", "appeal_id": "int64"})


@dataclass
class PeriodInputs:
    """Frames as read from the store (timestamps naive UTC). Columns: see data/frames.py."""

    departments: pd.DataFrame
    resources: pd.DataFrame
    updates: pd.DataFrame
    first_updates: pd.DataFrame
    calls: pd.DataFrame
    faults: pd.DataFrame
    latency: pd.DataFrame
    requests: pd.DataFrame
    objections: pd.DataFrame
    complaints: pd.DataFrame
    office: pd.DataFrame
    adjustments: pd.DataFrame
    exemptions: pd.DataFrame = field(default_factory=no_exemptions)  # metrics.exemptions

    def digest(self, period: Period, as_of: date, scheme: Scheme) -> str:
        """sha256 over the period, as_of, the scheme text and every input row."""
        h = hashlib.sha256(f"{period.key}|{as_of.isoformat()}|{scheme.digest}".encode())
        for f in fields(self):
            frame: pd.DataFrame = getattr(self, f.name)
            if f.name == "exemptions" and frame.empty:
                continue  # digests from before exemptions existed stay valid
            h.update(f"|{f.name}:{len(frame)}:{','.join(frame.columns)}".encode())
            if len(frame):
                text = frame.astype(str)
                ordered = text.sort_values(list(text.columns)).reset_index(drop=True)
                h.update(pd.util.hash_pandas_object(ordered, index=False).to_numpy().tobytes())
        return h.hexdigest()


@dataclass
class Context:
    """What every indicator needs besides its own frames."""

    period: Period
    as_of: date
    scheme: Scheme
    departments: pd.DataFrame  # the assessed departments: dept_id, name, category, active_from
    calendar: WorkdayCalendar = field(default=None)  # type: ignore[assignment]

    def __post_init__(self):
        if self.calendar is None:
            self.calendar = calendar_for(self.period.start - timedelta(days=400), self.period.end)

    @property
    def cutoff(self) -> date:
        """The last day whose records are known and belong to the period."""
        return min(self.period.end, self.as_of)

    @property
    def start_ts(self) -> pd.Timestamp:
        return pd.Timestamp(self.period.start)

    @property
    def end_ts(self) -> pd.Timestamp:
        return pd.Timestamp(self.period.end)

    @property
    def as_of_ts(self) -> pd.Timestamp:
        return pd.Timestamp(self.as_of)

    def active_from(self, dept_ids: pd.Series) -> pd.Series:
        """Each department's first expected day (NaT: always expected)."""
        return lookup(dept_ids, self.departments.set_index("dept_id")["active_from"])

    def assessed(self, dept_ids: pd.Series) -> pd.Series:
        return dept_ids.isin(self.departments["dept_id"])


# record frame → the column dating each record (its local day decides the period it is in)
DATED_RECORDS = {
    "updates": "updated_at",
    "requests": "submitted_at",
    "objections": "raised_at",
    "complaints": "received_at",
}


def has_records(inputs: PeriodInputs, ctx: Context) -> bool:
    """Whether anything happened in the period by its cutoff: an update, a call, a request, an
    objection, a complaint or an office month. The catalog alone is today's state, not the
    period's, so a period without any record is not scored (该期无数据)."""
    if len(inputs.calls) or len(inputs.office):
        return True
    first, last = ctx.start_ts, pd.Timestamp(ctx.cutoff)
    for name, column in DATED_RECORDS.items():
        days = local_days(getattr(inputs, name)[column])
        if ((days >= first) & (days <= last)).any():
            return True
    return False


def lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """table[key] for each key (missing → NA), keeping keys' index and table's dtype."""
    return pd.Series(
        table[~table.index.duplicated()].reindex(keys.to_numpy()).to_numpy(), index=keys.index, dtype=table.dtype
    )


def days_int(s: pd.Series | pd.Index) -> np.ndarray:
    """Days since the epoch, for vectorised interval lookups."""
    return pd.to_datetime(s).to_numpy(dtype="datetime64[D]").astype(np.int64)
