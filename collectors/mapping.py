"""From source spellings to canonical values: fields per kind, value maps, dates and
department names (the coded values themselves are in data/vocabulary.py).

Everything here works on whole pandas columns (the exchange-log path sees millions of
rows); a value that cannot be understood comes back as a failure mask, never a guess.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.arrays import ArrowStringArray

from data.clock import zone_rules
from data.vocabulary import SATISFACTION_SPELLINGS, SHARE_TYPE_SPELLINGS

log = logging.getLogger(__name__)

# Canonical fields per kind and their type; the first `required` ones must be present.
KIND_FIELDS: dict[str, dict[str, dict[str, str]]] = {
    "department": {
        "required": {"name": "str", "category": "str"},
        "optional": {"aliases": "str", "active_from": "date"},
    },
    "catalog": {
        "required": {"name": "str", "provider_dept": "dept", "update_frequency": "frequency"},
        "optional": {
            "resource_code": "str",
            "share_type": "share_type",
            "mounted": "bool",
            "service_code": "str",
            "registered_at": "date",
            "last_updated_at": "datetime",
            "snapshot_at": "datetime",
            "update_note": "str",
        },
    },
    "resource_update": {
        "required": {"resource_code": "str", "updated_at": "datetime"},
        "optional": {"provider_dept": "dept"},
    },
    "exchange_call": {
        "required": {
            "call_id": "str",
            "requested_at": "datetime",
            "consumer_dept": "dept",
            "provider_dept": "dept",
            "service_code": "str",
            "succeeded": "bool",
        },
        "optional": {"status_code": "str", "fault_code": "str", "duration_ms": "int"},
    },
    "sharing_request": {
        "required": {
            "request_id": "str",
            "requester_dept": "dept",
            "provider_dept": "dept",
            "submitted_at": "datetime",
        },
        "optional": {"resource_code": "str", "answered_at": "datetime", "due_at": "datetime", "decision": "str"},
    },
    "data_objection": {
        "required": {"objection_id": "str", "raised_by": "dept", "provider_dept": "dept", "raised_at": "datetime"},
        "optional": {"resource_code": "str", "kind": "str", "resolved_at": "datetime", "due_at": "datetime"},
    },
    "complaint": {
        "required": {"ticket_id": "str", "dept": "dept", "received_at": "datetime"},
        "optional": {
            "due_at": "datetime",
            "limit_workdays": "int",
            "closed_at": "datetime",
            "category": "str",
            "channel": "str",
            "satisfaction": "satisfaction",
            "summary": "str",
        },
    },
    "office_kpi": {
        "required": {"dept": "dept", "month": "month"},
        "optional": {
            "cases_received": "int",
            "cases_completed": "int",
            "cases_on_time": "int",
            "cases_online": "int",
            "reviews_good": "int",
            "reviews_bad": "int",
        },
    },
}
# A column of a canonical frame with a row's problem found before validation (a nested
# object where a value belongs, an extract that did not match): the row is quarantined.
ROW_PROBLEM = "_problem"
VALUE_FIELDS = frozenset(
    f for spec in KIND_FIELDS.values() for part in spec.values() for f, t in part.items() if t != "dept"
)


def field_types(kind: str) -> dict[str, str]:
    spec = KIND_FIELDS[kind]
    return {**spec["required"], **spec["optional"]}


BOOL_VALUES = {
    "成功": True,
    "失败": False,
    "是": True,
    "否": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "y": True,
    "n": False,
    "yes": True,
    "no": False,
    "已挂接": True,
    "未挂接": False,
    "1.0": True,
    "0.0": False,
}
ENUM_VALUES = {"bool": BOOL_VALUES, "share_type": SHARE_TYPE_SPELLINGS, "satisfaction": SATISFACTION_SPELLINGS}


def clean_text(series: pd.Series) -> pd.Series:
    """Strings stripped, with empty cells as missing (NA); in Arrow when the text is
    Arrow-backed (every CSV column, each batch: several times faster than pandas)."""
    s = series.astype("string")
    if not isinstance(s.array, ArrowStringArray):
        s = s.str.strip()
        return s.mask(s == "")
    text = pc.utf8_trim_whitespace(pa.array(s.array))
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
    return pd.Series(pd.array(text, dtype=s.dtype), index=series.index, name=series.name)


def map_unique(values: pd.Series, lookup) -> tuple[pd.Series, np.ndarray]:
    """(`lookup` of each distinct value, stripped; a mask of the values present that it
    does not know): columns repeat a few values a million times, so both come from one
    factorization. Missing and blank cells give None and are not unknown."""
    codes, uniques = pd.factorize(values)
    table = [str(u).strip() for u in uniques]
    found = np.array([lookup(u) if u else None for u in table] + [None], dtype=object)
    unknown = np.array([bool(u) and f is None for u, f in zip(table, found)] + [False], dtype=bool)
    return pd.Series(found[codes], index=values.index, dtype=object), unknown[codes]


def map_values(series: pd.Series, field_type: str, source_map: dict[str, Any]) -> tuple[pd.Series, pd.Series]:
    """Apply the source's value map, then the built-in one; return (values, not understood)."""
    builtin = ENUM_VALUES.get(field_type, {})

    def lookup(value: str):
        found = source_map.get(value)
        if found is None:
            found = builtin.get(value.lower())
        return found

    mapped, unknown = map_unique(series, lookup)
    if field_type in ENUM_VALUES:
        return mapped, pd.Series(unknown, index=series.index)
    return mapped.where(mapped.notna(), clean_text(series)), pd.Series(False, index=series.index)


