"""Canonical columns → typed values plus a Chinese reason for every row that fails.

Column-at-a-time (vectorised): a batch of exchange calls is hundreds of thousands of
rows. A row's first failure is its reason; the caller quarantines those rows and loads
the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.arrays import ArrowStringArray

from collectors.config import SourceConfig
from collectors.departments import DepartmentResolver
from collectors.limits import LISTED, column_limits, number_problems, text_problems
from collectors.mapping import (
    KIND_FIELDS,
    ROW_PROBLEM,
    clean_text,
    field_types,
    local_dates,
    map_values,
    months,
    parse_datetimes,
)
from collectors.mojibake import RESAVE, mixed_encoding_note
from data.clock import utcnow
from data.vocabulary import CATEGORY_SPELLINGS, split_frequencies

DEFAULTS = {"share_type": "conditional", "mounted": False, "satisfaction": "unrated"}


class MissingColumns(ValueError):
    """The file lacks a required column entirely: a file-level problem, not a row one."""


@dataclass
class Validated:
    frame: pd.DataFrame
    reasons: pd.Series  # index of failed rows → reason

    @property
    def valid(self) -> pd.DataFrame:
        if self.reasons.empty:
            return self.frame
        return self.frame[~self.frame.index.isin(self.reasons.index)]


class Reasons:
    """First failure per row. A reason is a fixed text, a Series of texts, or a template
    whose {v} is the row's raw value (rendered only for the rows that fail)."""

    def __init__(self, index: pd.Index):
        self.series = pd.Series(None, index=index, dtype="object")
        self.open = np.ones(len(index), dtype=bool)  # rows without a reason yet

    def add(self, mask: pd.Series, reason, values: pd.Series | None = None) -> None:
        target = np.asarray(mask.to_numpy(dtype=bool, na_value=False)) & self.open
        if not target.any():
            return
        self.open &= ~target
        where = self.series.index[target]
        if isinstance(reason, pd.Series):
            self.series[where] = reason.reindex(where).to_numpy()
        elif values is not None and "{v}" in reason:
            self.series[where] = [_render(reason, v) for v in values[where]]
        else:
            self.series[where] = reason

    def failed(self) -> pd.Series:
        return self.series.dropna()


def _render(reason: str, v) -> str:
    """The reason for one raw value; for a value that is UTF-8 read as GBK the advice is to
    fix the file's encoding, since no mapping can fix it."""
    if _missing(v):
        return reason.format(v="")
    text = reason.format(v=v)
    mixed = mixed_encoding_note(str(v))
    return text if mixed is None else f"{text.split('：', 1)[0]}：{mixed}：{RESAVE}"


def _missing(v) -> bool:
    return not _present(v)


def check_columns(frame: pd.DataFrame, cfg: SourceConfig, headers: list[str] | None = None) -> None:
    """A required field no column maps to fails the file; the message lists the file's own
    headers (`headers`, else the frame's) and the unmapped one closest to each missing field."""
    missing = [f for f in KIND_FIELDS[cfg.kind]["required"] if f not in frame.columns]
    if not missing:
        return
    inverse = {v: k for k, v in cfg.columns.items()}
    names = "、".join(f"{f}（源列 {inverse[f]!r}）" if f in inverse else f for f in missing)
    headers = [str(h).strip() for h in (frame.columns if headers is None else headers)]
    if not any(headers):
        raise MissingColumns(f"缺少必需的列 {names}；文件中没有找到任何列名：请检查表头行（header_row）是否正确")
    unmapped = [h for h in headers if h and h not in cfg.columns and h not in frame.columns]
    hints = []
    for f in missing:
        close = get_close_matches(inverse.get(f, f), unmapped, n=1, cutoff=0.5)
        if close:
            hints.append(f"{close[0]!r} 可能对应 {f}")
            unmapped.remove(close[0])
    hint = f"；{'，'.join(hints)}" if hints else ""
    raise MissingColumns(
        f"缺少必需的列 {names}；文件中的列为：{'、'.join(headers[:30])}{hint}。请检查 [source.columns] 列映射或表头行"
    )


