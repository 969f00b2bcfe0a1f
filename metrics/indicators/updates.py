"""数据更新及时率 by update slots (DESIGN.md "Update slots").

A frequency cuts time into slots; a slot is due when slot end + grace ≤ as_of and on time
when an update event falls in [slot start, slot end + grace]. A period holds the slots
ending in it; slots starting before registration (or the department's start) are not
expected; slots ending before the resource's history begins are not judged, and a
resource whose slots in the period all ended before then is judged once by the snapshot
rule from its catalog last-updated date. A 每 N … resource without a registration date has
no slots to count from: it is judged by the snapshot rule in every period. A resource whose
frequency is unknown is flagged, not counted.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from data.clock import local_days
from data.periods import add_months
from data.vocabulary import UNKNOWN_FREQUENCY_FLAG, Frequency, parse_frequency
from metrics.indicators import COUNT_COLUMNS, EVIDENCE_COLUMNS, FIX_COLUMNS, NOTE_COLUMNS, Parts, resource_fixes
from metrics.indicators.sharing import catalog
from metrics.inputs import Context, PeriodInputs, days_int, lookup

CALENDAR_ANCHOR = {"day": date(2000, 1, 3), "month": date(2000, 1, 1)}  # a Monday (ISO weeks); January
KEY_SPAN = 1 << 20  # resource index × KEY_SPAN + day number: one sorted key per observation


def slot_span_days(freq: Frequency) -> int:
    return freq.length if freq.unit == "day" else 31 * freq.length


def updates_since(frequencies: pd.Series, period_start: date) -> date:
    """The first day whose updates can matter to slots ending in a period starting at period_start."""
    spans = [slot_span_days(f) for f in map(parse_frequency, frequencies.dropna().unique()) if f]
    return period_start - timedelta(days=max(spans, default=1) + 1)


def slots(freq: Frequency, anchor: date, first_end: date, last_end: date) -> tuple[np.ndarray, np.ndarray]:
    """Start and end days (datetime64[D]) of the slots ending in [first_end, last_end].
    Anchored frequencies have no slot before the anchor."""
    if freq.unit == "day":
        span = freq.length
        a = np.datetime64(anchor, "D")
        lo = -(-(np.datetime64(first_end, "D") - a + 1).astype(int) // span) - 1
        hi = (np.datetime64(last_end, "D") - a + 1).astype(int) // span - 1
        if freq.anchored:
            lo = max(lo, 0)
        idx = np.arange(lo, hi + 1)
        starts = a + idx * span
        return starts, starts + span - 1
    months = (first_end.year - anchor.year) * 12 + first_end.month - anchor.month
    i = months // freq.length - 1
    if freq.anchored:
        i = max(i, 0)
    starts, ends = [], []
    while True:
        start = add_months(anchor, i * freq.length)
        end = add_months(anchor, (i + 1) * freq.length) - timedelta(days=1)
        if start > last_end:
            break
        if first_end <= end <= last_end:
            starts.append(start)
            ends.append(end)
        i += 1
    return np.array(starts, dtype="datetime64[D]"), np.array(ends, dtype="datetime64[D]")


def _slot_table(res: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """One row per (resource, expected slot ending in the period)."""
    parts = []
    for (freq, anchor), group in res.groupby(["freq", "anchor"], sort=False, dropna=False):
        starts, ends = slots(freq, anchor.date(), ctx.period.start, ctx.period.end)
        if not len(starts):
            continue
        n = len(starts)
        parts.append(
            pd.DataFrame(
                {
                    "ridx": np.repeat(group.index.to_numpy(), n),
                    "start": np.tile(starts, len(group)).astype("datetime64[ns]"),
                    "end": np.tile(ends, len(group)).astype("datetime64[ns]"),
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            {
                "ridx": pd.Series(dtype="int64"),
                "start": pd.Series(dtype="datetime64[ns]"),
                "end": pd.Series(dtype="datetime64[ns]"),
            }
        )
    table = pd.concat(parts, ignore_index=True)
    expected_from = res["expected_from"].reindex(table["ridx"]).to_numpy()
    return table[~(table["start"].to_numpy() < expected_from)].reset_index(drop=True)


class Observations:
    """Update days per resource, known by as_of, for interval lookups."""

    def __init__(self, updates: pd.DataFrame, index_of: dict[str, int], as_of: date):
        days = local_days(updates["updated_at"])
        ridx = updates["resource_code"].map(index_of)
        keep = ridx.notna() & (days <= pd.Timestamp(as_of))
        self.keys = np.sort(ridx[keep].astype(np.int64).to_numpy() * KEY_SPAN + days_int(days[keep]))

    def any_between(self, ridx: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        """Whether resource ridx has an update on a day in [first, last] (day numbers)."""
        lo = ridx * KEY_SPAN + first
        pos = np.searchsorted(self.keys, lo, side="left")
        found = np.append(self.keys, np.iinfo(np.int64).max)[pos]
        return (found <= ridx * KEY_SPAN + last) & (first <= last)


def _prepare(inputs: PeriodInputs, ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    res = catalog(inputs, ctx).reset_index(drop=True)
    res["freq"] = res["update_frequency"].map(parse_frequency)
    notes = []
    uncounted = res[res["freq"].isna() & (res["update_frequency"] != "irregular")]
    for dept, n in uncounted.groupby("dept_id").size().items():
        notes.append((dept, f"{n} 个资源{UNKNOWN_FREQUENCY_FLAG}，未计入更新及时率"))
    res = res[res["freq"].notna()].reset_index(drop=True)
    first_update = lookup(res["resource_code"], inputs.first_updates.set_index("resource_code")["first_update"])
    first_event, first_seen = local_days(first_update), local_days(res["first_seen_at"])
    res["history_start"] = first_event.where(first_event < first_seen, first_seen)
    registered, active = res["registered_at"], ctx.active_from(res["dept_id"])
    res["expected_from"] = registered.where(registered.notna() & ~(registered < active), active)
    anchored = res["freq"].map(lambda f: f.anchored)
    res["undated"] = anchored & res["registered_at"].isna()
    for dept, n in res[res["undated"]].groupby("dept_id").size().items():
        notes.append((dept, f"{n} 个按“每 N 日/周/月”更新的资源缺少登记日期，按目录快照规则（最近更新日期）判定"))
    res["anchor"] = res["freq"].map(lambda f: pd.Timestamp(CALENDAR_ANCHOR[f.unit]))
    res.loc[anchored, "anchor"] = res.loc[anchored, "registered_at"]  # undated ones have no slots
    res["grace"] = res["freq"].map(lambda f: ctx.scheme.grace_days[f.standard])
    return res, pd.DataFrame(notes, columns=["dept_id", "note"]), uncounted


def update_indicators(inputs: PeriodInputs, ctx: Context) -> Parts:
    res, notes, uncounted = _prepare(inputs, ctx)
    table = _slot_table(res[~res["undated"]], ctx)
    obs = Observations(inputs.updates, {c: i for i, c in enumerate(res["resource_code"])}, ctx.as_of)
    as_of = days_int(pd.Series([ctx.as_of_ts]))[0]

    r = table["ridx"].to_numpy(dtype=np.int64)
    start, end = days_int(table["start"]), days_int(table["end"])
    due_day = end + res["grace"].to_numpy()[r]
    history = days_int(res["history_start"]).astype(np.int64)[r] if len(r) else np.array([], dtype=np.int64)
    table["judged"] = end >= history
    table["due_day"] = due_day
    table["due"] = table["judged"] & (due_day <= as_of)
    table["on_time"] = obs.any_between(r, start, np.minimum(due_day, as_of))
    table["updated_since"] = obs.any_between(r, due_day + 1, np.full_like(due_day, as_of))
    table["started"] = obs.any_between(r, start, np.full_like(start, as_of))

    per_res = table.groupby("ridx")["judged"].any()
    snap_idx = per_res.index[~per_res.to_numpy()].union(res.index[res["undated"]])
    hist = table[table["due"]]
    hist_counts = pd.DataFrame(
        {
            "dept_id": res["dept_id"].to_numpy()[hist["ridx"].to_numpy()],
            "on_time": hist["on_time"].astype(int).to_numpy(),
        }
    )
    snap = _snapshot_rule(res.loc[snap_idx], ctx)
    both = pd.concat([hist_counts, pd.DataFrame({"dept_id": snap["dept_id"], "on_time": snap["on_time"].astype(int)})])
    counts = both.groupby("dept_id").agg(numerator=("on_time", "sum"), denominator=("on_time", "size")).reset_index()
    counts["indicator"] = "update_on_time"

    for dept, n in snap[~res.loc[snap.index, "undated"]].groupby("dept_id").size().items():
        notes.loc[len(notes)] = (
            dept,
            f"{n} 个资源在本期的更新周期均早于其首次观测，按目录快照规则（最近更新日期）判定一次",
        )
    notes["indicator"] = "update_on_time"
    evidence, fixes = _history_items(table, res, ctx)
    snap_evidence, snap_fixes = _snapshot_items(snap)
    return Parts(
        [counts[COUNT_COLUMNS]],
        [evidence, snap_evidence, _unknown_items(uncounted)],
        [fixes, snap_fixes],
        [notes[NOTE_COLUMNS]],
    )


def _snapshot_rule(res: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    last = local_days(res["last_updated_at"])
    bound = pd.Series(pd.NaT, index=res.index, dtype="datetime64[ns]")
    for freq, group in res.groupby("freq", sort=False):
        bound[group.index] = freq.slot_after(last[group.index]) + pd.to_timedelta(group["grace"], unit="D")
    flagged = last.isna() | (last > ctx.as_of_ts)
    out = res[["dept_id", "resource_code", "name", "update_note"]].copy()
    out["last"], out["bound"], out["flagged"] = last, bound, flagged
    out["on_time"] = ~flagged & (ctx.as_of_ts <= bound)
    return out


def _unknown_items(res: pd.DataFrame) -> pd.DataFrame:
    """Resources whose frequency the catalog left blank or wrote unreadably: flagged for a clerk."""
    return pd.DataFrame(
        {
            "dept_id": res["dept_id"],
            "indicator": "update_on_time",
            "item_type": "resource",
            "item_key": res["resource_code"],
            "label": res["name"],
            "status": "flagged",
            "due_at": pd.NaT,
            "done_at": pd.NaT,
            "detail": [
                with_note({"说明": UNKNOWN_FREQUENCY_FLAG + "：请在目录中登记更新频率"}, note, "目录原文")
                for note in res["update_note"]
            ],
        },
        columns=EVIDENCE_COLUMNS,
    )


def with_note(detail: dict, note, key: str = "更新说明") -> dict:
    """An evidence detail with the catalog's note on the frequency, when it has one."""
    return {**detail, key: note} if isinstance(note, str) and note else detail


