"""Exchange detectors on the daily rollup (day × provider × service): a provider whose
services fail all at once (provider_outage), a service failing more than its own recent
baseline (failure_rate), a busy service whose calls collapse (volume_drop)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from metrics.alerts.frame import DayGrid, dept_names, detections, empty, pct, trailing
from metrics.alerts.rules import FailureRules, OutageRules, VolumeRules
from metrics.alerts.stats import binomial_upper


class ServiceGrid:
    """Calls and failures per service (provider × service code) and day, dense on the grid;
    services ordered by provider, then code."""

    def __init__(self, service_days: pd.DataFrame, grid: DayGrid):
        # services ordered by (provider, code) and numbered by factorizing one integer key:
        # a set of (provider, code) tuples cost a Python object per rollup row
        provider, providers = pd.factorize(service_days["provider_dept_id"].to_numpy(dtype=np.int64), sort=True)
        code, codes = pd.factorize(service_days["service_code"].to_numpy(dtype=object), sort=True)
        width = max(len(codes), 1)
        row, keys = pd.factorize(provider.astype(np.int64) * width + code, sort=True)
        self.providers = np.asarray(providers, dtype=np.int64)[keys // width]
        self.codes = np.asarray(codes, dtype=object)[keys % width]
        self.calls = grid.dense_rows(row, service_days["day"], service_days["calls"], len(keys))
        self.failures = grid.dense_rows(row, service_days["day"], service_days["failures"], len(keys))

    def by_provider(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The provider ids and values (services × columns) summed per provider."""
        ids, starts = np.unique(self.providers, return_index=True)
        return ids, np.add.reduceat(values, starts, axis=0)


