"""How each number was made, in words and numbers a department clerk can check."""

from __future__ import annotations

import math

import pandas as pd

from metrics import fairness
from metrics.indicators import DEFINITIONS
from metrics.scheme import Scheme

STATUS_NOTES = {
    "na": "无数据：本期分母为 0，本指标不计分，其权重分摊给本维度其他有数据的指标",
    "small": "样本少：分母不足 {n}，结果波动较大{interval}，请结合明细判断",
}
DEADLINE_INDICATORS = ("request_on_time", "objection_on_time", "complaint_on_time")
EVIDENCE_KEYS_SHOWN = 50
STATUS_LABELS = {
    "late": "逾期办理",
    "overdue": "逾期未办",
    "open": "逾期未办",
    "unused": "未被使用",
    "failing": "调用失败",
    "unmounted": "未挂接",
    "flagged": "待核实",
}


def _num(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), 4)


def interval_text(interval: tuple[float, float] | None, unit: str) -> str:
    """'95% 区间 30.06%–95.44%' (Wilson), or '' without an interval."""
    if interval is None:
        return ""
    return f"{fairness.CONFIDENCE:.0%} 区间 {interval[0]:.2f}{unit}–{interval[1]:.2f}{unit}"


def indicator_explanation(row, scheme: Scheme, notes: list[str], evidence_keys: list[str]) -> dict:
    d = DEFINITIONS[row.indicator]
    ind = scheme.indicators[row.indicator]
    interval = fairness.rate_interval(row.indicator, row.numerator, row.denominator)
    all_notes = list(notes)
    if row.status in STATUS_NOTES:
        shown = interval_text(interval, d.unit)
        all_notes.insert(
            0, STATUS_NOTES[row.status].format(n=scheme.small_sample, interval=f"（{shown}）" if shown else "")
        )
    if scheme.shrink_small_samples and interval is not None:
        all_notes.append(
            f"已向同类部门均值收缩（先验强度 {scheme.prior_strength:g}）：原始值 "
            f"{row.numerator / row.denominator * d.factor:.2f}{d.unit}，计分值 {row.value:.2f}{d.unit}"
        )
    return {
        "label": ind.name,
        "formula": d.formula,
        "inputs": [
            {"label": d.numerator, "value": _num(row.numerator)},
            {"label": d.denominator, "value": _num(row.denominator)},
        ],
        "numerator": _num(row.numerator),
        "denominator": _num(row.denominator),
        "value": _num(row.value),
        "unit": d.unit,
        "score": _num(row.score),
        "weight": _num(row.weight),
        "interval": None if interval is None else [_num(interval[0]), _num(interval[1])],
        "interval_text": interval_text(interval, d.unit),
        "scoring": (
            f"线性计分：{ind.floor:g}{d.unit} 得 0 分，{ind.target:g}{d.unit} 得 100 分，其间按比例"
            f"{'（越低越好）' if ind.direction == 'lower' else ''}"
        ),
        "scheme_version": scheme.version,
        "notes": all_notes,
        "evidence_keys": evidence_keys[:EVIDENCE_KEYS_SHOWN],
    }


def rank_note(best, worst, small: list[tuple[str, float, float]], scheme: Scheme) -> str:
    """'排名区间 3–9；样本少：申请按时答复率（3/4）…' for one department
    (small: its 样本少 indicators as (key, numerator, denominator))."""
    parts = [f"排名区间 {int(best)}–{int(worst)}"]
    if small:
        parts.append("样本少：" + "、".join(f"{scheme.indicators[k].name}（{x:g}/{n:g}）" for k, x, n in small))
    return "；".join(parts)


