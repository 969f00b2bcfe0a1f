"""One period's assessment from input frames: indicators → scores → tiers, ranks,
explanations, evidence and 提分清单. Pure: frames in, frames out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from data.periods import Period
from metrics import exemptions, explain, fairness
from metrics.gains import GAIN_COLUMNS, gain_items
from metrics.indicators import COUNT_COLUMNS, EVIDENCE_COLUMNS, FIX_COLUMNS, NOTE_COLUMNS, Parts, concat
from metrics.indicators.complaints import complaint_indicators
from metrics.indicators.office import office_indicators
from metrics.indicators.sharing import call_indicators, catalog_indicators, objection_indicators, request_indicators
from metrics.indicators.updates import update_indicators
from metrics.inputs import Context, PeriodInputs, has_records
from metrics.scheme import Scheme
from metrics.scoring import adjustment_totals, ranked_totals, score_units

FAMILIES = (
    catalog_indicators,
    call_indicators,
    request_indicators,
    objection_indicators,
    update_indicators,
    complaint_indicators,
    office_indicators,
)
DEPT_COLUMNS = [
    "dept_id",
    "name",
    "category",
    "base_total",
    "bonus",
    "deduction",
    "vetoed",
    "total",
    "tier",
    "quota_demoted",
    "rank",
    "prev_total",
    "prev_rank",
    "rank_best",
    "rank_worst",
    "rank_note",
]
NO_RECORDS = "该期无数据：期内没有任何更新、调用、申请、异议、投诉或办件记录，不计分、不排名"
INDICATOR_COLUMNS = [
    "dept_id",
    "key",
    "dimension",
    "value",
    "score",
    "numerator",
    "denominator",
    "weight",
    "status",
    "explanation",
]


@dataclass
class Assessment:
    period: Period
    as_of: date
    scheme: Scheme
    input_digest: str
    departments: pd.DataFrame  # DEPT_COLUMNS, ordered by category then rank
    indicators: pd.DataFrame  # INDICATOR_COLUMNS: indicator rows and 'dim:<dimension>' rows
    evidence: pd.DataFrame  # EVIDENCE_COLUMNS
    gains: pd.DataFrame  # gains.GAIN_COLUMNS
    notes: list[str]  # period-wide notes (e.g. calendar fallback)


def assessed_departments(departments: pd.DataFrame, period: Period, as_of: date, scheme: Scheme) -> pd.DataFrame:
    """Departments of a ranked category that exist by min(end, as_of)."""
    cutoff = pd.Timestamp(min(period.end, as_of))
    keep = departments["category"].isin(scheme.categories) & ~(departments["active_from"] > cutoff)
    return departments[keep].reset_index(drop=True)


def _parts(inputs: PeriodInputs, ctx: Context) -> dict[str, pd.DataFrame]:
    """Every family's counts, evidence, fixes and notes, each concatenated into one frame."""
    parts = Parts()
    for family in FAMILIES:
        parts.extend(family(inputs, ctx))
    return {
        "counts": concat(parts.counts, COUNT_COLUMNS),
        "evidence": concat(parts.evidence, EVIDENCE_COLUMNS),
        "fixes": concat(parts.fixes, FIX_COLUMNS),
        "notes": concat(parts.notes, NOTE_COLUMNS),
    }


