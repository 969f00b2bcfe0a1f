"""Cross-signal (指标背离): a department whose data sharing and updates look fine while
its complaints or case delays rise, and the reverse: its services failing or resources
overdue while complaints and cases stay calm. Either way one signal says something the
other does not, and an inspector should ask which is wrong."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from metrics.alerts.frame import DayGrid, detections, empty, pct, trailing
from metrics.alerts.rules import CrossRules

CITIZEN_KINDS = {"complaint_surge": "投诉量激增", "satisfaction_drop": "满意率下降"}


def case_drops(office: pd.DataFrame, days: list[date], r: CrossRules) -> pd.DataFrame:
    """(dept_id, day, text) for each checked day on which a department's latest month known
    (known from the first day of the month after) had an on-time rate of its completed cases
    case_drop or more below its pooled rate over the prior_months before it."""
    o = office[office["cases_completed"] > 0].sort_values(["dept_id", "month"])
    if o.empty:
        return pd.DataFrame(columns=["dept_id", "day", "text"])
    prior_done, prior_on = (_prior_sum(o, c, r.prior_months) for c in ("cases_completed", "cases_on_time"))
    o = o.assign(rate=o["cases_on_time"] / o["cases_completed"], prior=prior_on / prior_done)
    o["known"] = (o["month"] + pd.offsets.MonthBegin(1)).astype("datetime64[ns]")
    o["drop"] = (o["cases_completed"] >= r.min_cases) & (o["rate"] <= o["prior"] - r.case_drop)
    checked = pd.MultiIndex.from_product(
        [pd.to_datetime(sorted(days)).astype("datetime64[ns]"), o["dept_id"].unique()], names=["day", "dept_id"]
    ).to_frame(index=False)
    latest = pd.merge_asof(
        checked,
        o.sort_values("known")[["dept_id", "known", "month", "rate", "prior", "drop"]],
        left_on="day",
        right_on="known",
        by="dept_id",
    )
    bad = latest[latest["drop"].fillna(False).astype(bool)]
    text = [
        f"{m:%Y-%m} 办件按时办结率 {x:.1%}（此前 {r.prior_months} 个月 {p:.1%}）"
        for m, x, p in zip(bad["month"], bad["rate"], bad["prior"])
    ]
    return pd.DataFrame({"dept_id": bad["dept_id"].to_numpy(), "day": bad["day"].to_numpy(), "text": text})


def _prior_sum(o: pd.DataFrame, column: str, n: int) -> pd.Series:
    """Per row: the department's `column` summed over its n rows before (NaN until n exist)."""
    before = o.groupby("dept_id")[column].shift(1)
    return before.groupby(o["dept_id"]).rolling(n).sum().reset_index(level=0, drop=True).reindex(o.index)


def cross_signal(
    departments: pd.DataFrame,
    grid: DayGrid,
    days: list[date],
    r: CrossRules,
    services,
    overdue: tuple[pd.Index, np.ndarray, np.ndarray],
    citizen: pd.DataFrame,
    office: pd.DataFrame,
) -> pd.DataFrame:
    """Per department and checked day: data fine (failure rate of its services over
    window_days ≤ fine_failure_rate, overdue share ≤ fine_overdue_share) while a citizen
    signal holds (a complaint surge or satisfaction drop detected, or a case on-time drop);
    or data poor (failure rate ≥ poor_failure_rate or overdue share ≥ poor_overdue_share)
    while none holds."""
    t = grid.positions(days)
    depts = pd.Index(sorted(departments["dept_id"]))
    day_index = pd.to_datetime(grid.day(t))
    calls = np.zeros((len(depts), len(t)))
    fails = np.zeros((len(depts), len(t)))
    rows = depts.get_indexer(services.providers)
    ok = rows >= 0
    np.add.at(calls, rows[ok], trailing(services.calls, r.window_days)[:, t][ok])
    np.add.at(fails, rows[ok], trailing(services.failures, r.window_days)[:, t][ok])
    with np.errstate(invalid="ignore", divide="ignore"):
        fail_rate = np.where(calls >= r.min_calls, fails / calls, np.nan)
    o_depts, o_over, o_count = overdue
    share = np.full((len(depts), len(t)), np.nan)
    at = depts.get_indexer(o_depts)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = o_over[:, t] / o_count[:, t]
    share[at[at >= 0]] = np.where(o_count[:, t] >= r.min_resources, s, np.nan)[at >= 0]

    signals: dict[tuple[int, pd.Timestamp], list[str]] = {}
    for k, dept, day in zip(citizen["kind"], citizen["dept_code"], citizen["day"]):
        signals.setdefault((int(dept), pd.Timestamp(day)), []).append(CITIZEN_KINDS[k])
    drops = case_drops(office, days, r)
    for dept, day, text in zip(drops["dept_id"], drops["day"], drops["text"]):
        signals.setdefault((int(dept), pd.Timestamp(day)), []).append(text)
    has_signal = np.array([[(int(d), day) in signals for day in day_index] for d in depts], dtype=bool).reshape(
        len(depts), len(t)
    )
    known = ~np.isnan(fail_rate) | ~np.isnan(share)
    fine = known & ~(fail_rate > r.fine_failure_rate) & ~(share > r.fine_overdue_share)
    poor = (fail_rate >= r.poor_failure_rate) | (share >= r.poor_overdue_share)
    out = []
    for i, j in zip(*np.nonzero(fine & has_signal)):
        out.append((i, j, "up", "、".join(signals[(int(depts[i]), day_index[j])])))
    for i, j in zip(*np.nonzero(poor & ~has_signal)):
        out.append((i, j, "poor", ""))
    if not out:
        return empty()
    names = departments.set_index("dept_id")["name"]
    data_text = [
        f"近 {r.window_days} 天接口失败率 {pct(fail_rate[i, j])}、逾期资源占比 {pct(share[i, j])}"
        for i, j, _w, _s in out
    ]
    messages = [
        f"{names[depts[i]]}：数据共享与更新正常（{dt}），但出现{s}：问题可能在业务系统或办件环节，请核查"
        if w == "up"
        else f"{names[depts[i]]}：{dt}，数据共享或更新较差，但投诉与办件未见异常：请核查数据问题是否影响群众办事，或投诉渠道是否畅通"
        for (i, _j, w, s), dt in zip(out, data_text)
    ]
    return detections(
        kind="cross_signal",
        subject=[f"dept:{depts[i]}" for i, _j, _w, _s in out],
        dept_code=[depts[i] for i, _j, _w, _s in out],
        severity="low",
        day=[day_index[j] for _i, j, _w, _s in out],
        value=[fail_rate[i, j] for i, j, _w, _s in out],
        baseline=[share[i, j] for i, j, _w, _s in out],
        message=messages,
        evidence=[
            [{"接口失败率": _num(fail_rate[i, j]), "逾期资源占比": _num(share[i, j]), "民生信号": s or "无"}]
            for i, j, _w, s in out
        ],
    )


def _num(x: float):
    return None if x != x else round(float(x), 4)
