"""Update detectors on the update log and the catalog (DESIGN.md "Update slots"): a
resource that met its slots misses one (update_missed), a department's share of overdue
resources jumping (overdue_jump), and updates that look made up (suspicious_updates),
flagged for inspection and never scored.

A slot is overdue from the day after its grace ends (slot end + grace days) until the
resource's next update; that day is the alert's day."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from data.clock import local_days
from data.vocabulary import frequency_label, parse_frequency
from metrics.alerts.frame import DayGrid, dept_names, detections, empty
from metrics.alerts.rules import OverdueRules, SuspiciousRules, UpdateRules
from metrics.indicators.updates import CALENDAR_ANCHOR, KEY_SPAN, slot_span_days, slots
from metrics.inputs import days_int, lookup

NO_DAY = np.iinfo(np.int64).max // 4


def regular_resources(resources: pd.DataFrame, departments: pd.DataFrame, grace_days: dict[str, int]) -> pd.DataFrame:
    """Resources with a frequency that cuts slots, with the day their slots are expected
    from, their anchor and grace; 不定期 and unreadable frequencies are left out."""
    res = resources.copy()
    res["freq"] = res["update_frequency"].map(parse_frequency)
    res = res[res["freq"].notna()].reset_index(drop=True)
    founded = departments.set_index("dept_id")["active_from"]  # reindexed: Series.map fails on an empty register
    active = pd.Series(founded.reindex(res["provider_dept_id"]).to_numpy(), index=res.index)
    registered = res["registered_at"]
    res["expected_from"] = registered.where(registered.notna() & ~(registered < active), active)
    anchored = res["freq"].map(lambda f: f.anchored)
    res = res[~(anchored & registered.isna())].reset_index(drop=True)
    res["anchor"] = [
        r if f.anchored else pd.Timestamp(CALENDAR_ANCHOR[f.unit]) for f, r in zip(res["freq"], res["registered_at"])
    ]
    res["grace"] = res["freq"].map(lambda f: grace_days[f.standard]).astype(np.int64)
    return res


class SlotTable:
    """Every expected slot of the regular resources ending in [first_end, last_end], with
    whether it was updated on time and the first update after its grace."""

    def __init__(self, res: pd.DataFrame, updates: pd.DataFrame, first_updates: pd.DataFrame, first_end, last_end):
        parts = []
        for (freq, anchor), group in res.groupby(["freq", "anchor"], sort=False):
            starts, ends = slots(freq, pd.Timestamp(anchor).date(), first_end, last_end)
            if len(starts):
                n = len(starts)
                parts.append(
                    (np.repeat(group.index.to_numpy(), n), np.tile(starts, len(group)), np.tile(ends, len(group)))
                )
        ridx = np.concatenate([p[0] for p in parts]) if parts else np.array([], dtype=np.int64)
        start = np.concatenate([p[1] for p in parts]).astype(np.int64) if parts else np.array([], dtype=np.int64)
        end = np.concatenate([p[2] for p in parts]).astype(np.int64) if parts else np.array([], dtype=np.int64)
        order = np.lexsort((end, ridx))
        ridx, start, end = ridx[order].astype(np.int64), start[order], end[order]
        expected = days_int(res["expected_from"].fillna(pd.Timestamp("1900-01-01")))[ridx]
        keep = start >= expected
        self.ridx, self.start, self.end = ridx[keep], start[keep], end[keep]
        self.due = self.end + res["grace"].to_numpy()[self.ridx]
        index_of = {c: i for i, c in enumerate(res["resource_code"])}
        days = local_days(updates["updated_at"])
        r = updates["resource_code"].map(index_of)
        ok = r.notna().to_numpy()
        self.keys = np.sort(r[ok].astype(np.int64).to_numpy() * KEY_SPAN + days_int(days[ok]))
        first = lookup(res["resource_code"], first_updates.set_index("resource_code")["first_update"])
        first_event, first_seen = local_days(first), local_days(res["first_seen_at"])
        history = first_event.where(first_event < first_seen, first_seen)
        self.judged = self.end >= days_int(history.fillna(pd.Timestamp("2262-01-01")))[self.ridx]
        self.on_time = self.first_update_from(self.start) <= self.due
        self.next_update = self.first_update_from(self.due + 1)
        self.last_before = self.last_update_before(self.start)

    def first_update_from(self, day: np.ndarray) -> np.ndarray:
        """Per slot: the first update day ≥ day of its resource (NO_DAY when none)."""
        lo = self.ridx * KEY_SPAN + day
        pos = np.searchsorted(self.keys, lo, side="left")
        found = np.append(self.keys, np.iinfo(np.int64).max)[pos]
        same = found // KEY_SPAN == self.ridx
        return np.where(same, found - self.ridx * KEY_SPAN, NO_DAY)

    def last_update_before(self, day: np.ndarray) -> np.ndarray:
        """Per slot: the last update day < day of its resource (-1 when none)."""
        pos = np.searchsorted(self.keys, self.ridx * KEY_SPAN + day, side="left") - 1
        found = np.append(self.keys, -1)[np.where(pos >= 0, pos, len(self.keys))]
        same = (found >= 0) & (found // KEY_SPAN == self.ridx)
        return np.where(same, found - self.ridx * KEY_SPAN, -1)

    def met_before(self, n: np.ndarray) -> np.ndarray:
        """Per slot: whether the resource's n judged slots before it (n per slot) were all on time."""
        good = (self.judged & self.on_time).astype(np.int64)
        c = np.concatenate([[0], np.cumsum(good)])
        i = np.arange(len(good))
        group_start = np.searchsorted(self.ridx, self.ridx, side="left")
        enough = i - group_start >= n
        lo = np.maximum(i - n, 0)
        return enough & (c[i] - c[lo] == n) & (n > 0)