def dimension_explanation(dim_key: str, dim_row, ind_rows: list[dict], scheme: Scheme) -> dict:
    """ind_rows: the dimension's indicator rows (indicator, score, status) of one department."""
    names = scheme.indicators
    scored = [r for r in ind_rows if r["status"] != "na"]
    missing = [names[r["indicator"]].name for r in ind_rows if r["status"] == "na"]
    notes = []
    if dim_row.status == "na":
        notes.append("无数据：本维度所有指标均无数据，其权重分摊给其他维度")
    elif missing:
        notes.append("无数据的指标：" + "、".join(missing))
    return {
        "label": scheme.dimension_names[dim_key],
        "formula": "维度得分 = Σ(有数据指标的得分 × 指标权重) ÷ Σ(有数据指标的权重)",
        "inputs": [{"label": names[r["indicator"]].name, "value": _num(r["score"])} for r in scored],
        "numerator": _num(sum(r["score"] * names[r["indicator"]].weight for r in scored)),
        "denominator": _num(sum(names[r["indicator"]].weight for r in scored)),
        "value": _num(dim_row.score),
        "unit": "分",
        "weight": _num(dim_row.weight),
        "scheme_version": scheme.version,
        "notes": notes,
    }


def department_text(
    dept: pd.Series,
    indicators: pd.DataFrame,
    evidence: pd.DataFrame,
    gains: pd.DataFrame,
    scheme: Scheme,
    period_key: str,
    as_of,
) -> str:
    """A plain-text account of one department's score, for the CLI and printouts."""

    def fmt(x, unit=""):
        return "无数据" if x is None or pd.isna(x) else f"{x:.2f}{unit}"

    lines = [
        f"{dept['name']}（{scheme.categories.get(dept['category'], dept['category'])}）"
        f"  考核期 {period_key}  评价日 {as_of}  方案版本 {scheme.version}",
        f"总分 {fmt(dept['total'])}  等次 {dept['tier'] or '无'}  排名 {dept['rank'] if pd.notna(dept['rank']) else '无'}"
        f"  （加权得分 {fmt(dept['base_total'])} + 加分 {dept['bonus']:g} − 扣分 {dept['deduction']:g}"
        f"{'，一票否决' if dept['vetoed'] else ''}{'，受优秀比例限制' if dept.get('quota_demoted') else ''}）",
    ]
    if isinstance(dept.get("rank_note"), str):
        lines.append(dept["rank_note"])
    if pd.notna(dept.get("prev_total")):
        lines.append(f"上期总分 {fmt(dept['prev_total'])}，变化 {dept['total'] - dept['prev_total']:+.2f}")
    for dim in scheme.dimensions:
        drow = indicators[indicators["key"] == f"dim:{dim.key}"].iloc[0]
        lines.append(f"\n【{dim.name}】得分 {fmt(drow['score'])}  实际权重 {drow['weight']:.2f}")
        for ind in dim.indicators:
            row = indicators[indicators["key"] == ind.key].iloc[0]
            e = row["explanation"]
            lines.append(
                f"  {ind.name}：{fmt(row['value'], e['unit'])}  得分 {fmt(row['score'])}  权重 {row['weight']:.2f}"
                f"  = {e['numerator'] if e['numerator'] is not None else 0:g} / "
                f"{e['denominator'] if e['denominator'] is not None else 0:g}"
            )
            lines.append(f"    公式：{e['formula']}")
            if e.get("interval_text"):
                lines.append(f"    {e['interval_text']}（Wilson）")
            lines.extend(f"    说明：{n}" for n in e["notes"])
    if len(evidence):
        lines.append("\n【问题明细】")
        for r in evidence.head(30).itertuples():
            due = "" if pd.isna(r.due_at) else f"  截止 {pd.Timestamp(r.due_at).date()}"
            lines.append(
                f"  [{scheme.indicators[r.indicator].name}] {r.label}（{STATUS_LABELS.get(r.status, r.status)}）{due}"
            )
        if len(evidence) > 30:
            lines.append(f"  …共 {len(evidence)} 条")
    if len(gains):
        lines.append("\n【提分清单】")
        for r in gains.head(15).itertuples():
            flag = "（即将到期）" if r.upcoming else ""
            lines.append(f"  +{r.points:.2f} 分{flag}  {r.action}")
    return "\n".join(lines)