def validate(
    frame: pd.DataFrame, cfg: SourceConfig, resolver: DepartmentResolver | None, headers: list[str] | None = None
) -> Validated:
    """Departments are resolved last, for the rows every other check passed: a row that is
    quarantined never creates a department. `headers` are the file's own column names."""
    check_columns(frame, cfg, headers)
    types = field_types(cfg.kind)
    reasons = Reasons(frame.index)
    if ROW_PROBLEM in frame.columns:
        reasons.add(frame[ROW_PROBLEM].notna(), frame[ROW_PROBLEM])
    columns: dict[str, pd.Series] = {}
    for fld, ftype in types.items():
        if ftype != "dept":
            columns.update(check_field(frame, fld, ftype, cfg, resolver, reasons))
    kind_rules(columns, cfg, reasons)
    for fld, ftype in types.items():
        if ftype == "dept":
            columns.update(check_field(frame, fld, ftype, cfg, resolver, reasons))
    out = pd.DataFrame(
        {name: columns[name] for fld in types for name in (fld, f"{fld}_id") if name in columns}, index=frame.index
    )
    return Validated(out, reasons.failed())


def check_field(
    frame: pd.DataFrame, fld: str, ftype: str, cfg: SourceConfig, resolver: DepartmentResolver | None, reasons: Reasons
) -> dict[str, pd.Series]:
    """The typed column(s) of one field; its failures go to `reasons`."""
    if fld not in frame.columns:
        if fld in DEFAULTS:
            return {fld: pd.Series(DEFAULTS[fld], index=frame.index)}
        return {fld: pd.Series(None, index=frame.index, dtype="object")}
    raw = frame[fld]
    text = clean_text(raw) if raw.dtype != object or ftype in ("str", "frequency") else None
    present = text.notna() if text is not None else raw.map(_present).astype(bool)
    if fld in KIND_FIELDS[cfg.kind]["required"] and ftype != "frequency":  # a blank frequency is stored as unknown
        reasons.add(~present, f"缺少必填字段 {fld}{_source_col(cfg, fld)}：请在源数据中补全")
    if ftype in ("str", "dept"):
        longest, _ = column_limits(cfg.kind, fld, ftype, cfg.create_unknown_departments)
        split = LISTED.get((cfg.kind, fld), (None, None))[1]
        for bad, why in text_problems(text if text is not None else clean_text(raw), fld, longest, split):
            reasons.add(bad, why)
    if ftype == "dept":
        raw = raw.where(pd.Series(reasons.open, index=raw.index))
    value, failures = convert(raw, fld, ftype, cfg, resolver, text)
    for bad, why in failures:
        reasons.add(present & bad, why, raw)
    if fld in DEFAULTS:
        value = value.where(present, DEFAULTS[fld])
    if ftype == "dept":
        return {fld: text if text is not None else clean_text(frame[fld]), f"{fld}_id": value}
    return {fld: value}


def _present(v) -> bool:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT or v is pd.NA:
        return False
    return not (isinstance(v, str) and not v.strip())


XROAD_FIELDS = {
    "call_id": "xRequestId/messageId",
    "requested_at": "requestInTs",
    "consumer_dept": "clientXRoadInstance/clientMemberClass/clientMemberCode",
    "provider_dept": "serviceXRoadInstance/serviceMemberClass/serviceMemberCode",
    "service_code": "serviceCode",
    "succeeded": "succeeded",
}


def _source_col(cfg: SourceConfig, fld: str) -> str:
    inverse = XROAD_FIELDS if cfg.reader == "xroad" else {v: k for k, v in cfg.columns.items()}
    return f"（源列 '{inverse[fld]}'）" if fld in inverse else ""


