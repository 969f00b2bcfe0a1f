"""Where the difference between two stored scores comes from.

A stored indicator weight is its effective share of the base total (N/A indicators hold 0
and their weight sits with the others), so its contribution is weight × score ÷ 100 and
the contributions add up to the base total. Comparing two scores (two departments in
one period, or one department in two periods) is then the difference of contributions,
indicator by indicator, plus the differences of bonus and deduction; what is left
(capping to [0, 100]) is named as such, so the bridge always ends on the real total.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

SIDES = ("a", "b")


def contribution(weight, score) -> float:
    """Points an indicator adds to the base total; an indicator without a score adds none."""
    if _blank(score) or _blank(weight):
        return 0.0
    return float(weight) * float(score) / 100


def indicator_differences(a: pd.DataFrame, b: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """One row per indicator in `order` that either side has: value, score and contribution
    of side a and side b, and a − b of each (NaN where a side has no value or score; an
    N/A indicator contributes 0, an indicator a side lacks altogether contributes NaN)."""
    sides = {"a": a.set_index("key"), "b": b.set_index("key")}
    rows = []
    for key in [k for k in order if k in sides["a"].index or k in sides["b"].index]:
        found = {name: frame.loc[key] if key in frame.index else None for name, frame in sides.items()}
        row = {"key": key, "dimension": next(f["dimension"] for f in found.values() if f is not None)}
        for name, r in found.items():
            row[f"value_{name}"] = math.nan if r is None or _blank(r["value"]) else float(r["value"])
            row[f"score_{name}"] = math.nan if r is None or _blank(r["score"]) else float(r["score"])
            row[f"status_{name}"] = "na" if r is None else r["status"]
            row[f"contribution_{name}"] = math.nan if r is None else contribution(r["weight"], r["score"])
        for measure in ("value", "score", "contribution"):
            row[f"{measure}_diff"] = row[f"{measure}_a"] - row[f"{measure}_b"]
        rows.append(row)
    measures = [f"{m}_{s}" for m in ("value", "score", "status", "contribution") for s in SIDES]
    columns = ["key", "dimension", *measures, "value_diff", "score_diff", "contribution_diff"]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class Step:
    """One bar of the bridge from side b's total to side a's: an indicator, 加分, 扣分 or 其他."""

    kind: str  # indicator | bonus | deduction | other
    key: str  # the indicator key, else the kind
    amount: float


def total_bridge(a: dict, b: dict, differences: pd.DataFrame, tolerance: float = 0.005) -> list[Step]:
    """The steps that take b's total to a's: each indicator's contribution difference (largest
    first; an indicator only one side's scheme has counts in full), the bonus difference,
    the deduction difference (as points lost) and the rest (capping) when not negligible.
    Empty when either side has no total."""
    if _blank(a["total"]) or _blank(b["total"]):
        return []
    moved = differences["contribution_a"].fillna(0) - differences["contribution_b"].fillna(0)
    ranked = differences.reindex(moved.abs().sort_values(ascending=False, kind="stable").index)
    steps = [
        Step("indicator", r["key"], _zero(r["contribution_a"]) - _zero(r["contribution_b"]))
        for r in ranked.to_dict("records")
    ]
    steps.append(Step("bonus", "bonus", float(a["bonus"]) - float(b["bonus"])))
    steps.append(Step("deduction", "deduction", float(b["deduction"]) - float(a["deduction"])))
    rest = float(a["total"]) - float(b["total"]) - sum(s.amount for s in steps)
    steps = [s for s in steps if abs(s.amount) >= tolerance]
    if abs(rest) >= tolerance:
        steps.append(Step("other", "other", rest))
    return steps


def _blank(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _zero(x) -> float:
    return 0.0 if _blank(x) else float(x)
