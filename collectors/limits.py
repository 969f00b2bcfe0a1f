"""What the store can hold, read from the models' column types: text without control
characters or unpaired surrogates, no longer than its column, integers within their
column's range. A value beyond these is quarantined with its reason here, before it
reaches the store, so one row never fails a batch on either engine."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.arrays import ArrowStringArray
from sqlalchemy import BigInteger, Integer, SmallInteger, String

from collectors.sinks import ALIAS_SPLIT
from data.models import (
    CatalogResource,
    Complaint,
    DataObjection,
    Department,
    DepartmentAlias,
    ExchangeCall,
    OfficeKpi,
    ResourceUpdate,
    SharingRequest,
)

KIND_MODELS = {
    "department": Department,
    "catalog": CatalogResource,
    "resource_update": ResourceUpdate,
    "exchange_call": ExchangeCall,
    "sharing_request": SharingRequest,
    "data_objection": DataObjection,
    "complaint": Complaint,
    "office_kpi": OfficeKpi,
}
# C0 controls but tab, line feed and carriage return; DEL; unpaired UTF-16 surrogates (from
# JSON escapes), which neither engine's UTF-8 can encode. PostgreSQL refuses NUL outright.
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # Arrow-backed text cannot hold surrogates
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
INVISIBLE = re.compile("[\x00-\x1f\x7f\u00a0\u200b-\u200f\u2028\u2029\u2060\ufeff\u3000\ud800-\udfff]")
# A department's aliases arrive in one cell and are stored one a row.
LISTED = {("department", "aliases"): (DepartmentAlias.__table__.c.alias, ALIAS_SPLIT)}
CONTROL_BYTES = np.zeros(256, dtype=bool)
CONTROL_BYTES[[*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]] = True
INT_RANGES = [(SmallInteger, 2**15 - 1), (BigInteger, 2**63 - 1), (Integer, 2**31 - 1)]


def visible(text: str) -> str:
    """The text with its invisible characters written out (\\x00, \\u200b, \\u3000), so a
    clerk can see why two names that look alike differ."""
    return INVISIBLE.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text
    )


def storable(text: str) -> str:
    """Quarantined text as the store can keep it: what it cannot hold written out."""
    if not isinstance(text, str):
        return text
    return UNSTORABLE.sub(lambda m: visible(m.group()), text)


@cache
def column_limits(kind: str, field: str, ftype: str, creates_departments: bool) -> tuple[int | None, int | None]:
    """(longest text, largest magnitude) the store's column for this field can take."""
    if ftype == "dept":
        column = Department.__table__.c.name if creates_departments else None
    elif (kind, field) in LISTED:
        column = LISTED[kind, field][0]
    else:
        column = KIND_MODELS[kind].__table__.c.get(field)
    if column is None:
        return None, None
    if isinstance(column.type, String):
        return column.type.length, None
    for type_, largest in INT_RANGES:
        if isinstance(column.type, type_):
            return None, largest
    return None, None


def arrow_chunks(text: pd.Series) -> list[pa.Array]:
    array = pa.array(text.array)
    return array.chunks if isinstance(array, pa.ChunkedArray) else [array]


def may_hold_controls(text: pd.Series) -> bool:
    """False when no byte of the Arrow text's data is a control byte: a scan of the raw
    buffers, much faster than a pattern per row (a hit is then checked row by row)."""
    for chunk in arrow_chunks(text):
        data = chunk.buffers()[2]
        if data is None:
            continue
        raw = np.frombuffer(data, dtype=np.uint8)
        if not len(raw):
            continue
        if raw.min() >= 0x20 and not (raw == 0x7F).any():
            continue
        if CONTROL_BYTES[raw].any():
            return True
    return False


def text_problems(
    text: pd.Series, field: str, longest: int | None, split: re.Pattern | None = None
) -> list[tuple[pd.Series, pd.Series]]:
    """(bad mask, reasons) for text the store cannot hold; with `split`, the cell is a
    list stored one item a row, and its longest item counts."""
    present = text.notna()
    arrow = isinstance(text.array, ArrowStringArray)
    if arrow and not may_hold_controls(text):
        unstorable = pd.Series(False, index=text.index)
    else:
        pattern = CONTROL if arrow else UNSTORABLE.pattern
        unstorable = text.str.contains(pattern, regex=True, na=False).astype(bool) & present
    problems = [
        (
            unstorable,
            text[unstorable].map(
                lambda v: f"字段 {field} 含数据库无法保存的控制字符：'{visible(v)[:80]}'，请在源数据中删除这些字符"
            ),
        )
    ]
    if longest is not None:
        if (
            arrow
            and split is None
            and (pc.max(pc.utf8_length(pa.chunked_array(arrow_chunks(text)))).as_py() or 0) <= longest
        ):
            return problems
        length = (
            text.str.len()
            if split is None
            else text.map(lambda v: max(len(p) for p in split.split(v)) if isinstance(v, str) else pd.NA)
        )
        long = (length > longest).fillna(False) & present
        problems.append(
            (
                long,
                length[long].map(
                    lambda n: f"字段 {field} 长 {int(n)} 字，超过数据库上限 {longest} 字：请在源数据中缩短"
                ),
            )
        )
    return problems


def number_problems(number: pd.Series, field: str, largest: int) -> list[tuple[pd.Series, pd.Series]]:
    beyond = (number.abs() > largest).fillna(False)
    return [
        (
            beyond,
            number[beyond].map(
                lambda v: (
                    f"字段 {field} 的数值 {v:.0f} 超出数据库可保存的范围（-{largest + 1} 至 {largest}）：请核对源数据"
                )
            ),
        )
    ]