def provider_outage(sg: ServiceGrid, names: pd.Series, grid: DayGrid, days: list[date], r: OutageRules) -> pd.DataFrame:
    """Days on which at least min_services of a provider's services were called enough to
    count and at least failing_share of them failed at service_failure_rate or more. The
    day the services answer again has no row, so the alert clears. Counted on the dense
    services × days grid, so a check costs the same however many services were called."""
    if not len(sg.providers):
        return empty()
    t = grid.positions(days)
    calls, fails = sg.calls[:, t], sg.failures[:, t]
    counted = (calls >= r.min_service_calls) & (calls > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        failing = counted & (fails / calls >= r.service_failure_rate)
    providers, services = sg.by_provider(counted.astype(np.int64))
    _, failing_n = sg.by_provider(failing.astype(np.int64))
    # day-major, as the rows of a (day, provider) grouping
    j, i = np.nonzero(((services >= max(r.min_services, 1)) & (failing_n >= r.failing_share * services)).T)
    if not len(i):
        return empty()
    _, hit_calls = sg.by_provider(np.where(counted, calls, 0))
    _, hit_fails = sg.by_provider(np.where(counted, fails, 0))
    c, f, k, n = hit_calls[i, j], hit_fails[i, j], failing_n[i, j], services[i, j]
    _, p_calls = sg.by_provider(sg.calls)
    _, p_fails = sg.by_provider(sg.failures)
    base_calls = trailing(p_calls, r.baseline_days, gap=1)[i, t[j]]
    base_fails = trailing(p_fails, r.baseline_days, gap=1)[i, t[j]]
    base_rate = np.where(base_calls > 0, base_fails / np.maximum(base_calls, 1), np.nan)
    rate = f / c
    day = pd.to_datetime(grid.day(t[j]))
    provider = providers[i]
    evidence = [
        _service_evidence(sg, counted[:, jj], calls[:, jj], fails[:, jj], p, d) for p, jj, d in zip(provider, j, day)
    ]
    shown = dept_names(names, provider)
    messages = [
        f"{nm}：{d:%Y-%m-%d} 有 {int(kk)}/{int(ss)} 个接口的调用失败率达到 {r.service_failure_rate:.0%} 以上，"
        f"全天 {int(cc)} 次调用失败 {int(ff)} 次（失败率 {pct(x)}），此前 {r.baseline_days} 天失败率 {pct(b)}："
        "疑似服务集中中断，请立即核查接口服务与网络"
        for nm, d, kk, ss, cc, ff, x, b in zip(shown, day, k, n, c, f, rate, base_rate)
    ]
    return detections(
        kind="provider_outage",
        subject=[f"dept:{p}" for p in provider],
        dept_code=provider,
        severity="high",
        day=day,
        value=rate,
        baseline=base_rate,
        message=messages,
        evidence=evidence,
    )


def _service_evidence(
    sg: ServiceGrid, counted: np.ndarray, calls: np.ndarray, fails: np.ndarray, provider: int, day
) -> list[dict]:
    """The provider's counted services on one day (columns of the checked day), by code."""
    at = np.nonzero(counted & (sg.providers == provider))[0]
    return [
        {
            "日期": f"{day:%Y-%m-%d}",
            "接口": s,
            "调用次数": int(c),
            "失败次数": int(f),
            "失败率": round(float(f / c), 4),
        }
        for s, c, f in zip(sg.codes[at], calls[at], fails[at])
    ]


def failure_rate(
    sg: ServiceGrid,
    names: pd.Series,
    grid: DayGrid,
    days: list[date],
    r: FailureRules,
    outages: pd.DataFrame,
) -> pd.DataFrame:
    """Days on which a service with at least min_calls calls failed at least min_excess above
    its own failure rate over the baseline_days before (pooled, at least
    min_baseline_calls calls, floored at min_baseline_rate), and the binomial tail of that many
    failures is below p_value. A provider's services are not repeated on its outage days."""
    t = grid.positions(days)
    calls, fails = sg.calls[:, t], sg.failures[:, t]
    base_calls = trailing(sg.calls, r.baseline_days, gap=1)[:, t]
    base_fails = trailing(sg.failures, r.baseline_days, gap=1)[:, t]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = fails / calls
        p0 = base_fails / base_calls
    enough = (calls >= r.min_calls) & (base_calls >= r.min_baseline_calls)
    cand = enough & (rate >= p0 + r.min_excess)
    i, j = np.nonzero(cand)
    if not len(i):
        return empty()
    p = binomial_upper(fails[i, j], calls[i, j], np.maximum(p0[i, j], r.min_baseline_rate))
    keep = p < r.p_value
    i, j, p = i[keep], j[keep], p[keep]
    day = pd.to_datetime(grid.day(t[j]))
    provider = sg.providers[i]
    if len(outages):
        down = set(zip(pd.to_datetime(outages["day"]), outages["dept_code"]))
        mask = np.array([(d, int(pr)) not in down for d, pr in zip(day, provider)], dtype=bool)
        i, j, p, day, provider = i[mask], j[mask], p[mask], day[mask], provider[mask]
    if not len(i):
        return empty()
    codes, x, base = sg.codes[i], rate[i, j], p0[i, j]
    c, f, bc, bf = calls[i, j], fails[i, j], base_calls[i, j], base_fails[i, j]
    shown = dept_names(names, provider)
    messages = [
        f"{n} 的接口 {s}：{d:%Y-%m-%d} 调用 {int(cc)} 次失败 {int(ff)} 次（失败率 {pct(xx)}），"
        f"此前 {r.baseline_days} 天失败率 {pct(b)}（{int(bcc)} 次调用失败 {int(bff)} 次），"
        f"偶然出现的概率约 {pp:.1e}：请核查该接口的服务与最近的变更"
        for n, s, d, cc, ff, xx, b, bcc, bff, pp in zip(shown, codes, day, c, f, x, base, bc, bf, p)
    ]
    evidence = [
        [
            {"日期": f"{d:%Y-%m-%d}", "接口": s, "调用次数": int(cc), "失败次数": int(ff)},
            {"基线": f"此前 {r.baseline_days} 天", "接口": s, "调用次数": int(bcc), "失败次数": int(bff)},
        ]
        for d, s, cc, ff, bcc, bff in zip(day, codes, c, f, bc, bf)
    ]
    return detections(
        kind="failure_rate",
        subject=[f"service:{pr}/{s}" for pr, s in zip(provider, codes)],
        dept_code=provider,
        severity=np.where(x >= r.high_rate, "high", "medium"),
        day=day,
        value=x,
        baseline=base,
        message=messages,
        evidence=evidence,
    )


def volume_drop(sg: ServiceGrid, names: pd.Series, grid: DayGrid, days: list[date], r: VolumeRules) -> pd.DataFrame:
    """Days on which a busy service's calls over the window_days ending that day fell to
    drop_ratio or less of what its share of all calls over the baseline_days before gives:
    comparing shares of the city's calls, holidays and growth move every service alike."""
    t = grid.positions(days)
    total = sg.calls.sum(axis=0, keepdims=True)
    recent = trailing(sg.calls, r.window_days)[:, t]
    base = trailing(sg.calls, r.baseline_days, gap=r.window_days)[:, t]
    recent_total = trailing(total, r.window_days)[:, t]
    base_total = trailing(total, r.baseline_days, gap=r.window_days)[:, t]
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = base / base_total * recent_total
    busy = (base >= r.min_baseline_calls) & (expected >= r.min_expected_calls)
    i, j = np.nonzero(busy & (recent <= r.drop_ratio * expected))
    if not len(i):
        return empty()
    day = pd.to_datetime(grid.day(t[j]))
    provider, codes = sg.providers[i], sg.codes[i]
    got, exp, b = recent[i, j], expected[i, j], base[i, j]
    shown = dept_names(names, provider)
    messages = [
        f"{n} 的接口 {s}：截至 {d:%Y-%m-%d} 的 {r.window_days} 天只被调用 {int(g)} 次，"
        f"按此前 {r.baseline_days} 天（{int(bb)} 次）占全市调用的比例应约 {e:.0f} 次（下降 {1 - g / e:.0%}）："
        "请核实调用方是否因接口故障停用或已改用其他接口"
        for n, s, d, g, e, bb in zip(shown, codes, day, got, exp, b)
    ]
    evidence = [
        [
            {"时段": f"截至 {d:%Y-%m-%d} 的 {r.window_days} 天", "接口": s, "调用次数": int(g)},
            {"时段": f"此前 {r.baseline_days} 天", "接口": s, "调用次数": int(bb)},
        ]
        for d, s, g, bb in zip(day, codes, got, b)
    ]
    return detections(
        kind="volume_drop",
        subject=[f"service:{pr}/{s}" for pr, s in zip(provider, codes)],
        dept_code=provider,
        severity="medium",
        day=day,
        value=got,
        baseline=exp,
        message=messages,
        evidence=evidence,
    )
