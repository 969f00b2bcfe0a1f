"""Fair ranks for small samples: how precise each rate is, and how far each rank could move.

A department with four sharing requests and one late answer has a rate of 75 %, but the
data say little more than "somewhere between 30 % and 95 %"; these numbers say so.

- Rates are the indicators measured in % that count outcomes of a process (answers,
  calls, update slots, complaints, cases, reviews): a share of trials, noisy when there
  are few. The catalog's 资源挂接率, 共享开放度 and 资源使用率 are a census of the
  department's own resources, exactly known however few: they keep their observed value,
  as does 每万件投诉量 (a count per 10,000 cases, not a share).
- Wilson score interval (95 %) for each rate.
- Rank interval, by seeded simulation (not analytically): each rate is drawn from its
  Beta posterior — Jeffreys prior Beta(½, ½), or with shrinkage on the category's
  prior Beta(κ·m, κ·(1 − m)) — DRAWS times; each draw is scored with the scheme's
  floors and targets and the effective weights the ranking used (so the N/A spread is
  kept), bonus and deduction are added, and the departments are ranked within their
  category as competition_rank does. The interval is the 5th–95th percentile of a
  department's simulated ranks, widened to hold its published rank. The seed is fixed,
  so the same inputs always give the same interval (published results stay reproducible).
- Empirical-Bayes shrinkage (scheme option [scoring] shrink_small_samples): a rate x/n
  is scored as the beta-binomial posterior mean (x + κ·m)/(n + κ), m the pooled rate of
  the department's category (Σx ÷ Σn over its departments with data), κ the scheme's
  prior_strength. The category mean weighs κ/(n + κ): a lot for 4 requests, little for 400.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from metrics.indicators import DEFINITIONS
from metrics.scheme import Scheme
from metrics.scoring import linear_score

CENSUS_INDICATORS = ("mount_rate", "open_rate", "usage_rate")
RATE_INDICATORS = tuple(k for k, d in DEFINITIONS.items() if d.unit == "%" and k not in CENSUS_INDICATORS)
CONFIDENCE = 0.95
Z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)
RANK_QUANTILES = (0.05, 0.95)
DRAWS = 2000
SEED = 20260101
JEFFREYS = 0.5
INTERVAL_COLUMNS = ["dept_id", "rank_best", "rank_worst"]


def wilson_interval(numerator, denominator, z: float = Z) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of the proportion numerator/denominator (arrays; NaN where denominator is 0)."""
    x, n = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        z2n = z * z / n
        centre = (p + z2n / 2) / (1 + z2n)
        half = z / (1 + z2n) * np.sqrt(p * (1 - p) / n + z2n / (4 * n))
    low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    empty = ~(n > 0)
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def category_prior(counts: pd.DataFrame, departments: pd.DataFrame, strength: float) -> pd.DataFrame:
    """Pseudo-counts of the shrinkage prior per department and rate: prior_num = κ·m, prior_den = κ.

    counts: dept_id, indicator, numerator, denominator; departments: dept_id, category.
    m is the pooled rate of the department's category; a category without data on a rate gives none.
    """
    rates = counts[counts["indicator"].isin(RATE_INDICATORS)]
    sums = (
        rates.merge(departments[["dept_id", "category"]], on="dept_id")
        .groupby(["category", "indicator"])[["numerator", "denominator"]]
        .sum()
    )
    sums = sums[sums["denominator"] > 0]
    pooled = (sums["numerator"] / sums["denominator"]).rename("mean").reset_index()
    out = departments[["dept_id", "category"]].merge(pooled, on="category")
    return pd.DataFrame(
        {
            "unit": out["dept_id"],
            "indicator": out["indicator"],
            "prior_num": strength * out["mean"],
            "prior_den": float(strength),
        }
    )


def scheme_prior(counts: pd.DataFrame, departments: pd.DataFrame, scheme: Scheme) -> pd.DataFrame | None:
    """The prior score_units and rank_intervals take under `scheme`: category_prior when the
    scheme shrinks small samples, else None (counts and departments as for category_prior)."""
    if not scheme.shrink_small_samples:
        return None
    return category_prior(counts, departments, scheme.prior_strength)


