"""Display tables with Chinese headers, shared by the pages and the exports.

Each function turns a data.queries frame into what a clerk reads on screen or in a
workbook, so the page and the download always show the same columns and numbers.
"""

from __future__ import annotations

import pandas as pd

from dashboard.format import (
    CODE_LABELS,
    ITEM_STATUS,
    ITEM_TYPES,
    NO_DATA,
    PART_YEAR,
    RANK_SPAN,
    SMALL_SAMPLE,
    category_label,
    dimension_label,
    fault_labels,
    fmt_value,
    indicator_label,
    missing,
    part_year,
    rank_change,
    rank_span,
)
from data.periods import Period
from data.vocabulary import fault_label, frequency_label
from metrics.scheme import Scheme


def _round(x, digits: int = 2):
    return None if missing(x) else round(float(x), digits)


def dimension_columns(ranking: pd.DataFrame, scheme: Scheme) -> list[str]:
    """Dimension keys present in a ranking frame, in the scheme's order."""
    return [d.key for d in scheme.dimensions if d.key in ranking.columns]


def ranking_table(ranking: pd.DataFrame, scheme: Scheme, period: Period | None = None) -> pd.DataFrame:
    """The ranking as shown and exported; with the period, a 部分年度 column names the
    departments founded inside it (their rank covers only part of it)."""
    rows = []
    dims = dimension_columns(ranking, scheme)
    marked = period is not None and any(part_year(a, period) for a in ranking["active_from"])
    for r in ranking.to_dict("records"):
        row = {
            "排名": None if missing(r["rank"]) else int(r["rank"]),
            RANK_SPAN: rank_span(r.get("rank_best"), r.get("rank_worst")),
            "变化": rank_change(r["rank"], r["prev_rank"]),
            "部门": r["department"],
            "类别": category_label(r["category"]),
            "总分": _round(r["total"]),
            "等次": r["tier"] or NO_DATA,
        }
        for d in dims:
            row[dimension_label(scheme, d)] = _round(r[d])
        row["加分"] = _round(r["bonus"])
        row["扣分"] = _round(r["deduction"])
        row["一票否决"] = "是" if r["vetoed"] else ""
        row["上期总分"] = _round(r["prev_total"])
        row["上期排名"] = None if missing(r["prev_rank"]) else int(r["prev_rank"])
        if marked:
            row[PART_YEAR] = (
                f"自 {pd.Timestamp(r['active_from']).date()} 起" if part_year(r["active_from"], period) else ""
            )
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in ("排名", "上期排名"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


def indicator_table(indicators: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    rows = []
    for r in indicators.to_dict("records"):
        unit = r["explanation"].get("unit")
        rows.append(
            {
                "部门": r["department"],
                "维度": dimension_label(scheme, r["dimension"]),
                "指标": indicator_label(scheme, r["key"]),
                "指标值": fmt_value(r["value"], unit),
                "得分": _round(r["score"]),
                "分子": _round(r["numerator"], 4),
                "分母": _round(r["denominator"], 4),
                "权重": _round(r["weight"], 4),
                "说明": {"na": NO_DATA, "small": SMALL_SAMPLE}.get(r["status"], ""),
                "置信区间": r["explanation"].get("interval_text", ""),
                "计算方法": r["explanation"].get("formula", ""),
            }
        )
    return pd.DataFrame(rows)


def detail_text(value) -> str:
    """A stored evidence detail (nested JSON) as one line a clerk can read."""
    if value is None:
        return "无"
    if isinstance(value, dict):
        return "，".join(f"{k} {detail_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "；".join(detail_text(v) for v in value)
    if isinstance(value, str):
        return CODE_LABELS.get(value) or frequency_label(value)
    return str(value)


FAULT_KEYS = ("主要错误码",)  # evidence detail fields holding a platform fault code


def evidence_table(evidence: pd.DataFrame, scheme: Scheme, names: dict[int, str]) -> pd.DataFrame:
    rows = []
    faults = fault_labels()
    for r in evidence.to_dict("records"):
        detail = r["detail"] or {}
        rows.append(
            {
                "部门": names.get(r["dept_id"], ""),
                "指标": indicator_label(scheme, r["indicator"]),
                "类型": ITEM_TYPES.get(r["item_type"], r["item_type"]),
                "编号": r["item_key"],
                "名称": r["label"],
                "问题": ITEM_STATUS.get(r["status"], r["status"]),
                "期限": None if missing(r["due_at"]) else r["due_at"],
                "办结时间": None if missing(r["done_at"]) else r["done_at"],
                "详情": "；".join(
                    f"{k}：{fault_label(v, faults) if k in FAULT_KEYS else detail_text(v)}" for k, v in detail.items()
                ),
            }
        )
    return pd.DataFrame(rows, columns=["部门", "指标", "类型", "编号", "名称", "问题", "期限", "办结时间", "详情"])


def evidence_groups(evidence: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Evidence split the way an inspector looks for it; rows fitting no group go to 其他问题."""
    resource = evidence["item_type"] == "resource"
    masks = {
        "逾期或未按时更新的资源": resource & (evidence["indicator"] == "update_on_time"),
        "未挂接的资源": resource & (evidence["status"] == "unmounted"),
        "无人调用的资源": resource & (evidence["status"] == "unused"),
        "逾期或未答复的共享申请": evidence["item_type"] == "request",
        "逾期的数据异议": evidence["item_type"] == "objection",
        "失败的接口服务": evidence["item_type"] == "service",
        "投诉工单": evidence["item_type"] == "complaint",
    }
    groups, taken = {}, pd.Series(False, index=evidence.index)
    for title, mask in masks.items():
        mask = mask & ~taken
        groups[title] = evidence[mask]
        taken |= mask
    if (~taken).any():
        groups["其他问题"] = evidence[~taken]
    return groups


def gain_table(gains: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    rows = []
    for r in gains.to_dict("records"):
        rows.append(
            {
                "可提分": _round(r["points"]),
                "指标": indicator_label(scheme, r["indicator"]),
                "怎么做": r["action"],
                "编号": r["item_key"],
                "期限": None if missing(r["deadline"]) else r["deadline"],
                "临近期限": "是" if r["upcoming"] else "",
            }
        )
    return pd.DataFrame(rows, columns=["可提分", "指标", "怎么做", "编号", "期限", "临近期限"])


def problem_lines(indicators: pd.DataFrame, evidence: pd.DataFrame, scheme: Scheme, limit: int = 3) -> list[str]:
    """A department's main problems: its lowest-scoring indicators, each with its evidence count."""
    scored = indicators[indicators["score"].notna()].sort_values("score").head(limit)
    lines = []
    for r in scored.to_dict("records"):
        count = int((evidence["indicator"] == r["key"]).sum()) if not evidence.empty else 0
        unit = r["explanation"].get("unit")
        line = (
            f"{indicator_label(scheme, r['key'])}：指标值 {fmt_value(r['value'], unit)}，得分 {float(r['score']):.2f}"
        )
        if count:
            line += f"，涉及问题 {count} 项"
        lines.append(line + "。")
    return lines


def search_ranking(table: pd.DataFrame, text: str, tiers: list[str]) -> pd.Series:
    """Rows of a ranking table whose 部门 contains the text and whose 等次 is among the tiers
    (no tier chosen: every tier)."""
    text = text.strip()
    by_name = table["部门"].str.contains(text, regex=False) if text else True
    by_tier = table["等次"].isin(tiers) if tiers else True
    return pd.Series(by_tier & by_name, index=table.index, dtype=bool)
