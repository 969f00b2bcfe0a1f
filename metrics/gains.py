"""提分清单: for each concrete open item, the total points fixing it would gain.

Each item is a what-if scenario: the department's numerators and denominators with that
one item fixed, scored by the same rules as the ranking (N/A spread, caps included).
For an item not yet due, fixing it is compared with missing it (the points at stake).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.scheme import Scheme
from metrics.scoring import adjusted_total, score_units

GAIN_COLUMNS = ["dept_id", "indicator", "item_type", "item_key", "action", "points", "deadline", "upcoming"]


def gain_items(
    counts: pd.DataFrame,
    fixes: pd.DataFrame,
    adjustments: pd.DataFrame,
    scheme: Scheme,
    prior: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """counts: dept_id, indicator, numerator, denominator; fixes: FIX_COLUMNS;
    adjustments: bonus, deduction indexed by dept_id; prior: the shrinkage pseudo-counts by
    department (unit = dept_id), when the scheme shrinks. Items gaining nothing are dropped
    unless their deadline is upcoming."""
    if fixes.empty:
        return pd.DataFrame(columns=GAIN_COLUMNS)
    fixes = fixes.reset_index(drop=True)
    n = len(fixes)
    scenarios = pd.DataFrame({"unit": np.arange(2 * n), "dept_id": np.tile(fixes["dept_id"].to_numpy(), 2)})
    rows = scenarios.merge(counts, on="dept_id")[["unit", "indicator", "numerator", "denominator"]]
    deltas = pd.DataFrame(
        {
            "unit": np.arange(2 * n),
            "indicator": np.tile(fixes["indicator"].to_numpy(), 2),
            "numerator": np.concatenate([fixes["fix_num"].to_numpy(), fixes["base_num"].to_numpy()]).astype(float),
            "denominator": np.concatenate([fixes["fix_den"].to_numpy(), fixes["base_den"].to_numpy()]).astype(float),
        }
    )
    if prior is not None:
        prior = scenarios.merge(prior.rename(columns={"unit": "dept_id"}), on="dept_id").drop(columns="dept_id")
    _, _, base = score_units(pd.concat([rows, deltas], ignore_index=True), pd.Index(scenarios["unit"]), scheme, prior)
    adj = adjustments.reindex(scenarios["dept_id"]).fillna(0)
    totals = adjusted_total(base.to_numpy(), adj["bonus"].to_numpy(), adj["deduction"].to_numpy())
    points = pd.Series(totals[:n] - totals[n:]).fillna(0)
    out = fixes.assign(points=points.round(3))
    keep = (points > 5e-4) | out["upcoming"]
    return out[keep].sort_values(["dept_id", "points"], ascending=[True, False])[GAIN_COLUMNS].reset_index(drop=True)