def _spread(first: np.ndarray, last: np.ndarray, checked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For intervals [first, last] of day numbers: (interval index, day) per checked day inside."""
    lo = np.searchsorted(checked, first, side="left")
    hi = np.searchsorted(checked, last, side="right")
    n = np.maximum(hi - lo, 0)
    which = np.repeat(np.arange(len(first)), n)
    offs = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    return which, checked[np.repeat(lo, n) + offs]


def _text(day_numbers) -> list[str]:
    return [
        "无" if d < 0 or d >= NO_DAY else str(np.datetime64(int(d), "D"))
        for d in np.asarray(day_numbers, dtype=np.int64)
    ]


def update_missed(
    res: pd.DataFrame, table: SlotTable, names: pd.Series, days: list[date], r: UpdateRules
) -> pd.DataFrame:
    """From the day after a missed slot's grace until the next update: a resource whose
    judged slots before were all on time missed this one — at least prior_slots of them,
    and as many as cover prior_days (90 daily slots, 13 weekly ones)."""
    t = table
    span = res["freq"].map(slot_span_days).to_numpy(dtype=np.int64)[t.ridx]
    prior = np.maximum(r.prior_slots, -(-r.prior_days // span))
    trigger = np.flatnonzero(t.judged & ~t.on_time & t.met_before(prior))
    checked = np.array(sorted(days_int(pd.Series(pd.to_datetime(days)))), dtype=np.int64)
    first = t.due[trigger] + 1
    last = np.minimum(t.next_update[trigger] - 1, checked[-1] if len(checked) else 0)
    which, day = _spread(first, last, checked)
    if not len(which):
        return empty()
    s = trigger[which]
    row = res.iloc[t.ridx[s]]
    provider = row["provider_dept_id"].to_numpy()
    dept = dept_names(names, provider)
    freq = [frequency_label(f) for f in row["update_frequency"]]
    start, end, due, before = _text(t.start[s]), _text(t.end[s]), _text(t.due[s]), _text(t.last_before[s])
    overdue_days = day - t.due[s]
    messages = [
        f"{n}的资源「{nm}」（{c}，{f}）此前 {k0} 个更新周期均按时更新，"
        f"但 {a} 至 {b} 的周期应于 {d} 前更新，至今未见更新（已逾期 {k} 天，上次更新 {u}）："
        "请尽快更新，如更新频率已变请在目录中修改"
        for n, nm, c, f, a, b, d, k, u, k0 in zip(
            dept, row["name"], row["resource_code"], freq, start, end, due, overdue_days, before, prior[s]
        )
    ]
    evidence = [
        [{"资源编码": c, "资源名称": nm, "更新频率": f, "周期开始": a, "周期结束": b, "应更新截止": d, "上次更新": u}]
        for c, nm, f, a, b, d, u in zip(row["resource_code"], row["name"], freq, start, end, due, before)
    ]
    return detections(
        kind="update_missed",
        subject=["resource:" + c for c in row["resource_code"]],
        dept_code=provider,
        severity="medium",
        day=day.astype("datetime64[D]"),
        value=overdue_days.astype("float64"),
        baseline=prior[s].astype("float64"),
        message=messages,
        evidence=evidence,
    )


def overdue_counts(res: pd.DataFrame, table: SlotTable, grid: DayGrid) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Per department and grid day: its overdue resources (a judged slot past its grace and
    no update since) and its resources with a judged slot due by then (departments, overdue, counted)."""
    t = table
    g0 = days_int(pd.Series([pd.Timestamp(grid.first)]))[0]
    missed = np.flatnonzero(t.judged & ~t.on_time)
    n_res = len(res)
    mark = np.zeros((n_res, grid.n + 1))
    a = np.clip(t.due[missed] + 1 - g0, 0, grid.n)
    b = np.clip(np.minimum(t.next_update[missed], g0 + grid.n) - g0, 0, grid.n)
    np.add.at(mark, (t.ridx[missed], a), 1)
    np.add.at(mark, (t.ridx[missed], b), -1)
    overdue = (np.cumsum(mark, axis=1)[:, : grid.n] > 0).astype("float64")
    judged = np.flatnonzero(t.judged)
    first_due = pd.Series(t.due[judged] + 1 - g0).groupby(t.ridx[judged]).min()
    counted = np.zeros((n_res, grid.n + 1))
    np.add.at(counted, (first_due.index.to_numpy(), np.clip(first_due.to_numpy(), 0, grid.n)), 1)
    counted = np.cumsum(counted, axis=1)[:, : grid.n]
    depts = pd.Index(sorted(res["provider_dept_id"].unique()))
    rows = depts.get_indexer(res["provider_dept_id"])
    per_overdue = np.zeros((len(depts), grid.n))
    per_counted = np.zeros((len(depts), grid.n))
    np.add.at(per_overdue, rows, overdue)
    np.add.at(per_counted, rows, counted)
    return depts, per_overdue, per_counted


def overdue_jump(
    names: pd.Series, counts: tuple[pd.Index, np.ndarray, np.ndarray], grid: DayGrid, days: list[date], r: OverdueRules
) -> pd.DataFrame:
    """Days on which a department's share of overdue resources rose by min_jump or more over
    window_days, to min_share or more."""
    depts, per_overdue, per_counted = counts
    tt = grid.positions(days)
    then = tt - r.window_days
    valid = then >= 0
    tt, then = tt[valid], then[valid]
    now_o, now_c = per_overdue[:, tt], per_counted[:, tt]
    was_o, was_c = per_overdue[:, then], per_counted[:, then]
    with np.errstate(invalid="ignore", divide="ignore"):
        share, was = now_o / now_c, was_o / was_c
    hit = (now_c >= r.min_resources) & (share >= r.min_share) & (share - np.nan_to_num(was) >= r.min_jump)
    hit &= now_o - was_o >= r.min_new
    i, j = np.nonzero(hit)
    if not len(i):
        return empty()
    dept = depts.to_numpy()[i]
    day = pd.to_datetime(grid.day(tt[j]))
    x, w, no, nc, wo, wc = share[i, j], np.nan_to_num(was[i, j]), now_o[i, j], now_c[i, j], was_o[i, j], was_c[i, j]
    shown = dept_names(names, dept)
    messages = [
        f"{n}：{d:%Y-%m-%d} 有 {int(a)}/{int(b)} 个按频率更新的资源逾期未更新（{xx:.0%}），"
        f"{r.window_days} 天前为 {int(c)}/{int(e)}（{ww:.0%}）：更新工作可能已中断，请核查"
        for n, d, a, b, xx, c, e, ww in zip(shown, day, no, nc, x, wo, wc, w)
    ]
    evidence = [
        [
            {"日期": f"{d:%Y-%m-%d}", "逾期资源数": int(a), "应更新资源数": int(b)},
            {"日期": f"{d - pd.Timedelta(days=r.window_days):%Y-%m-%d}", "逾期资源数": int(c), "应更新资源数": int(e)},
        ]
        for d, a, b, c, e in zip(day, no, nc, wo, wc)
    ]
    return detections(
        kind="overdue_jump",
        subject=[f"dept:{p}" for p in dept],
        dept_code=dept,
        severity="medium",
        day=day,
        value=x,
        baseline=w,
        message=messages,
        evidence=evidence,
    )


def suspicious_updates(
    resources: pd.DataFrame,
    updates: pd.DataFrame,
    catalog_sources: list[str],
    runs: pd.DataFrame,
    names: pd.Series,
    days: list[date],
    r: SuspiciousRules,
) -> pd.DataFrame:
    """Flagged for inspection, never scored. The catalog collector keeps each resource's
    latest state and records an update event (source = the catalog source) whenever a
    snapshot's last-updated date moved; other fields keep no history. So two patterns can be
    seen: (1) on one claimed day, many of a provider's resources moved their last-updated
    date with no update-log event within tolerance_days; (2) a resource declared to update
    once a year or less whose date moved in at least min_moves snapshots over window_days
    (snapshots counted from the catalog source's collector runs that read rows)."""
    parts = [
        _bulk_moves(resources, updates, catalog_sources, names, days, r),
        _frequent_moves(resources, updates, catalog_sources, runs, names, days, r),
    ]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else empty()


def _bulk_moves(resources, updates, catalog_sources, names, days, r):
    from_catalog = updates["source"].isin(catalog_sources)
    moves, log = updates[from_catalog].copy(), updates[~from_catalog]
    if moves.empty:
        return empty()
    codes = {c: i for i, c in enumerate(resources["resource_code"])}
    moves["claimed"] = days_int(local_days(moves["updated_at"]))
    log_keys = np.sort(
        log["resource_code"].map(codes).fillna(-1).astype(np.int64).to_numpy() * KEY_SPAN
        + days_int(local_days(log["updated_at"]))
    )
    ridx = moves["resource_code"].map(codes).fillna(-1).astype(np.int64).to_numpy()
    lo = ridx * KEY_SPAN + moves["claimed"].to_numpy() - r.tolerance_days
    pos = np.searchsorted(log_keys, lo, side="left")
    found = np.append(log_keys, np.iinfo(np.int64).max)[pos]
    moves = moves[~(found <= lo + 2 * r.tolerance_days)]
    moves["seen"] = local_days(moves["recorded_at"])
    provider = moves["resource_code"].map(resources.set_index("resource_code")["provider_dept_id"])
    moves = moves.assign(provider=provider).dropna(subset=["provider"])
    per = moves.groupby(["provider", "claimed"]).agg(
        n=("resource_code", "nunique"), seen=("seen", "max"), codes=("resource_code", lambda s: sorted(set(s)))
    )
    per = per.reset_index()
    size = per["provider"].map(resources.groupby("provider_dept_id").size())
    per = per[(per["n"] >= r.min_resources) & (per["n"] >= r.min_share * size) & per["seen"].isin(pd.to_datetime(days))]
    if per.empty:
        return empty()
    total = size[per.index]
    dept = per["provider"].astype(np.int64).to_numpy()
    claimed = _text(per["claimed"])
    messages = [
        f"{n}：{int(k)}/{int(m)} 个资源在目录中的最近更新日期同时改为 {c}，但更新日志中没有对应的更新记录："
        "疑似只改日期未更新数据，仅供核查，不计入得分"
        for n, k, m, c in zip(dept_names(names, dept), per["n"], total, claimed)
    ]
    evidence = [[{"资源编码": code, "目录最近更新日期": c} for code in cs] for cs, c in zip(per["codes"], claimed)]
    return detections(
        kind="suspicious_updates",
        subject=[f"dept:{p}" for p in dept],
        dept_code=dept,
        severity="low",
        day=per["seen"],
        value=per["n"].astype("float64"),
        baseline=total.astype("float64"),
        message=messages,
        evidence=evidence,
    )


def _frequent_moves(resources, updates, catalog_sources, runs, names, days, r):
    res = resources.copy()
    freq = res["update_frequency"].map(parse_frequency)
    months = [np.nan if f is None else f.length if f.unit == "month" else f.length / 30.4 for f in freq]
    res = res[pd.Series(months, index=res.index) >= r.min_slot_months]
    moves = updates[updates["source"].isin(catalog_sources) & updates["resource_code"].isin(res["resource_code"])]
    if moves.empty:
        return empty()
    checked = np.array(sorted(days_int(pd.Series(pd.to_datetime(days)))), dtype=np.int64)
    snaps = runs[runs["rows_read"] > 0]
    out = []
    for code, group in moves.groupby("resource_code"):
        row = res[res["resource_code"] == code].iloc[0]
        seen = np.sort(days_int(local_days(group["recorded_at"])))
        snap_days = np.sort(days_int(local_days(snaps.loc[snaps["source"] == row["source"], "started_at"])))
        n = np.searchsorted(seen, checked, side="right") - np.searchsorted(seen, checked - r.window_days, side="right")
        k = np.searchsorted(snap_days, checked, side="right") - np.searchsorted(
            snap_days, checked - r.window_days, side="right"
        )
        hit = (n >= r.min_moves) & (n >= r.every_share * np.maximum(k - 1, 1))
        for d, nn, kk in zip(checked[hit], n[hit], k[hit]):
            out.append((code, row, d, int(nn), int(kk), sorted(group["updated_at"].dt.strftime("%Y-%m-%d"))))
    if not out:
        return empty()
    dept = np.array([o[1]["provider_dept_id"] for o in out], dtype=np.int64)
    messages = [
        f"{n}的资源「{o[1]['name']}」（{o[0]}）登记为{frequency_label(o[1]['update_frequency'])}更新，"
        f"但近 {r.window_days} 天的 {o[4]} 次目录快照中最近更新日期变动了 {o[3]} 次：疑似虚增更新，仅供核查，不计入得分"
        for n, o in zip(dept_names(names, dept), out)
    ]
    return detections(
        kind="suspicious_updates",
        subject=["resource:" + o[0] for o in out],
        dept_code=dept,
        severity="low",
        day=np.array([o[2] for o in out]).astype("datetime64[D]"),
        value=[float(o[3]) for o in out],
        baseline=[float(o[4]) for o in out],
        message=messages,
        evidence=[[{"资源编码": o[0], "目录最近更新日期": d} for d in o[5]] for o in out],
    )
