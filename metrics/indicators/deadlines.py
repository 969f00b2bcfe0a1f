"""Deadline records (requests, objections, complaints): which period holds them, due, on time.

A record's deadline is the source's due_at, else the N-th working day after the day it
started (that day not counted). It belongs to the period containing the deadline; it is
due once answered (by as_of) or once the deadline has passed; on time if answered by the
end of the deadline day. Answers after as_of are not known yet.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from data.clock import local_days
from metrics.indicators import EVIDENCE_COLUMNS, FIX_COLUMNS
from metrics.inputs import Context


def judge(
    frame: pd.DataFrame, ctx: Context, dept_col: str, start_col: str, done_col: str, limit: pd.Series
) -> pd.DataFrame:
    """Add start_day, deadline, done_day, due, on_time; keep the period's records of assessed
    departments whose deadline is not before the department's start."""
    out = frame.copy()
    out["start_day"] = local_days(out[start_col])
    given = local_days(out["due_at"])
    computed = ctx.calendar.add(out["start_day"], limit.astype("int64")) if len(out) else given
    out["deadline"] = given.where(given.notna(), computed)
    done = local_days(out[done_col])
    out["done_day"] = done.where(done <= ctx.as_of_ts)
    active = ctx.active_from(out[dept_col])
    keep = ctx.assessed(out[dept_col]) & out["deadline"].between(ctx.start_ts, ctx.end_ts) & ~(out["deadline"] < active)
    out = out[keep].copy()
    out["due"] = out["done_day"].notna() | (out["deadline"] <= ctx.as_of_ts)
    out["on_time"] = out["done_day"].notna() & (out["done_day"] <= out["deadline"])
    return out


def counts(judged: pd.DataFrame, dept_col: str, indicator: str) -> pd.DataFrame:
    due = judged[judged["due"]]
    g = due.groupby(dept_col).agg(numerator=("on_time", "sum"), denominator=("due", "size")).reset_index()
    g = g.rename(columns={dept_col: "dept_id"})
    g["indicator"] = indicator
    return g[["dept_id", "indicator", "numerator", "denominator"]]


def evidence(
    judged: pd.DataFrame, dept_col: str, key_col: str, indicator: str, item_type: str, label: pd.Series
) -> pd.DataFrame:
    """Late (answered after the deadline) and open (due, unanswered) records."""
    bad = judged["due"] & ~judged["on_time"]
    rows = judged[bad]
    return pd.DataFrame(
        {
            "dept_id": rows[dept_col],
            "indicator": indicator,
            "item_type": item_type,
            "item_key": rows[key_col],
            "label": label[bad],
            "status": rows["done_day"].notna().map({True: "late", False: "open"}),
            "due_at": rows["deadline"],
            "done_at": rows["done_day"],
            "detail": [{"开始日期": s.date().isoformat()} for s in rows["start_day"]],
        },
        columns=EVIDENCE_COLUMNS,
    )


def fixes(
    judged: pd.DataFrame, ctx: Context, dept_col: str, key_col: str, indicator: str, item_type: str, action: pd.Series
) -> pd.DataFrame:
    """Open overdue records (answering counts them as on time), and open records whose
    deadline falls in the coming days (answering in time versus missing it)."""
    open_ = judged["done_day"].isna()
    overdue = open_ & judged["due"]
    horizon = ctx.as_of_ts + timedelta(days=ctx.scheme.upcoming_days)
    upcoming = open_ & ~judged["due"] & (judged["deadline"] <= horizon)
    pick = overdue | upcoming
    rows = judged[pick]
    up = upcoming[pick]
    return pd.DataFrame(
        {
            "dept_id": rows[dept_col],
            "indicator": indicator,
            "item_type": item_type,
            "item_key": rows[key_col],
            "action": action[pick],
            "deadline": rows["deadline"],
            "upcoming": up,
            "fix_num": 1,
            "fix_den": up.astype(int),
            "base_num": 0,
            "base_den": up.astype(int),
        },
        columns=FIX_COLUMNS,
    )
