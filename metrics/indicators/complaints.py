"""投诉: complaints_per_10k (lower is better), complaint_on_time, satisfaction."""

from __future__ import annotations

import pandas as pd

from data.clock import local_days
from metrics.indicators import COUNT_COLUMNS, Parts, deadlines
from metrics.indicators.office import period_months
from metrics.inputs import Context, PeriodInputs


def received_in_period(inputs: PeriodInputs, ctx: Context) -> pd.DataFrame:
    c = inputs.complaints
    day = local_days(c["received_at"])
    keep = (
        ctx.assessed(c["dept_id"])
        & (day >= ctx.start_ts)
        & (day <= pd.Timestamp(ctx.cutoff))
        & ~(day < ctx.active_from(c["dept_id"]))
    )
    return c[keep]


def complaint_indicators(inputs: PeriodInputs, ctx: Context):
    received = received_in_period(inputs, ctx)
    per_dept = received.groupby("dept_id").size()
    cases = period_months(inputs, ctx)["cases_received"]
    depts = per_dept.index.union(cases.index)
    per_10k = pd.DataFrame(
        {
            "dept_id": depts,
            "indicator": "complaints_per_10k",
            "numerator": per_dept.reindex(depts, fill_value=0).to_numpy(),
            "denominator": cases.reindex(depts, fill_value=0).to_numpy(),
        },
        columns=COUNT_COLUMNS,
    )
    rated = received[received["satisfaction"] != "unrated"]
    good = rated["satisfaction"].isin(["satisfied", "basically_satisfied"]).astype(int)
    sat = (
        pd.DataFrame({"dept_id": rated["dept_id"], "good": good})
        .groupby("dept_id")
        .agg(numerator=("good", "sum"), denominator=("good", "size"))
        .reset_index()
    )
    sat["indicator"] = "satisfaction"

    c = inputs.complaints
    limit = c["limit_workdays"].fillna(ctx.scheme.limits["complaint"]).astype("int64")
    judged = deadlines.judge(c, ctx, "dept_id", "received_at", "closed_at", limit)
    label = "投诉工单 " + judged["ticket_id"] + "（" + judged["category"].fillna("未分类") + "）"
    action = "办结投诉工单 " + judged["ticket_id"] + "（截止 " + judged["deadline"].dt.strftime("%Y-%m-%d") + "）"
    return Parts(
        [per_10k, deadlines.counts(judged, "dept_id", "complaint_on_time"), sat[COUNT_COLUMNS]],
        [deadlines.evidence(judged, "dept_id", "ticket_id", "complaint_on_time", "complaint", label)],
        [deadlines.fixes(judged, ctx, "dept_id", "ticket_id", "complaint_on_time", "complaint", action)],
    )
