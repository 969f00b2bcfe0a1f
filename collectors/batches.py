"""One write path for a reader's batch, whatever its kind: prepare() canonicalises and
validates it (and hashes and keys exchange calls) without writing; commit() stores it,
its quarantine and the cursor after it in the caller's transaction. The runner calls
both in one transaction per batch; the pipeline only moves prepare() to a worker process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Connection

from collectors.bookkeeping import RunCounts, add_quarantine, save_cursor
from collectors.calls import NewCalls, prepare_calls, store_calls
from collectors.config import SourceConfig
from collectors.departments import DepartmentResolver
from collectors.readers.base import Batch
from collectors.records import canonical_frame, quarantine_rows
from collectors.sinks import load_kind
from collectors.validate import MissingColumns, validate
from data.refresh_requests import request_refresh


@dataclass
class Prepared:
    """A reader's batch as its transaction needs it."""

    file: str | None
    cursor: dict
    progress: int
    rows_read: int
    quarantine: list[dict]  # the reader's malformed rows and the records validation rejected
    rows: pd.DataFrame | NewCalls | None  # the valid records, or the valid calls hashed and keyed
    # the batch and validation's reasons by position, to quote the records the store rejects
    # in line with them; None for exchange calls, whose store rejects none, so that a worker's
    # batch crosses to the storing process without its text
    batch: Batch | None = None
    rejected: dict = field(default_factory=dict)
    created: list[str] = field(default_factory=list)  # departments the resolver added
    problem: str | None = None  # the file lacks a required column (validate.MissingColumns)


def prepare(resolver: DepartmentResolver, cfg: SourceConfig, batch: Batch) -> Prepared:
    frame = canonical_frame(batch.records, cfg, batch.file)
    calls = cfg.kind == "exchange_call"
    out = Prepared(
        batch.file, batch.cursor, batch.progress, len(frame) + len(batch.bad_rows), [], None, None if calls else batch
    )
    if len(frame):
        try:
            checked = validate(frame, cfg, resolver, list(batch.records.columns))
        except MissingColumns as exc:
            out.problem = str(exc)
            return out
        out.rows = prepare_calls(cfg, checked.valid) if calls else checked.valid
        out.created = list(resolver.created)
        rejected = checked.reasons.to_dict()
        out.rejected = {} if calls else rejected
        out.quarantine = quarantine_rows(batch, rejected)
    else:
        out.quarantine = quarantine_rows(batch, {})
    return out


def commit(conn: Connection, cfg: SourceConfig, prepared: Prepared, run_id: int, collected_at: datetime) -> RunCounts:
    """The batch's rows, its quarantine, the cursor after it and, when it loaded rows, the
    score refresh it owes, in the caller's transaction."""
    if prepared.problem is not None:
        raise MissingColumns(prepared.problem)
    counts = RunCounts(rows_read=prepared.rows_read)
    quarantine = prepared.quarantine
    if isinstance(prepared.rows, NewCalls):
        counts.rows_loaded, counts.rows_duplicate = store_calls(conn, cfg, prepared.rows)
    elif prepared.rows is not None:
        outcome = load_kind(conn, cfg, prepared.rows, collected_at)
        counts.rows_loaded, counts.rows_duplicate = outcome.loaded, outcome.duplicate
        if outcome.rejects:
            quarantine = quarantine_rows(prepared.batch, {**prepared.rejected, **outcome.rejects})
    counts.rows_quarantined = len(quarantine)
    add_quarantine(
        conn, [{**q, "source": cfg.name, "run_id": run_id, "kind": cfg.kind, "file": prepared.file} for q in quarantine]
    )
    save_cursor(conn, cfg.name, prepared.cursor)
    if counts.rows_loaded:
        request_refresh(conn, cfg.name, collected_at)
    return counts
