"""What-if: a stored period rescored under another scheme, side by side with the scheme in
force, without recomputing any indicator.

A snapshot stores each indicator's numerator, denominator and status; the scoring rules of
metrics.scoring (with the scheme's small-sample shrinkage, metrics.fairness) turn them into
totals, tiers and ranks under any scheme. Settings that
change the indicators themselves (answer limits, grace days) cannot show here: the
comparison lists them as not reflected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from data.stored_values import SnapshotValues
from metrics import fairness
from metrics.scheme import Scheme
from metrics.scoring import adjustment_totals, ranked_totals, score_units

COMPARISON_COLUMNS = [
    "dept_id",
    "name",
    "category",
    "total_now",
    "tier_now",
    "rank_now",
    "total_draft",
    "tier_draft",
    "rank_draft",
    "total_change",
    "rank_change",  # positive: moves up (a smaller rank number)
    "tier_changed",
]
NOT_REFLECTED = {
    "limits": "答复/处理/办结时限",
    "grace_days": "数据更新宽限天数",
}


def capped_adjustments(values: SnapshotValues, scheme: Scheme, adjustments: pd.DataFrame | None = None):
    """bonus, deduction (capped by `scheme`) and vetoed per department of the snapshot."""
    ids = pd.Index(values.departments["dept_id"], name="dept_id")
    return adjustment_totals(values.adjustments if adjustments is None else adjustments, ids, scheme)


def rescore(values: SnapshotValues, scheme: Scheme, adj: pd.DataFrame | None = None) -> pd.DataFrame:
    """dept_id, name, category, base_total, bonus, deduction, vetoed, total, tier, quota_demoted,
    rank of the snapshot's departments under `scheme`, as metrics.assessment computes them.
    adj: capped_adjustments, when the caller has them (default: the snapshot's, under `scheme`)."""
    depts = values.departments
    ids = pd.Index(depts["dept_id"], name="dept_id")
    known = values.indicators[(values.indicators["status"] != "na") & values.indicators["key"].isin(scheme.indicators)]
    counts = known.rename(columns={"key": "indicator"})[["dept_id", "indicator", "numerator", "denominator"]]
    prior = fairness.scheme_prior(counts, depts, scheme)
    _, _, base = score_units(counts.rename(columns={"dept_id": "unit"}), ids, scheme, prior)
    adj = capped_adjustments(values, scheme) if adj is None else adj
    return ranked_totals(depts, base, adj, scheme)


def kept_adjustments(adjustments: pd.DataFrame, current: Scheme, draft: Scheme) -> pd.DataFrame:
    """A veto stops counting under the draft when every veto item of the scheme in force its
    reason names has been struck from the draft's list."""
    dropped = [item for item in current.veto_items if item not in draft.veto_items]
    if not dropped or adjustments.empty:
        return adjustments

    def still_vetoes(reason: str) -> bool:
        named = [item for item in current.veto_items if item in reason]
        return not named or any(item not in dropped for item in named)

    keep = (adjustments["kind"] != "veto") | adjustments["reason"].map(still_vetoes)
    return adjustments[keep].reset_index(drop=True)


@dataclass
class Comparison:
    current: Scheme
    draft: Scheme
    table: pd.DataFrame  # COMPARISON_COLUMNS, by category then draft rank
    summary: pd.DataFrame  # per category: departments, ranks_moved, tier_changes, gainer, loser
    mismatches: list[str] = field(default_factory=list)  # in-force rescoring vs the stored snapshot
    notes: list[str] = field(default_factory=list)

    @property
    def ranks_moved(self) -> int:
        return int((self.table["rank_change"].fillna(0) != 0).sum())

    @property
    def tier_changes(self) -> int:
        return int(self.table["tier_changed"].sum())


def _rank_change(now: pd.Series, draft: pd.Series) -> pd.Series:
    return (now.astype("Float64") - draft.astype("Float64")).astype("Int64")


def _same(a, b) -> bool:
    if pd.isna(a) or pd.isna(b):
        return pd.isna(a) and pd.isna(b)
    return abs(float(a) - float(b)) < 1e-9 if isinstance(a, (int, float)) else a == b


def _mismatches(values: SnapshotValues, now: pd.DataFrame) -> list[str]:
    """Departments whose rescoring under the scheme in force differs from the stored snapshot."""
    stored = values.departments.set_index("dept_id")
    fresh = now.set_index("dept_id")
    lines = []
    for dept_id in stored.index:
        a, b = stored.loc[dept_id], fresh.loc[dept_id]
        if not all(_same(a[c], b[c]) for c in ("total", "tier", "rank")):
            lines.append(
                f"{a['name']}：快照中 {a['total']} 分、{a['tier']}、第 {a['rank']} 名，"
                f"按现行方案重算为 {b['total']} 分、{b['tier']}、第 {b['rank']} 名"
            )
    return lines


def _notes(values: SnapshotValues, current: Scheme, draft: Scheme) -> list[str]:
    notes = []
    if values.scheme_version != current.version:
        notes.append(f"该期得分快照按方案 {values.scheme_version} 计算，现行方案为 {current.version}")
    for attr, label in NOT_REFLECTED.items():
        if getattr(current, attr) != getattr(draft, attr):
            notes.append(f"草案修改了{label}：这类设置改变指标本身，模拟只重算得分，未反映其影响")
    missing = sorted(set(draft.indicators) - set(values.indicators["key"]))
    if missing:
        names = "、".join(draft.indicators[k].name for k in missing)
        notes.append(f"快照中没有指标 {names} 的存储值，模拟中按无数据计")
    if draft.categories != current.categories:
        notes.append("草案修改了参评类别：模拟仍按快照中的部门类别排名")
    return notes


def _summary(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for category, group in table.groupby("category", sort=False):
        change = group["total_change"]
        gainer = group.loc[change.idxmax()] if change.notna().any() else None
        loser = group.loc[change.idxmin()] if change.notna().any() else None
        rows.append(
            {
                "category": category,
                "departments": len(group),
                "ranks_moved": int((group["rank_change"].fillna(0) != 0).sum()),
                "largest_rank_move": int(group["rank_change"].abs().max()) if group["rank_change"].notna().any() else 0,
                "tier_changes": int(group["tier_changed"].sum()),
                "gainer": None if gainer is None else gainer["name"],
                "gain": None if gainer is None else float(gainer["total_change"]),
                "loser": None if loser is None else loser["name"],
                "loss": None if loser is None else float(loser["total_change"]),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "category",
            "departments",
            "ranks_moved",
            "largest_rank_move",
            "tier_changes",
            "gainer",
            "gain",
            "loser",
            "loss",
        ],
    )


def side_by_side(now: pd.DataFrame, draft: pd.DataFrame) -> pd.DataFrame:
    """Two rescorings of the same departments joined: COMPARISON_COLUMNS."""
    a = now.set_index("dept_id")
    b = draft.set_index("dept_id").reindex(a.index)
    table = pd.DataFrame(
        {
            "dept_id": a.index,
            "name": a["name"].to_numpy(),
            "category": a["category"].to_numpy(),
            "total_now": a["total"].to_numpy(dtype=float),
            "tier_now": a["tier"].to_numpy(),
            "rank_now": a["rank"].array,
            "total_draft": b["total"].to_numpy(dtype=float),
            "tier_draft": b["tier"].to_numpy(),
            "rank_draft": b["rank"].array,
        }
    )
    table["total_change"] = (table["total_draft"] - table["total_now"]).round(2)
    table["rank_change"] = _rank_change(table["rank_now"], table["rank_draft"])
    table["tier_changed"] = table["tier_now"].fillna("") != table["tier_draft"].fillna("")
    return table.sort_values(["category", "rank_draft", "rank_now", "dept_id"], na_position="last").reset_index(
        drop=True
    )[COMPARISON_COLUMNS]


def compare(values: SnapshotValues, current: Scheme, draft: Scheme) -> Comparison:
    """The period under the scheme in force and under the draft, department by department."""
    now = rescore(values, current)
    then = rescore(
        values, draft, capped_adjustments(values, draft, kept_adjustments(values.adjustments, current, draft))
    )
    table = side_by_side(now, then)
    return Comparison(current, draft, table, _summary(table), _mismatches(values, now), _notes(values, current, draft))
