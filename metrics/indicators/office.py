"""政务服务: case_on_time, online_rate, good_review_rate from the monthly service-centre counters."""

from __future__ import annotations

import pandas as pd

from metrics.indicators import COUNT_COLUMNS, Parts
from metrics.inputs import Context, PeriodInputs


def period_months(inputs: PeriodInputs, ctx: Context) -> pd.DataFrame:
    """Counters of the months the period covers, known by as_of (the month has begun) and
    not before the department's start month."""
    k = inputs.office
    first = pd.Timestamp(ctx.period.start.replace(day=1))
    active = ctx.active_from(k["dept_id"]).dt.to_period("M").dt.to_timestamp()
    keep = (
        ctx.assessed(k["dept_id"])
        & (k["month"] >= first)
        & (k["month"] <= ctx.end_ts)
        & (k["month"] <= ctx.as_of_ts)
        & ~(k["month"] < active)
    )
    return k[keep].groupby("dept_id")[[c for c in k.columns if c.startswith(("cases_", "reviews_"))]].sum()


def _ratio(sums: pd.DataFrame, indicator: str, numerator: pd.Series, denominator: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dept_id": sums.index,
            "indicator": indicator,
            "numerator": numerator.to_numpy(),
            "denominator": denominator.to_numpy(),
        },
        columns=COUNT_COLUMNS,
    )


def office_indicators(inputs: PeriodInputs, ctx: Context):
    s = period_months(inputs, ctx)
    counts = [
        _ratio(s, "case_on_time", s["cases_on_time"], s["cases_completed"]),
        _ratio(s, "online_rate", s["cases_online"], s["cases_received"]),
        _ratio(s, "good_review_rate", s["reviews_good"], s["reviews_good"] + s["reviews_bad"]),
    ]
    return Parts(counts)