def _posterior(ind: pd.DataFrame, prior: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Beta parameters of each indicator row's rate: Jeffreys, or the category prior when given."""
    x = ind["numerator"].to_numpy(float)
    n = ind["denominator"].to_numpy(float)
    x = np.minimum(x, n)
    if prior is None:
        return x + JEFFREYS, n - x + JEFFREYS
    pseudo = ind[["unit", "indicator"]].merge(prior, on=["unit", "indicator"], how="left")
    a0, k = pseudo["prior_num"].to_numpy(), pseudo["prior_den"].to_numpy()
    known = ~np.isnan(k)
    return np.where(known, x + a0, x + JEFFREYS), np.where(known, n - x + k - a0, n - x + JEFFREYS)


def simulated_totals(
    ind: pd.DataFrame,
    units: pd.Index,
    adjust: pd.Series,
    scheme: Scheme,
    prior: pd.DataFrame | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
) -> np.ndarray:
    """draws × units totals: rates drawn from their posteriors, other values as observed.

    ind: score_units' indicator frame (unit, indicator, numerator, denominator, value, weight);
    adjust: bonus − deduction by unit. A unit without a total is NaN in every draw.
    """
    used = ind[ind["weight"] > 0].reset_index(drop=True)
    meta = pd.DataFrame(
        [(i.key, i.floor, i.target, DEFINITIONS[i.key].factor) for i in scheme.indicators.values()],
        columns=["indicator", "floor", "target", "factor"],
    )
    used = used.merge(meta, on="indicator", how="left")
    values = np.tile(used["value"].to_numpy(float), (draws, 1))
    rate = used["indicator"].isin(RATE_INDICATORS).to_numpy()
    if rate.any():
        a, b = _posterior(used[rate], prior)
        rng = np.random.default_rng(seed)
        values[:, rate] = rng.beta(a, b, size=(draws, int(rate.sum()))) * used.loc[rate, "factor"].to_numpy()
    scores = linear_score(values, used["floor"].to_numpy(), used["target"].to_numpy())
    position = units.get_indexer(used["unit"])
    onehot = np.zeros((len(used), len(units)))
    onehot[np.arange(len(used)), position] = 1.0
    base = scores * used["weight"].to_numpy() / 100 @ onehot
    scored = np.isin(np.arange(len(units)), position)
    totals = np.clip(base + adjust.reindex(units).fillna(0).to_numpy(), 0, 100).round(2)
    totals[:, ~scored] = np.nan
    return totals


def simulated_ranks(totals: np.ndarray) -> np.ndarray:
    """Competition rank ('1,1,3', highest first) of each column within each draw (row); totals in [0, 100]."""
    rows, width = totals.shape
    offset = (np.arange(rows) * 1000.0)[:, None]  # lifts each row above the one before: one sorted array
    shifted = totals + offset
    at_most = np.searchsorted(np.sort(shifted, axis=1).ravel(), shifted.ravel(), side="right").reshape(rows, width)
    return width - (at_most - np.arange(rows)[:, None] * width) + 1


def rank_intervals(
    ind: pd.DataFrame,
    scores: pd.DataFrame,
    scheme: Scheme,
    prior: pd.DataFrame | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
) -> pd.DataFrame:
    """dept_id, rank_best, rank_worst (5th–95th percentile of simulated ranks within the category,
    widened to hold the published rank; NA for a department without a rank).

    ind: score_units' indicator frame (unit = dept_id); scores: dept_id, category, bonus,
    deduction, rank (as rank_departments gives them).
    """
    out = []
    for _, group in scores.groupby("category"):
        units = pd.Index(group["dept_id"])
        adjust = (group["bonus"] - group["deduction"]).set_axis(units)
        totals = simulated_totals(ind[ind["unit"].isin(units)], units, adjust, scheme, prior, draws, seed)
        ranked = ~np.isnan(totals[0])
        low, high = np.full(len(units), np.nan), np.full(len(units), np.nan)
        if ranked.any():
            ranks = simulated_ranks(totals[:, ranked])
            low[ranked], high[ranked] = np.quantile(ranks, RANK_QUANTILES, axis=0, method="inverted_cdf")
        rank = group["rank"].astype("Float64").to_numpy(float, na_value=np.nan)
        best = np.fmin(low, rank)
        worst = np.fmax(high, rank)
        missing = np.isnan(rank)
        best[missing], worst[missing] = np.nan, np.nan
        out.append(pd.DataFrame({"dept_id": units, "rank_best": best, "rank_worst": worst}))
    if not out:
        return pd.DataFrame({c: pd.Series(dtype="Int64") for c in INTERVAL_COLUMNS})
    frame = pd.concat(out, ignore_index=True)
    frame[["rank_best", "rank_worst"]] = frame[["rank_best", "rank_worst"]].astype("Int64")
    return frame


def rate_interval(indicator: str, numerator, denominator) -> tuple[float, float] | None:
    """The Wilson interval of one rate in its unit (%), or None for a non-rate or an empty denominator."""
    if indicator not in RATE_INDICATORS or not denominator or not denominator > 0:
        return None
    low, high = wilson_interval([numerator], [denominator])
    factor = DEFINITIONS[indicator].factor
    return float(low[0] * factor), float(high[0] * factor)


def neighbours(departments: pd.DataFrame) -> pd.DataFrame:
    """Whether each ranked department's rank interval overlaps that of the department ranked just
    above it and just below it in its category (overlap: their order is not established by the data).

    departments: dept_id, category, rank, rank_best, rank_worst. Returns dept_id, category, rank,
    overlaps_above, overlaps_below (False where there is no neighbour).
    """
    ranked = departments[departments["rank_best"].notna()].sort_values(["category", "rank", "dept_id"])
    out = ranked[["dept_id", "category", "rank"]].copy()
    by = ranked.groupby("category")
    above_worst, below_best = by["rank_worst"].shift(1), by["rank_best"].shift(-1)
    out["overlaps_above"] = (above_worst.notna() & (ranked["rank_best"] <= above_worst)).astype(bool)
    out["overlaps_below"] = (below_best.notna() & (ranked["rank_worst"] >= below_best)).astype(bool)
    return out.reset_index(drop=True)
