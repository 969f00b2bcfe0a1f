"""How fragile a ranking is: small changes of the scheme, one at a time, and the ranks they move.

Each dimension weight goes up and down by 5 points (the other dimensions absorb the change
in proportion to their weights, so the total stays 100, and every dimension's indicators
are scaled to their dimension's new weight); each indicator's target goes up and down by
5 % of its value (a target of 100 becomes 95 and 105). A change the loader would reject
(a weight reaching 0 or 100, a target crossing its floor) is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data.stored_values import SnapshotValues
from metrics.scheme import SchemeError, parse_scheme
from metrics.scheme_text import reweigh, setting, to_toml, with_setting
from metrics.whatif import capped_adjustments, rescore

WEIGHT_STEP = 5.0
TARGET_STEP = 0.05
REBALANCE_NOTE = "其余维度按原权重比例分摊，保持总权重 100；各维度内指标权重按比例缩放"


@dataclass(frozen=True)
class Scenario:
    label: str
    raw: dict


@dataclass
class Sensitivity:
    scenarios: pd.DataFrame  # label, ranks_moved, largest_move, tier_changes
    departments: pd.DataFrame  # dept_id, name, category, rank, scenarios_moved, largest_move, best_rank, worst_rank


def scenarios(raw: dict) -> list[Scenario]:
    out = []
    for n, d in enumerate(raw["dimensions"]):
        for sign in (1, -1):
            weight = d["weight"] + sign * WEIGHT_STEP
            if 0 < weight < 100:
                label = f"维度“{d['name']}”权重 {d['weight']:g} → {weight:g}"
                out.append(Scenario(label, reweigh(raw, f"dimensions[{n}].weight", weight)))
        for m, i in enumerate(d["indicators"]):
            path = f"dimensions[{n}].indicators[{m}].target"
            for sign in (1, -1):
                target = round(setting(raw, path) * (1 + sign * TARGET_STEP), 4)
                label = f"指标“{i['name']}”目标 {i['target']:g} → {target:g}"
                out.append(Scenario(label, with_setting(raw, path, target)))
    return out


def sensitivity(values: SnapshotValues, raw: dict) -> Sensitivity:
    """Every scenario of `raw` (the scheme's table) against `raw` itself on a stored period."""
    scheme = parse_scheme(to_toml(raw))
    adj = capped_adjustments(values, scheme)  # no scenario touches the caps or the veto items
    base = rescore(values, scheme, adj).set_index("dept_id")
    ranks = {}
    rows = []
    for s in scenarios(raw):
        try:
            scheme = parse_scheme(to_toml(s.raw))
        except SchemeError:
            continue
        r = rescore(values, scheme, adj).set_index("dept_id").reindex(base.index)
        move = (base["rank"].astype("Float64") - r["rank"].astype("Float64")).abs().fillna(0)
        ranks[s.label] = r["rank"]
        rows.append(
            {
                "label": s.label,
                "ranks_moved": int((move > 0).sum()),
                "largest_move": int(move.max()) if len(move) else 0,
                "tier_changes": int((base["tier"].fillna("") != r["tier"].fillna("")).sum()),
            }
        )
    table = pd.DataFrame(rows, columns=["label", "ranks_moved", "largest_move", "tier_changes"])
    all_ranks = pd.DataFrame(ranks, index=base.index).astype("Float64")
    moves = all_ranks.sub(base["rank"].astype("Float64"), axis=0).abs().fillna(0)
    span = all_ranks.assign(base=base["rank"].astype("Float64"))
    depts = pd.DataFrame(
        {
            "dept_id": base.index,
            "name": base["name"].to_numpy(),
            "category": base["category"].to_numpy(),
            "rank": base["rank"].array,
            "scenarios_moved": (moves > 0).sum(axis=1).astype(int).to_numpy(),
            "largest_move": moves.max(axis=1).fillna(0).astype(int).to_numpy(),
            "best_rank": span.min(axis=1).astype("Int64").array,
            "worst_rank": span.max(axis=1).astype("Int64").array,
        }
    )
    depts = depts.sort_values(["scenarios_moved", "largest_move", "rank"], ascending=[False, False, True])
    return Sensitivity(table, depts.reset_index(drop=True))