# Date and time parsing ---------------------------------------------------------------

BUILTIN_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
)
CN_DATE_RE = r"^\s*(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*[日号]?\s*[T ]?\s*"
AWARE_RE = r"(?:Z|[+-]\d{2}:?\d{2})$"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def parse_datetimes(series: pd.Series, tz: str, formats: Iterable[str] = ()) -> tuple[pd.Series, pd.Series]:
    """Source timestamps → naive UTC (datetime64), plus a mask of values not understood.

    Local wall-clock values (text, Excel serials, spreadsheet dates) are in `tz`;
    epoch numbers and ISO strings with an offset are absolute. Missing stays NaT.
    """
    idx = series.index
    local = pd.Series(pd.NaT, index=idx, dtype="datetime64[us]")
    absolute = pd.Series(pd.NaT, index=idx, dtype="datetime64[us]")
    bad = pd.Series(False, index=idx)
    if series.dtype == object:
        is_dt = series.map(lambda v: isinstance(v, (datetime, date, pd.Timestamp)))
        if is_dt.any():
            local[is_dt] = pd.to_datetime(series[is_dt].map(pd.Timestamp)).astype("datetime64[us]")
        is_num = series.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool))
    elif pd.api.types.is_datetime64_any_dtype(series):
        return _to_utc(pd.to_datetime(series).astype("datetime64[us]"), tz), bad
    else:
        is_dt = pd.Series(False, index=idx)
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        is_num = pd.Series(numeric, index=idx)  # JSON true/false is not a date, nor an Excel serial
    text = clean_text(series.where(~(is_dt | is_num)) if series.dtype == object else series)
    if is_num.any():
        _numbers(pd.to_numeric(series[is_num], errors="coerce"), local, absolute, bad)
    todo = text.notna()
    _try_formats(text, todo, local, (*formats, *BUILTIN_FORMATS))
    left = todo & local.isna()
    if left.any():
        _unusual_text(text[left], local, absolute, bad, formats)
    bad |= left & local.isna() & absolute.isna()
    out = _to_utc(local, tz)
    return out.where(absolute.isna(), absolute), bad


def _unusual_text(
    text: pd.Series, local: pd.Series, absolute: pd.Series, bad: pd.Series, formats: Iterable[str]
) -> None:
    """Text no standard format matched: digit strings (20260305, epoch ms, Excel serials),
    ISO with an offset, Chinese dates (2026年3月5日, 2026/3/5 9:32:09)."""
    digits = text.str.fullmatch(r"\d{8}|\d{10}|\d{13}|\d{14}|\d{5}(\.\d+)?").fillna(False)
    if digits.any():
        numeric = text[digits]
        as8 = numeric.str.len() == 8
        local[numeric[as8].index] = pd.to_datetime(numeric[as8], format="%Y%m%d", errors="coerce")
        as14 = numeric.str.len() == 14
        local[numeric[as14].index] = pd.to_datetime(numeric[as14], format="%Y%m%d%H%M%S", errors="coerce")
        _numbers(pd.to_numeric(numeric[~(as8 | as14)], errors="coerce"), local, absolute, bad)
    rest = text[~digits]
    aware = rest.str.contains(AWARE_RE, regex=True).fillna(False)
    if aware.any():
        parsed = pd.to_datetime(rest[aware].str.replace(" ", "T", n=1), format="ISO8601", utc=True, errors="coerce")
        absolute[parsed.index] = parsed.dt.tz_localize(None).astype("datetime64[us]")
    rest = rest[~aware]
    if rest.empty:
        return
    normalised = rest.str.replace(CN_DATE_RE, r"\1-\2-\3 ", regex=True)
    normalised = normalised.str.replace(r"[时点]", ":", regex=True).str.replace("分", ":")
    normalised = normalised.str.replace("秒", "").str.strip().str.rstrip(":")
    _try_formats(normalised, pd.Series(True, index=normalised.index), local, (*formats, *BUILTIN_FORMATS))