def convert(
    raw: pd.Series, fld: str, ftype: str, cfg: SourceConfig, resolver: DepartmentResolver | None, text: pd.Series | None
):
    """(typed values, [(bad mask, reason)]) for one column."""
    source_map = cfg.values.get(fld, {})
    if source_map and ftype not in ("bool", "share_type", "satisfaction"):
        mapped, _ = map_values(raw, ftype, source_map)
        raw = mapped.where(mapped.notna(), raw)
        text = clean_text(raw) if text is not None else None
    if ftype == "str":
        return text, []
    if ftype == "dept":
        ids = resolver.resolve(raw)
        bad = ids.isna()
        names = raw[bad.to_numpy()].dropna().astype(str).str.strip()
        return ids, [(bad, names.map({n: resolver.unknown_reason(n) for n in pd.unique(names)}))]
    if ftype == "datetime":
        value, bad = parse_datetimes(raw, cfg.timezone, cfg.date_formats)
        earliest, latest = plausible_window(cfg)
        beyond = value.notna() & ((value < earliest) | (value > latest))
        return value.where(~beyond), [
            (
                bad,
                (
                    f"字段 {fld} 的时间 '{{v}}' 无法识别或日期不存在（如 2 月 30 日）：请写成 2026-03-05 09:32:09，"
                    "或在 date_formats 中添加该格式"
                ),
            ),
            (
                beyond,
                (
                    f"时间超出合理范围（{cfg.earliest_time} 至采集后 {cfg.latest_ahead_days:g} 天）：字段 {fld} "
                    "的时间为 '{v}'，请核对源数据，或在数据源配置中调整 earliest_time / latest_ahead_days"
                ),
            ),
        ]
    if ftype == "date":
        value, bad = local_dates(raw, cfg.timezone, cfg.date_formats)
        return value, [(bad, f"字段 {fld} 的日期 '{{v}}' 无法识别或日期不存在（如 2 月 30 日）：请写成 2026-03-05")]
    if ftype == "month":
        value, bad = months(raw, cfg.date_formats)
        return value, [(bad, f"字段 {fld} 的月份 '{{v}}' 无法识别：请写成 2026-03")]
    if ftype == "int":
        number = parse_numbers(raw)
        whole = number.notna() & (number == np.floor(number.fillna(0)))
        negative = whole & (number < 0)
        _, largest = column_limits(cfg.kind, fld, ftype, False)
        beyond = number_problems(number.where(whole), fld, largest) if largest else []
        storable = whole & ~negative & ~beyond[0][0] if beyond else whole & ~negative
        what = "响应时长" if fld == "duration_ms" else f"字段 {fld} "
        return number.where(storable).astype("Int64"), [
            (~whole, f"字段 {fld} 的取值 '{{v}}' 不是整数：请填写数字"),
            (negative, f"{what}为负数 ({{v}})：请核对源数据中的时间或数量"),
            *beyond,
        ]
    if ftype in ("bool", "share_type", "satisfaction"):
        value, bad = map_values(raw, ftype, source_map)
        return value, [(bad, f"字段 {fld} 的取值 '{{v}}' 无法识别：请在 [source.values.{fld}] 中添加映射")]
    if ftype == "frequency":
        return text, []  # split into frequency and note by kind_rules
    raise ValueError(f"unknown field type {ftype}")


def plausible_window(cfg: SourceConfig) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(earliest, latest) time a record may carry, as the naive UTC the parsed times are:
    the source's earliest_time at local midnight, and latest_ahead_days after now."""
    earliest = pd.Timestamp(cfg.earliest_time).tz_localize(cfg.timezone).tz_convert("UTC").tz_localize(None)
    return earliest, pd.Timestamp(utcnow()) + pd.Timedelta(days=cfg.latest_ahead_days)


def parse_numbers(raw: pd.Series) -> pd.Series:
    """Numbers as float (NaN where not a number). Plain integers in Arrow-backed text are
    cast in Arrow; anything else (1.0, blanks with spaces, other types) by pandas."""
    if not isinstance(raw.array, ArrowStringArray):
        return pd.to_numeric(clean_text(raw.astype("string")), errors="coerce").astype("float64")
    text = pc.utf8_trim_whitespace(pa.array(raw))
    whole = pc.fill_null(pc.match_substring_regex(text, r"^-?\d{1,18}$"), False)
    values = pc.cast(pc.if_else(whole, text, "0"), pa.int64()).to_numpy(zero_copy_only=False).astype("float64")
    out = pd.Series(values, index=raw.index)
    other = ~whole.to_numpy(zero_copy_only=False)
    if other.any():
        out[other] = pd.to_numeric(clean_text(raw[other].astype("string")), errors="coerce").astype("float64")
    return out


def kind_rules(out: dict[str, pd.Series], cfg: SourceConfig, reasons: Reasons) -> None:
    if cfg.kind == "department":
        category = out["category"].map(CATEGORY_SPELLINGS)
        reasons.add(
            out["category"].notna() & category.isna(), "部门类别 '{v}' 无法识别：应为 市直部门 或 区县", out["category"]
        )
        out["category"] = category
    if cfg.kind == "catalog":
        codes, notes = split_frequencies(out["update_frequency"])
        out["update_frequency"] = codes
        out["update_note"] = out["update_note"].where(out["update_note"].notna(), notes)
    if cfg.kind == "complaint":
        limit = out["limit_workdays"]
        if limit.notna().any():
            reasons.add(limit.fillna(1) <= 0, "办理时限（工作日）应为正整数：请核对 limit_workdays")
