"""逾期, 催办 and escalation of 督办事项, from their deadlines on the official calendar. Pure.

An item still with its department (待签收 or 整改中; once submitted it waits for the inspector) is
- approaching ('remind') when its deadline is today or within the next `remind_before` working days;
- overdue ('overdue') once its deadline has passed, counted in working days after the deadline;
- escalated ('escalate') once overdue by at least `escalate_after` working days: it goes on the
  leadership's 逾期督办 list and into the 通报.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from data.workdays import WorkdayCalendar, calendar_for

OPEN_STATES = ("pending", "rectifying")
REMINDER_COLUMNS = ["item_id", "dept_id", "kind", "deadline", "overdue_workdays"]


def overdue_workdays(deadlines: pd.Series, today: date, calendar: WorkdayCalendar) -> pd.Series:
    """Working days in (deadline, today] for each deadline (0 when not yet passed)."""
    return calendar.count_after(deadlines, today)


def reminders(
    items: pd.DataFrame, today: date, remind_before: int, escalate_after: int, calendar: WorkdayCalendar | None = None
) -> pd.DataFrame:
    """items: id, dept_id, state, deadline → one row per open item that needs a message today."""
    open_ = items[items["state"].isin(OPEN_STATES)]
    if open_.empty:
        return pd.DataFrame(columns=REMINDER_COLUMNS)
    deadlines = pd.to_datetime(open_["deadline"])
    cal = calendar or calendar_for(min(deadlines.min().date(), today), max(deadlines.max().date(), today))
    late = overdue_workdays(open_["deadline"], today, cal)
    horizon = pd.Timestamp(cal.add_one(today, remind_before))
    kind = np.select(
        [late >= escalate_after, late > 0, (deadlines >= pd.Timestamp(today)) & (deadlines <= horizon)],
        ["escalate", "overdue", "remind"],
        default="",
    )
    out = pd.DataFrame(
        {
            "item_id": open_["id"].to_numpy(),
            "dept_id": open_["dept_id"].to_numpy(),
            "kind": kind,
            "deadline": deadlines.dt.date.to_numpy(),
            "overdue_workdays": late.to_numpy(),
        }
    )
    return out[out["kind"] != ""].reset_index(drop=True)


def interview_list(ranks: pd.DataFrame, bottom: int, periods: int) -> pd.DataFrame:
    """约谈: departments in the bottom `bottom` of their category in each of the last `periods`
    periods. ranks: period_key (sortable, consecutive), dept_id, category, rank (None: unranked).
    Returns dept_id, category and the ranks over those periods, oldest first."""
    keys = sorted(ranks["period_key"].unique())[-periods:]
    if len(keys) < periods:
        return pd.DataFrame(columns=["dept_id", "category", "ranks"])
    recent = ranks[ranks["period_key"].isin(keys)].copy()
    size = recent.groupby(["period_key", "category"])["rank"].transform("count")
    recent["bottom"] = recent["rank"].notna() & (recent["rank"] > size - bottom)
    hits = recent.groupby(["dept_id", "category"]).agg(
        n=("bottom", "sum"), ranks=("rank", lambda r: [int(x) for x in r])
    )
    out = hits[hits["n"] == periods].reset_index()[["dept_id", "category", "ranks"]]
    return out.sort_values(["category", "dept_id"]).reset_index(drop=True)
