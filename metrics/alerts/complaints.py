"""Complaint detectors: a department's complaints over the last week against its own
baseline (Poisson test), and its satisfaction rate falling (binomial test on the
dissatisfied ratings), both on dense department × day counts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from data.clock import local_days
from metrics.alerts.frame import DayGrid, dept_names, detections, empty, trailing
from metrics.alerts.rules import ComplaintRules, SatisfactionRules
from metrics.alerts.stats import binomial_upper, poisson_upper

GOOD = ("satisfied", "basically_satisfied")


def active_days(departments: pd.DataFrame, depts: pd.Index, grid: DayGrid, since: pd.Timestamp | None) -> np.ndarray:
    """1 on the days a department was expected (from its active_from) and data existed (from since)."""
    start = departments.set_index("dept_id")["active_from"].reindex(depts)
    first = np.maximum(grid.pos(start.fillna(pd.Timestamp(grid.first))), 0)
    if since is not None:
        first = np.maximum(first, grid.pos(pd.Series([since]))[0])
    return (np.arange(grid.n)[None, :] >= first[:, None]).astype("float64")


def complaint_surge(
    complaints: pd.DataFrame, departments: pd.DataFrame, grid: DayGrid, days: list[date], r: ComplaintRules
) -> pd.DataFrame:
    """Days on which a department's complaints received over the window_days ending that day
    reach min_count and min_ratio × the rate of its baseline_days before (counted over the
    days it existed and complaints were collected), with a Poisson tail below p_value."""
    received = local_days(complaints["received_at"])
    if received.empty:
        return empty()
    depts = pd.Index(sorted(departments["dept_id"]))
    counts = grid.dense(complaints["dept_id"], received, pd.Series(np.ones(len(received))), depts)
    alive = active_days(departments, depts, grid, received.min())
    t = grid.positions(days)
    recent = trailing(counts, r.window_days)[:, t]
    base = trailing(counts, r.baseline_days, gap=r.window_days)[:, t]
    base_days = trailing(alive, r.baseline_days, gap=r.window_days)[:, t]
    with np.errstate(invalid="ignore", divide="ignore"):
        lam = base / base_days * r.window_days
    ok = (base_days >= r.min_baseline_days) & (recent >= r.min_count) & (recent >= r.min_ratio * lam)
    i, j = np.nonzero(ok)
    if not len(i):
        return empty()
    p = poisson_upper(recent[i, j], np.maximum(lam[i, j], r.min_baseline_count))
    keep = p < r.p_value
    i, j, p = i[keep], j[keep], p[keep]
    if not len(i):
        return empty()
    dept = depts.to_numpy()[i]
    day = pd.to_datetime(grid.day(t[j]))
    x, expected = recent[i, j], lam[i, j]
    names = dept_names(departments.set_index("dept_id")["name"], dept)
    messages = [
        f"{n}：截至 {d:%Y-%m-%d} 的 {r.window_days} 天收到投诉 {int(k)} 件，此前 {r.baseline_days} 天平均每 "
        f"{r.window_days} 天 {e:.1f} 件（{k / e:.1f} 倍，偶然出现的概率约 {pp:.1e}）：请查看投诉内容，排查集中反映的问题"
        for n, d, k, e, pp in zip(names, day, x, expected, p)
    ]
    evidence = [
        [
            {"时段": f"截至 {d:%Y-%m-%d} 的 {r.window_days} 天", "投诉件数": int(k)},
            {"时段": f"此前 {r.baseline_days} 天", "投诉件数": int(b), "在考核天数": int(bd)},
        ]
        for d, k, b, bd in zip(day, x, base[i, j], base_days[i, j])
    ]
    return detections(
        kind="complaint_surge",
        subject=[f"dept:{p}" for p in dept],
        dept_code=dept,
        severity=np.where(x >= r.high_ratio * expected, "high", "medium"),
        day=day,
        value=x,
        baseline=expected,
        message=messages,
        evidence=evidence,
    )


def satisfaction_drop(
    complaints: pd.DataFrame, departments: pd.DataFrame, grid: DayGrid, days: list[date], r: SatisfactionRules
) -> pd.DataFrame:
    """Days on which a department's satisfaction rate ((满意 + 基本满意) ÷ rated, by the day the
    complaint was closed and rated) over the window_days ending that day fell min_drop or more
    below its rate over the baseline_days before, and that many dissatisfied ratings are
    less likely than p_value at the baseline rate."""
    rated = complaints[complaints["closed_at"].notna() & (complaints["satisfaction"] != "unrated")]
    if rated.empty:
        return empty()
    closed = local_days(rated["closed_at"])
    depts = pd.Index(sorted(departments["dept_id"]))
    n_all = grid.dense(rated["dept_id"], closed, pd.Series(np.ones(len(rated)), index=rated.index), depts)
    good = rated["satisfaction"].isin(GOOD).astype("float64")
    n_good = grid.dense(rated["dept_id"], closed, good, depts)
    t = grid.positions(days)
    rn, rg = trailing(n_all, r.window_days)[:, t], trailing(n_good, r.window_days)[:, t]
    bn, bg = (trailing(a, r.baseline_days, gap=r.window_days)[:, t] for a in (n_all, n_good))
    with np.errstate(invalid="ignore", divide="ignore"):
        rate, base = rg / rn, bg / bn
    ok = (rn >= r.min_rated) & (bn >= r.min_baseline_rated) & (rate <= base - r.min_drop)
    i, j = np.nonzero(ok)
    if not len(i):
        return empty()
    p = binomial_upper(rn[i, j] - rg[i, j], rn[i, j], np.maximum(1 - base[i, j], 0.01))
    keep = p < r.p_value
    i, j, p = i[keep], j[keep], p[keep]
    if not len(i):
        return empty()
    dept = depts.to_numpy()[i]
    day = pd.to_datetime(grid.day(t[j]))
    names = dept_names(departments.set_index("dept_id")["name"], dept)
    x, b = rate[i, j], base[i, j]
    messages = [
        f"{n}：截至 {d:%Y-%m-%d} 的 {r.window_days} 天已评价投诉 {int(a)} 件，满意率 {xx:.1%}，"
        f"此前 {r.baseline_days} 天为 {bb:.1%}（{int(c)} 件）：请回访不满意的投诉人，查找原因"
        for n, d, a, xx, bb, c in zip(names, day, rn[i, j], x, b, bn[i, j])
    ]
    evidence = [
        [
            {"时段": f"截至 {d:%Y-%m-%d} 的 {r.window_days} 天", "已评价": int(a), "满意与基本满意": int(g)},
            {"时段": f"此前 {r.baseline_days} 天", "已评价": int(c), "满意与基本满意": int(h)},
        ]
        for d, a, g, c, h in zip(day, rn[i, j], rg[i, j], bn[i, j], bg[i, j])
    ]
    return detections(
        kind="satisfaction_drop",
        subject=[f"dept:{p}" for p in dept],
        dept_code=dept,
        severity="medium",
        day=day,
        value=x,
        baseline=b,
        message=messages,
        evidence=evidence,
    )