def _try_formats(text: pd.Series, todo: pd.Series, out: pd.Series, formats: Iterable[str]) -> None:
    """Fill `out` (by label) from `text` with the first format each value matches."""
    pending = (todo & out.reindex(todo.index).isna()).to_numpy(dtype=bool, copy=True)
    aligned = out.index.equals(text.index)
    for fmt in formats:
        if not pending.any():
            return
        at = np.flatnonzero(pending)
        parsed = strptime(text if len(at) == len(text) else text.iloc[at], fmt)
        ok = ~np.isnat(parsed)
        if aligned:  # by position: by label costs more than the parsing on a million rows
            out.iloc[at[ok]] = parsed[ok]
        else:
            out.loc[text.index[at[ok]]] = parsed[ok]
        pending[at[ok]] = False


def strptime(text: pd.Series, fmt: str) -> np.ndarray:
    """datetime64[us] values (NaT where `fmt` does not match); Arrow's parser when the text
    is Arrow-backed (several times faster than pandas on a million rows)."""
    if isinstance(text.array, ArrowStringArray) and "%f" not in fmt:
        parsed = pc.strptime(pa.array(text), format=fmt, unit="us", error_is_null=True)
        parsed = parsed.to_numpy(zero_copy_only=False).copy()
        # Arrow rolls an impossible day into the next month (2026-02-30 → 03-02): the dates
        # that land on a month's first days are parsed again strictly.
        day = pd.DatetimeIndex(parsed).day.to_numpy()
        rolled = np.flatnonzero(~np.isnat(parsed) & (day <= 3))
        if len(rolled):
            parsed[rolled] = (
                pd.to_datetime(text.iloc[rolled], format=fmt, errors="coerce").astype("datetime64[us]").to_numpy()
            )
        return parsed
    return pd.to_datetime(text, format=fmt, errors="coerce").astype("datetime64[us]").to_numpy()


def _numbers(values: pd.Series, local: pd.Series, absolute: pd.Series, bad: pd.Series) -> None:
    """Numbers: epoch milliseconds (13 digits), epoch seconds (10) or Excel serial days;
    anything larger (1e30 from a JSON export) is not understood rather than overflowing."""
    ms = (values >= 1e11) & (values < 1e14)
    secs = (values >= 1e9) & (values < 1e11)
    serial = (values >= 1) & (values < 2_958_466)
    absolute[ms[ms].index] = pd.to_datetime(values[ms], unit="ms").astype("datetime64[us]")
    absolute[secs[secs].index] = pd.to_datetime(values[secs], unit="s").astype("datetime64[us]")
    excel = EXCEL_EPOCH + pd.to_timedelta(values[serial].round(6), unit="D")
    local[serial[serial].index] = excel.dt.round("s").astype("datetime64[us]")
    bad[values.index[~(ms | secs | serial)]] = True


def _to_utc(local: pd.Series, tz: str) -> pd.Series:
    """Local wall time → UTC. Before the zone's first rule its offset is the local mean
    time of its city (Shanghai +8:05:43): those times take the zone's standard offset."""
    if not local.notna().any():
        return local
    aware = local.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    utc = aware.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
    first_rule, standard = zone_rules(tz)
    early = (local < first_rule).fillna(False)
    if early.any():
        utc[early] = (local[early] - standard).astype("datetime64[us]")
    return utc


def local_dates(series: pd.Series, tz: str, formats: Iterable[str] = ()) -> tuple[pd.Series, pd.Series]:
    """A date column (registration, month): the local calendar date, never shifted to UTC."""
    utc, bad = parse_datetimes(series, "UTC", formats)
    return utc.dt.date.where(utc.notna(), None), bad


def months(series: pd.Series, formats: Iterable[str] = ()) -> tuple[pd.Series, pd.Series]:
    """A month column (2026-03, 2026年3月, 202603, or any date in the month) → first day."""
    text = clean_text(
        series.astype("string")
        if series.dtype != object
        else series.map(lambda v: v if isinstance(v, (datetime, date)) else (None if v is None else str(v)))
    )
    as_month = text.str.replace(r"^\s*(\d{4})\s*[年/.\-]?\s*(\d{1,2})\s*月?\s*$", r"\1-\2-1", regex=True)
    fixed = series.where(text.isna() | (as_month == text), as_month)
    days, bad = local_dates(fixed, "UTC", formats)
    first = days.map(lambda d: d.replace(day=1) if isinstance(d, date) else None)
    return first, bad


# Departments ---------------------------------------------------------------------------


def name_key(name: Any) -> str:
    """How a department spelling is compared: NFKC (full-width → half-width), no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name)))
