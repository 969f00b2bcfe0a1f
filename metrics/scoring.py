"""From numerators and denominators to indicator, dimension and total scores, tiers and ranks.

`score_units` works on any "unit" (a department, or a what-if scenario of one in
gains.py), so the 提分清单 recomputes totals with exactly the rules used for ranking.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.vocabulary import TIERS
from metrics.indicators import DEFINITIONS
from metrics.scheme import Scheme


def linear_score(value, floor, target):
    """0 points at the floor, 100 at the target, linear between (reversed where the target is lower)."""
    return ((value - floor) / (target - floor) * 100).clip(0, 100)


def score_units(
    counts: pd.DataFrame, units: pd.Index, scheme: Scheme, prior: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """counts: unit, indicator, numerator, denominator (missing = no data).
    prior: unit, indicator, prior_num, prior_den — pseudo-counts added to a rate's value
    (fairness.category_prior, when the scheme shrinks small samples); the numerator,
    denominator and 样本少 flag stay the observed ones.

    Returns (indicators, dimensions, base_total by unit):
    indicators: unit, indicator, dimension, numerator, denominator, value, score, status, weight
    dimensions: unit, dimension, score, weight, status
    An indicator without denominator is N/A and its weight goes to the dimension's other
    indicators; a dimension with no indicator left gives its weight to the other dimensions.
    """
    meta = pd.DataFrame(
        [
            {
                "indicator": i.key,
                "dimension": i.dimension,
                "w": i.weight,
                "floor": i.floor,
                "target": i.target,
                "factor": DEFINITIONS[i.key].factor,
            }
            for i in scheme.indicators.values()
        ]
    )
    sums = counts.groupby(["unit", "indicator"])[["numerator", "denominator"]].sum()
    grid = pd.MultiIndex.from_product([units, meta["indicator"]], names=["unit", "indicator"])
    ind = sums.reindex(grid, fill_value=0).reset_index().merge(meta, on="indicator")
    num, den = ind["numerator"].astype(float), ind["denominator"].astype(float)
    has = den > 0
    rate_num, rate_den = num, den.where(has, 1)
    if prior is not None:
        pseudo = ind[["unit", "indicator"]].merge(prior, on=["unit", "indicator"], how="left").fillna(0)
        rate_num, rate_den = num + pseudo["prior_num"].to_numpy(), rate_den + pseudo["prior_den"].to_numpy()
    ind["value"] = np.where(has, rate_num / rate_den * ind["factor"], np.nan)
    ind["score"] = linear_score(ind["value"], ind["floor"], ind["target"])
    ind["status"] = np.where(~has, "na", np.where(den < scheme.small_sample, "small", "ok"))
    ind["aw"] = ind["w"].where(has, 0.0)
    ind["ws"] = (ind["aw"] * ind["score"]).fillna(0.0)

    dims = ind.groupby(["unit", "dimension"], sort=False).agg(aw=("aw", "sum"), ws=("ws", "sum")).reset_index()
    dims["score"] = np.where(dims["aw"] > 0, dims["ws"] / dims["aw"].where(dims["aw"] > 0, 1), np.nan)
    dim_w = pd.Series({d.key: d.weight for d in scheme.dimensions})
    dims["W"] = dims["dimension"].map(dim_w)
    dims["avail_W"] = dims["W"].where(dims["score"].notna(), 0.0)
    scale = dims.groupby("unit")["avail_W"].transform("sum")
    dims["weight"] = np.where(scale > 0, dims["avail_W"] / scale.where(scale > 0, 1) * 100, 0.0)
    dims["status"] = np.where(dims["score"].isna(), "na", "ok")
    base = (dims["weight"] * dims["score"].fillna(0)).groupby(dims["unit"]).sum() / 100
    base[scale.groupby(dims["unit"]).first() <= 0] = np.nan

    ind = ind.merge(
        dims[["unit", "dimension", "weight", "aw"]].rename(columns={"weight": "dim_weight", "aw": "dim_aw"}),
        on=["unit", "dimension"],
    )
    ind["weight"] = np.where(
        ind["dim_aw"] > 0, ind["dim_weight"] * ind["aw"] / ind["dim_aw"].where(ind["dim_aw"] > 0, 1), 0.0
    )
    ind_cols = ["unit", "indicator", "dimension", "numerator", "denominator", "value", "score", "status", "weight"]
    return ind[ind_cols], dims[["unit", "dimension", "score", "weight", "status"]], base.reindex(units)


def adjustment_totals(adjustments: pd.DataFrame, dept_ids: pd.Index, scheme: Scheme) -> pd.DataFrame:
    """bonus and deduction (each capped) and veto per department."""
    by_kind = adjustments.pivot_table(index="dept_id", columns="kind", values="points", aggfunc="sum")
    counts = adjustments.groupby(["dept_id", "kind"]).size().unstack(fill_value=0)
    out = pd.DataFrame(index=dept_ids)
    out["bonus"] = by_kind.get("bonus", pd.Series(dtype=float)).reindex(dept_ids).fillna(0).clip(0, scheme.bonus_cap)
    out["deduction"] = (
        by_kind.get("deduction", pd.Series(dtype=float)).reindex(dept_ids).fillna(0).clip(0, scheme.deduction_cap)
    )
    out["vetoed"] = counts.get("veto", pd.Series(dtype=int)).reindex(dept_ids).fillna(0) > 0
    return out


def adjusted_total(base: pd.Series, bonus: pd.Series, deduction: pd.Series) -> pd.Series:
    """Weighted base plus bonus minus deduction, capped to [0, 100]; no base, no total."""
    return (base + bonus - deduction).clip(0, 100)


def competition_rank(totals: pd.Series) -> pd.Series:
    """'1,1,3' ranking by total (highest first, to the hundredth); no total, no rank."""
    return totals.round(2).rank(method="min", ascending=False).astype("Int64")


def tiers(totals: pd.Series, vetoed: pd.Series, scheme: Scheme) -> tuple[pd.Series, pd.Series]:
    """Tier per department of one category, and whether the 优秀 quota demoted it.

    At most floor(quota × scored departments) may be 优秀; a group tied at the boundary
    that would exceed the quota is demoted as a whole (the quota is a ceiling).
    """
    t = scheme.tiers
    rounded = totals.round(2)
    tier = pd.Series(
        np.select([rounded >= t["excellent"], rounded >= t["good"], rounded >= t["fair"]], TIERS[:3], TIERS[3]),
        index=totals.index,
        dtype=object,
    )
    tier[vetoed] = "较差"
    tier[totals.isna()] = None
    quota = int(np.floor(scheme.excellent_quota * totals.notna().sum() + 1e-9))
    excellent = tier == "优秀"
    within = rounded[excellent].rank(method="max", ascending=False) <= quota
    demoted = pd.Series(False, index=totals.index)
    demoted[within.index[~within]] = True
    tier[demoted] = "良好"
    return tier, demoted


def ranked_totals(depts: pd.DataFrame, base: pd.Series, adj: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Base totals with the capped bonus, deduction and veto applied, tiered and ranked per
    category: the last step of an assessment and of a what-if alike."""
    scores = depts[["dept_id", "name", "category"]].copy()
    scores["base_total"] = base.round(2).to_numpy()
    scores["bonus"] = adj["bonus"].to_numpy()
    scores["deduction"] = adj["deduction"].to_numpy()
    scores["vetoed"] = adj["vetoed"].to_numpy()
    scores["total"] = adjusted_total(base, adj["bonus"], adj["deduction"]).round(2).to_numpy()
    return rank_departments(scores, scheme)


def rank_departments(scores: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Add tier, quota_demoted and rank within each category (scores: dept_id, category, total, vetoed)."""
    out = scores.copy()
    out["tier"], out["quota_demoted"], out["rank"] = None, False, pd.array([pd.NA] * len(out), dtype="Int64")
    for _, group in out.groupby("category"):
        tier, demoted = tiers(group["total"], group["vetoed"], scheme)
        out.loc[group.index, "tier"] = tier
        out.loc[group.index, "quota_demoted"] = demoted
        out.loc[group.index, "rank"] = competition_rank(group["total"])
    return out
