"""What every reader yields: batches of raw records with the cursor that follows them,
and file-level problems the run reports before going on with the next file."""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

import numpy as np
import pandas as pd


@dataclass
class Batch:
    """Raw records (source column names) and where they came from.

    `cursor` is the source's whole cursor once these records are stored: the runner
    writes it in the same transaction as the rows.
    """

    records: pd.DataFrame
    lines: np.ndarray
    cursor: dict
    file: str | None = None
    raw_style: str = "json"  # json: a record as JSON; csv: the values joined by commas
    progress: int = 0
    bad_rows: list[tuple[int | None, str, str]] = field(default_factory=list)  # (line, raw, reason)
    raw: list[str] | None = None  # the source text of each record, when records were reshaped

    def raw_texts(self, positions: list[int]) -> list[str]:
        """The source text of the records at these positions (one row lookup for all)."""
        if self.raw is not None:
            return [self.raw[p] for p in positions]
        rows = self.records.iloc[positions]
        if self.raw_style == "csv":
            return [
                ",".join("" if _missing(v) else str(v) for v in row) for row in rows.itertuples(index=False, name=None)
            ]
        names = [str(k) for k in rows.columns]
        return [
            json.dumps(
                {k: _jsonable(v) for k, v in zip(names, row) if not _missing(v)}, ensure_ascii=False, default=str
            )
            for row in rows.itertuples(index=False, name=None)
        ]


@dataclass
class FileProblem:
    """A file that cannot be read at all; `cursor` remembers it when its content is final."""

    file: str
    reason: str
    cursor: dict | None = None


@dataclass
class FileNote:
    """Something the run log says about a file it goes on reading."""

    file: str
    note: str


ALREADY_READ = "已导入"
NOTHING_NEW = "没有新内容"


@dataclass
class FileSkipped:
    """A file with nothing to read now; the routine reasons are left out of the run log."""

    file: str
    reason: str
    progress: int = 0  # bytes, for the progress bar

    @property
    def routine(self) -> bool:
        return self.reason in (ALREADY_READ, NOTHING_NEW)


class Reader(Protocol):
    total: int

    def items(self) -> Iterator[Batch | FileProblem | FileSkipped | FileNote]: ...


def _missing(v) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and math.isnan(v)


def _jsonable(v):
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, np.generic):
        return v.item()
    return v


def snapshot(cursor: dict) -> dict:
    return copy.deepcopy(cursor)


def dig(doc, path: str):
    """`a.b.c` inside nested JSON; '' is the document itself."""
    for part in filter(None, path.split(".")):
        if isinstance(doc, dict):
            doc = doc.get(part)
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            return None
    return doc


def records_in(doc, path: str) -> list | None:
    """The list of records in a JSON document: at `path`, or the document, or its one list."""
    found = dig(doc, path) if path else doc
    if isinstance(found, list):
        return found
    if not path and isinstance(found, dict):
        lists = [v for v in found.values() if isinstance(v, list)]
        if len(lists) == 1:
            return lists[0]
    return None


# frame.attrs key: the columns whose cells held objects or lists (now JSON text), which
# dotted paths can read into and which must never be taken as one value.
NESTED_COLUMNS = "nested_columns"


def frame_of(records: list[dict]) -> pd.DataFrame:
    """JSON records → one column per key, values as given (nested values as JSON text).
    An unpaired surrogate from a JSON escape ("\\ud800") cannot be stored as text: it
    becomes U+FFFD, as an undecodable byte of a CSV does, in every record: a column that
    pandas keeps as objects (text next to a number) would carry it on to Arrow."""
    frame = pd.DataFrame.from_records([_without_surrogates(r) for r in records])
    nested = []
    for col in frame.columns:
        if frame[col].map(lambda v: isinstance(v, (dict, list))).any():
            frame[col] = frame[col].map(
                lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
            )
            nested.append(str(col).strip())
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.attrs[NESTED_COLUMNS] = nested
    return frame


SURROGATE = re.compile(r"[\ud800-\udfff]")


def _without_surrogates(value):
    if isinstance(value, str):
        return SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    return value


class SourceUnavailable(RuntimeError):
    """A database or web service source cannot be reached or answered nonsense."""
