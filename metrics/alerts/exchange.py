"""Exchange detectors on the daily rollup (day × provider × service): a provider whose
services fail all at once (provider_outage), a service failing more than its own recent
baseline (failure_rate), a busy service whose calls collapse (volume_drop)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from metrics.alerts.frame import DayGrid, detections, empty, trailing
from metrics.alerts.rules import OutageRules


def _pct(x: float) -> str:
    return f"{x:.1%}" if x == x else "无数据"


def checked(frame: pd.DataFrame, days: list[date], column: str = "day") -> pd.DataFrame:
    """The rows of frame whose day is one of the checked days."""
    return frame[frame[column].isin(pd.to_datetime(days))]


def provider_outage(
    service_days: pd.DataFrame, names: pd.Series, grid: DayGrid, days: list[date], r: OutageRules
) -> pd.DataFrame:
    """Days on which at least min_services of a provider's services were called enough to
    count and at least failing_share of them failed at service_failure_rate or more. The
    day the services answer again has no row, so the alert clears."""
    sd = checked(service_days, days)
    sd = sd[sd["calls"] >= r.min_service_calls].copy()
    if sd.empty:
        return empty()
    sd["rate"] = sd["failures"] / sd["calls"]
    sd["failing"] = sd["rate"] >= r.service_failure_rate
    per = sd.groupby(["day", "provider_dept_id"]).agg(
        services=("service_code", "size"),
        failing=("failing", "sum"),
        calls=("calls", "sum"),
        failures=("failures", "sum"),
    )
    hit = per[(per["services"] >= r.min_services) & (per["failing"] >= r.failing_share * per["services"])]
    if hit.empty:
        return empty()
    hit = hit.reset_index()
    providers = pd.Index(sorted(service_days["provider_dept_id"].unique()))
    calls = grid.dense(service_days["provider_dept_id"], service_days["day"], service_days["calls"], providers)
    fails = grid.dense(service_days["provider_dept_id"], service_days["day"], service_days["failures"], providers)
    rows, cols = providers.get_indexer(hit["provider_dept_id"]), grid.pos(hit["day"])
    base_calls = trailing(calls, r.baseline_days, gap=1)[rows, cols]
    base_rate = np.where(
        base_calls > 0, trailing(fails, r.baseline_days, gap=1)[rows, cols] / np.maximum(base_calls, 1), np.nan
    )
    rate = hit["failures"].to_numpy() / hit["calls"].to_numpy()
    evidence = _service_evidence(sd, hit)
    dept_names = names.reindex(hit["provider_dept_id"]).fillna("未知部门").to_numpy()
    messages = [
        f"{n}：{day:%Y-%m-%d} 有 {int(k)}/{int(s)} 个接口的调用失败率达到 {r.service_failure_rate:.0%} 以上，"
        f"全天 {int(c)} 次调用失败 {int(f)} 次（失败率 {_pct(x)}），此前 {r.baseline_days} 天失败率 {_pct(b)}："
        "疑似服务集中中断，请立即核查接口服务与网络"
        for n, day, k, s, c, f, x, b in zip(
            dept_names, hit["day"], hit["failing"], hit["services"], hit["calls"], hit["failures"], rate, base_rate
        )
    ]
    return detections(
        kind="provider_outage",
        subject=[f"dept:{p}" for p in hit["provider_dept_id"]],
        dept_code=hit["provider_dept_id"],
        severity="high",
        day=hit["day"],
        value=rate,
        baseline=base_rate,
        message=messages,
        evidence=evidence,
    )


def _service_evidence(sd: pd.DataFrame, hit: pd.DataFrame) -> list[list[dict]]:
    """Per (day, provider) of hit: its counted services' rollup rows."""
    keyed = sd.set_index(["day", "provider_dept_id"]).sort_index()
    out = []
    for day, p in zip(hit["day"], hit["provider_dept_id"]):
        rows = keyed.loc[(day, p)]
        out.append(
            [
                {
                    "日期": f"{day:%Y-%m-%d}",
                    "接口": s,
                    "调用次数": int(c),
                    "失败次数": int(f),
                    "失败率": round(float(f / c), 4),
                }
                for s, c, f in zip(rows["service_code"], rows["calls"], rows["failures"])
            ]
        )
    return out