def _day_text(n: np.ndarray) -> np.ndarray:
    """Day numbers → 'YYYY-MM-DD'."""
    return np.asarray(n, dtype="int64").astype("datetime64[D]").astype(str)


SLOTS_SHOWN = 24  # missed slots listed per resource in the evidence detail (the most recent)


def _history_items(table: pd.DataFrame, res: pd.DataFrame, ctx: Context):
    """Per resource: its missed slots (evidence and one fix), and its slots due in the coming days."""
    missed = table[table["due"] & ~table["on_time"]].sort_values(["ridx", "end"])
    shown = missed.groupby("ridx").tail(SLOTS_SHOWN)
    listed: dict[int, list] = {}
    for r, s, e, d in zip(
        shown["ridx"].to_numpy(),
        shown["start"].dt.strftime("%Y-%m-%d"),
        shown["end"].dt.strftime("%Y-%m-%d"),
        _day_text(shown["due_day"].to_numpy()),
    ):
        listed.setdefault(int(r), []).append({"周期开始": s, "周期结束": e, "应更新截止": d})
    per = missed.groupby("ridx").agg(n=("end", "size"), last_due=("due_day", "last"), after=("updated_since", "last"))
    item = res.loc[per.index]
    last_due = _day_text(per["last_due"].to_numpy())
    n = per["n"].to_numpy()
    evidence = pd.DataFrame(
        {
            "dept_id": item["dept_id"].to_numpy(),
            "indicator": "update_on_time",
            "item_type": "resource",
            "item_key": item["resource_code"].to_numpy(),
            "label": item["name"].to_numpy(),
            "status": np.where(per["after"].to_numpy(), "late", "overdue"),
            "due_at": pd.to_datetime(last_due),
            "done_at": pd.NaT,
            "detail": [
                with_note({"逾期周期数": int(k), "更新频率": f, "逾期周期": listed[int(r)]}, note)
                for r, k, f, note in zip(per.index, n, item["update_frequency"], item["update_note"])
            ],
        },
        columns=EVIDENCE_COLUMNS,
    )
    names = "资源「" + item["name"].astype(str) + "」（" + item["resource_code"].astype(str) + "）"
    overdue_fixes = pd.DataFrame(
        {
            "dept_id": item["dept_id"].to_numpy(),
            "indicator": "update_on_time",
            "item_type": "resource",
            "item_key": item["resource_code"].to_numpy(),
            "action": (
                names
                + "有 "
                + pd.Series(n, index=item.index).astype(str)
                + " 个更新周期未按时更新（最近一期应于 "
                + pd.Series(last_due, index=item.index)
                + " 前更新）：立即更新并按频率保持更新"
            ).to_numpy(),
            "deadline": pd.NaT,
            "upcoming": False,
            "fix_num": n,
            "fix_den": 0,
            "base_num": 0,
            "base_den": 0,
        },
        columns=FIX_COLUMNS,
    )

    as_of = days_int(pd.Series([ctx.as_of_ts]))[0]
    soon = table[
        table["judged"] & ~table["due"] & ~table["started"] & (table["due_day"] <= as_of + ctx.scheme.upcoming_days)
    ]
    per = soon.groupby("ridx").agg(k=("end", "size"), first_due=("due_day", "min"))
    item = res.loc[per.index]
    first_due = _day_text(per["first_due"].to_numpy())
    k = per["k"].to_numpy()
    upcoming_fixes = pd.DataFrame(
        {
            "dept_id": item["dept_id"].to_numpy(),
            "indicator": "update_on_time",
            "item_type": "resource",
            "item_key": item["resource_code"].to_numpy(),
            "action": (
                "按时更新资源「"
                + item["name"].astype(str)
                + "」（"
                + item["resource_code"].astype(str)
                + "）："
                + pd.Series(first_due, index=item.index)
                + " 前需完成本期更新"
            ).to_numpy(),
            "deadline": pd.to_datetime(first_due),
            "upcoming": True,
            "fix_num": k,
            "fix_den": k,
            "base_num": 0,
            "base_den": k,
        },
        columns=FIX_COLUMNS,
    )
    return evidence, pd.concat([overdue_fixes, upcoming_fixes], ignore_index=True)


def _snapshot_items(snap: pd.DataFrame):
    bad = snap[~snap["on_time"]]
    evidence = pd.DataFrame(
        {
            "dept_id": bad["dept_id"],
            "indicator": "update_on_time",
            "item_type": "resource",
            "item_key": bad["resource_code"],
            "label": bad["name"],
            "status": bad["flagged"].map({True: "flagged", False: "overdue"}),
            "due_at": bad["bound"],
            "done_at": bad["last"],
            "detail": [
                with_note(
                    {
                        "判定方式": "目录快照规则",
                        "最近更新日期": None if pd.isna(last) else last.date().isoformat(),
                        "说明": (
                            "目录未登记最近更新日期，或该日期晚于评价日"
                            if flag
                            else "最近更新日期距今已超过一个更新周期加宽限期"
                        ),
                    },
                    note,
                )
                for last, flag, note in zip(bad["last"], bad["flagged"], bad["update_note"])
            ],
        },
        columns=EVIDENCE_COLUMNS,
    )
    fixes = resource_fixes(
        bad,
        "update_on_time",
        "更新资源「" + bad["name"] + "」（" + bad["resource_code"] + "）并在目录中登记最近更新日期",
    )
    return evidence, fixes
