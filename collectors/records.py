"""A reader's batch as the canonical fields validation expects, and its rejected rows as
the quarantine keeps them (line, source text, reason)."""
from __future__ import annotations

import pandas as pd

from collectors.config import SourceConfig
from collectors.limits import storable
from collectors.mapping import field_types
from collectors.readers.base import Batch


def canonical_frame(records: pd.DataFrame, cfg: SourceConfig) -> pd.DataFrame:
    """Source columns → canonical fields (column map first, then columns already named
    canonically); other columns are dropped."""
    if cfg.reader == "xroad":
        return records.reset_index(drop=True)
    fields = field_types(cfg.kind)
    picked: dict[str, str] = {}
    for col in records.columns:
        key = str(col).strip()
        target = cfg.columns.get(key) or (key if key in fields else None)
        if target and target not in picked.values():
            picked[col] = target
    return records[list(picked)].rename(columns=picked).reset_index(drop=True)


def quarantine_rows(batch: Batch, rejected: dict) -> list[dict]:
    """The reader's malformed rows and the rejected records (by position), with their text."""
    rows = [(line, raw, reason) for line, raw, reason in batch.bad_rows]
    positions = sorted(rejected)
    rows += [(None if batch.lines[pos] is None else int(batch.lines[pos]), raw, rejected[pos])
             for pos, raw in zip(positions, batch.raw_texts(positions))]
    return [{"line": line, "raw": storable(raw), "reason": storable(reason)} for line, raw, reason in rows]
