"""A reader's batch as the canonical fields validation expects, and its rejected rows as
the quarantine keeps them (line, source text, reason)."""

from __future__ import annotations

import pandas as pd

from collectors.config import SourceConfig
from collectors.fields import column_values, extracted, file_snapshot, objects_in
from collectors.limits import storable
from collectors.mapping import ROW_PROBLEM, field_types
from collectors.readers.base import NESTED_COLUMNS, Batch


def canonical_frame(records: pd.DataFrame, cfg: SourceConfig, file: str | None = None) -> pd.DataFrame:
    """Source columns → canonical fields (column map first, then columns already named
    canonically, then dotted paths into nested values); then the source's constants,
    extracts and snapshot date. Other columns are dropped; rows with a problem carry it
    in ROW_PROBLEM."""
    if cfg.reader == "xroad":
        return records.reset_index(drop=True)
    fields = field_types(cfg.kind)
    picked: dict[str, str] = {}
    for col in records.columns:
        key = str(col).strip()
        target = cfg.columns.get(key) or (key if key in fields else None)
        if target and target not in picked.values():
            picked[col] = target
    out = records[list(picked)].rename(columns=picked).reset_index(drop=True)
    if cfg.columns.keys() - {str(c).strip() for c in records.columns} or cfg.extract:
        records = records.reset_index(drop=True)  # dotted paths and extracts read the other columns
    sources = {target: str(col).strip() for col, target in picked.items()}
    for key, target in cfg.columns.items():
        if target not in out.columns and (values := column_values(records, key)) is not None:
            out[target], sources[target] = values, key
    problems, nested = [], records.attrs.get(NESTED_COLUMNS, [])
    for target, key in sources.items():  # an object's text must never reach the register as a name
        if (objects := objects_in(out[target], key, target, nested)) is not None:
            out[target] = out[target].where(objects.isna(), None)
            problems.append(objects)
    for target, value in cfg.constants.items():
        out[target] = value
    for target, rule in cfg.extract.items():
        out[target], why = extracted(records, target, rule)
        problems.append(why)
    if cfg.kind == "catalog" and (cfg.snapshot_at or cfg.snapshot_at_pattern is not None):
        out["snapshot_at"], problem = file_snapshot(cfg, file)
        problems.append(pd.Series(problem, index=out.index, dtype=object))
    found = [p for p in problems if p is not None and p.notna().any()]
    if found:
        out[ROW_PROBLEM] = pd.concat(found, axis=1).bfill(axis=1).iloc[:, 0]
    return out


def quarantine_rows(batch: Batch, rejected: dict) -> list[dict]:
    """The reader's malformed rows and the rejected records (by position), with their text."""
    rows = [(line, raw, reason) for line, raw, reason in batch.bad_rows]
    positions = sorted(rejected)
    rows += [
        (None if batch.lines[pos] is None else int(batch.lines[pos]), raw, rejected[pos])
        for pos, raw in zip(positions, batch.raw_texts(positions))
    ]
    return [{"line": line, "raw": storable(raw), "reason": storable(reason)} for line, raw, reason in rows]