def assess(
    inputs: PeriodInputs,
    period: Period,
    as_of: date,
    scheme: Scheme,
    previous: pd.DataFrame | None = None,
    input_digest: str = "",
    detailed: bool = True,
) -> Assessment:
    """previous: dept_id, total, rank of the previous period of the same length (optional).
    detailed=False skips explanations and 提分清单 (enough for a previous period's totals)."""
    depts = assessed_departments(inputs.departments, period, as_of, scheme)
    ctx = Context(period, as_of, scheme, depts)
    parts = exemptions.apply(_parts(inputs, ctx), inputs, lambda without: _parts(without, ctx))
    counts, evidence, fixes, notes = (parts[k] for k in exemptions.FRAME_NAMES)
    counts[["numerator", "denominator"]] = counts[["numerator", "denominator"]].astype(float)
    period_notes = ctx.calendar.notes()
    observed = has_records(inputs, ctx)
    if not observed:
        period_notes.append(NO_RECORDS)
    if scheme.year != period.year:
        period_notes.append(f"{period.year} 年没有单独的考核方案，沿用 {scheme.year} 年方案（版本 {scheme.version}）")

    ids = pd.Index(depts["dept_id"], name="dept_id")
    prior = fairness.scheme_prior(counts, depts, scheme)
    ind, dims, base = score_units(counts.rename(columns={"dept_id": "unit"}), ids, scheme, prior)
    if not observed:
        ind, dims, base = _unscored(ind, dims, base)
    adj = adjustment_totals(inputs.adjustments, ids, scheme)
    scores = ranked_totals(depts, base, adj, scheme)
    prev = (previous if previous is not None else pd.DataFrame(columns=["dept_id", "total", "rank"])).set_index(
        "dept_id"
    )
    scores["prev_total"] = scores["dept_id"].map(prev["total"]).astype(float)
    scores["prev_rank"] = scores["dept_id"].map(prev["rank"]).astype("Int64")
    scores = _with_rank_intervals(scores, ind, scheme, prior, detailed)
    scores = scores.sort_values(["category", "rank", "dept_id"], na_position="last")[DEPT_COLUMNS].reset_index(
        drop=True
    )

    if not detailed:
        return Assessment(
            period,
            as_of,
            scheme,
            input_digest,
            scores,
            pd.DataFrame(columns=INDICATOR_COLUMNS),
            evidence,
            pd.DataFrame(columns=GAIN_COLUMNS),
            period_notes,
        )
    gains = gain_items(counts, fixes, adj, scheme, prior)
    indicators = _explained(ind, dims, evidence, notes, period_notes, scheme)
    return Assessment(
        period,
        as_of,
        scheme,
        input_digest,
        scores,
        indicators,
        evidence.sort_values(["dept_id", "indicator", "item_key"]).reset_index(drop=True),
        gains,
        period_notes,
    )


def _with_rank_intervals(scores: pd.DataFrame, ind: pd.DataFrame, scheme: Scheme, prior, detailed: bool):
    """rank_best, rank_worst and rank_note per department (fairness.py); only for a detailed assessment."""
    if not detailed:
        return scores.assign(rank_best=pd.NA, rank_worst=pd.NA, rank_note=None)
    out = scores.merge(fairness.rank_intervals(ind, scores, scheme, prior), on="dept_id", how="left")
    small: dict = {}
    for unit, key, x, n in ind.loc[
        ind["status"] == "small", ["unit", "indicator", "numerator", "denominator"]
    ].to_numpy():
        small.setdefault(unit, []).append((key, x, n))
    out["rank_note"] = [
        None if pd.isna(best) else explain.rank_note(best, worst, small.get(dept, []), scheme)
        for dept, best, worst in zip(out["dept_id"], out["rank_best"], out["rank_worst"])
    ]
    return out


def _unscored(ind: pd.DataFrame, dims: pd.DataFrame, base: pd.Series):
    """Indicators, dimensions and totals of a period without any record: all 无数据."""
    ind = ind.assign(value=float("nan"), score=float("nan"), status="na", weight=0.0)
    dims = dims.assign(score=float("nan"), status="na", weight=0.0)
    return ind, dims, base * float("nan")


def _explained(
    ind: pd.DataFrame,
    dims: pd.DataFrame,
    evidence: pd.DataFrame,
    notes: pd.DataFrame,
    period_notes: list[str],
    scheme: Scheme,
) -> pd.DataFrame:
    keys = evidence.groupby(["dept_id", "indicator"])["item_key"].apply(list).to_dict()
    dept_notes = notes.groupby(["dept_id", "indicator"])["note"].apply(list).to_dict()
    rows = []
    for r in ind.itertuples():
        extra = [n for n in period_notes if "工作日" not in n or r.indicator in explain.DEADLINE_INDICATORS]
        exp = explain.indicator_explanation(
            r, scheme, dept_notes.get((r.unit, r.indicator), []) + extra, keys.get((r.unit, r.indicator), [])
        )
        rows.append(
            {
                "dept_id": r.unit,
                "key": r.indicator,
                "dimension": r.dimension,
                "value": r.value,
                "score": r.score,
                "numerator": r.numerator,
                "denominator": r.denominator,
                "weight": r.weight,
                "status": r.status,
                "explanation": exp,
            }
        )
    by_unit_dim: dict[tuple, list[dict]] = {}
    for r in ind[["unit", "dimension", "indicator", "score", "status"]].to_dict("records"):
        by_unit_dim.setdefault((r["unit"], r["dimension"]), []).append(r)
    for r in dims.itertuples():
        exp = explain.dimension_explanation(r.dimension, r, by_unit_dim[(r.unit, r.dimension)], scheme)
        rows.append(
            {
                "dept_id": r.unit,
                "key": f"dim:{r.dimension}",
                "dimension": r.dimension,
                "value": r.score,
                "score": r.score,
                "numerator": exp["numerator"],
                "denominator": exp["denominator"],
                "weight": r.weight,
                "status": r.status,
                "explanation": exp,
            }
        )
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
