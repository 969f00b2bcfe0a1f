"""Fields a source does not hold as plain columns: a dotted path into nested JSON
(`publisher.name`, `distribution.0.accessURL`), a constant for every row, a regular
expression over another column, and a catalog's snapshot date from its file name.

Each comes back with the rows it could not fill and why, in words a clerk can act on;
those rows are quarantined, the others load.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePath
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from collectors.config import Extract, SourceConfig

NESTED_START = ("{", "[")


def _empty(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, float) and v != v)
        or (isinstance(v, str) and not v.strip())
        or (isinstance(v, (list, dict)) and not v)
    )


def _nested(v: Any) -> Any:
    """A cell holding JSON (a reader writes nested values as JSON text) as the object itself."""
    if isinstance(v, (dict, list)):
        return v
    if isinstance(v, str) and v.lstrip().startswith(NESTED_START):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def pick(doc: Any, parts: list[str]) -> Any:
    """The value at `parts` inside `doc`: a number indexes a list, a name over a list takes
    the first element where the rest of the path is not empty."""
    if not parts:
        return doc
    head, rest = parts[0], parts[1:]
    if isinstance(doc, list):
        if head.isdigit():
            return pick(doc[int(head)], rest) if int(head) < len(doc) else None
        for item in doc:
            found = pick(item, parts)
            if not _empty(found):
                return found
        return None
    if isinstance(doc, dict):
        return pick(doc.get(head), rest)
    return None


def split_path(key: str, columns: list[str]) -> tuple[str, list[str]] | None:
    """`publisher.name` → ("publisher", ["name"]), taking the longest leading part that is a column."""
    parts = key.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if head in columns:
            return head, parts[cut:]
    return None


def nested_values(records: pd.DataFrame, column: str, path: list[str]) -> pd.Series:
    return records[column].map(lambda v: pick(_nested(v), path))


def objects_in(values: pd.Series, source_key: str, target: str, nested: list[str]) -> pd.Series | None:
    """Reasons for cells that are a whole object or list where one value is expected. Such
    cells are Python objects (a database's JSON column, a dotted path ending at an object:
    object dtype) or a JSON reader's nested column (`nested`, JSON text); plain text
    columns (exchange logs of a million rows) are not looked at."""
    if values.dtype != object and source_key not in nested:
        return None
    text = pa.array(values.astype("string[pyarrow]").array)
    candidate = pc.fill_null(pc.match_substring_regex(text, r"^\s*[\[{]"), False).to_numpy(zero_copy_only=False)
    if not candidate.any():
        return None
    looks = pd.Series(False, index=values.index)
    looks[candidate] = values[candidate].map(lambda v: isinstance(_nested(v), (dict, list))).to_numpy(dtype=bool)
    reason = (
        f"列 '{source_key}' 是一个对象或列表，不能作为字段 {target} 的取值：请在 [source.columns] 中"
        f'指向其中的具体字段，如 "{source_key}.name"，或用 "{source_key}.0.name" 取列表第一项'
    )
    return pd.Series(reason, index=values.index).where(looks)


def extracted(records: pd.DataFrame, target: str, rule: Extract) -> tuple[pd.Series, pd.Series]:
    """(values, reasons) of a field taken by a pattern from another column (group 1, or the whole match)."""
    source = column_values(records, rule.source)
    if source is None:
        reason = f"字段 {target} 取自列 '{rule.source}'，但文件中没有该列：请检查 [source.extract] 的 from"
        return pd.Series(None, index=records.index, dtype=object), pd.Series(reason, index=records.index)
    text = source.map(lambda v: None if _empty(v) else str(v))
    group = 1 if rule.pattern.groups else 0
    found = text.map(lambda t: None if t is None else _search(rule.pattern, t, group))
    reason = (
        f"字段 {target} 取自列 '{rule.source}'，按规则 {rule.pattern.pattern} 未匹配到：请核对该行的"
        f" {rule.source}，或调整 [source.extract] 中的 pattern"
    )
    return found, pd.Series(reason, index=records.index).where(found.isna())


def _search(pattern: re.Pattern, text: str, group: int) -> str | None:
    m = pattern.search(text)
    return m.group(group) if m and m.group(group) else None


def column_values(records: pd.DataFrame, key: str) -> pd.Series | None:
    """A source column by its header, or a dotted path into a nested one; None when absent."""
    names = [str(c).strip() for c in records.columns]
    if key in names:
        return records[records.columns[names.index(key)]]
    found = split_path(key, names)
    if found is None:
        return None
    head, path = found
    return nested_values(records, records.columns[names.index(head)], path)


def file_snapshot(cfg: SourceConfig, file: str | None) -> tuple[str | None, str | None]:
    """(snapshot date text, problem) of a catalog file: the file name's match of
    snapshot_at_pattern, else the source's snapshot_at, else none at all."""
    if cfg.snapshot_at_pattern is not None and file:
        m = cfg.snapshot_at_pattern.search(PurePath(file).name)
        if m:
            return m.group(1 if cfg.snapshot_at_pattern.groups else 0), None
        if not cfg.snapshot_at:
            return None, (
                f"文件名 '{PurePath(file).name}' 中找不到快照日期（snapshot_at_pattern = "
                f"{cfg.snapshot_at_pattern.pattern!r}）：请按约定命名文件，或在数据源中填写 snapshot_at"
            )
    return cfg.snapshot_at or None, None
