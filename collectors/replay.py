"""`collectors replay`: a source's quarantined rows validated again against the current
config and register, after a clerk fixed a mapping, an alias or the register.

Each batch deletes its rows from the quarantine and stores them through the one write
path (batches.prepare / commit) in one transaction: a row that now passes is loaded
exactly once, a row that still fails goes back with the reason it fails for now. The
replay is a run of its source in the run log, under the source's lease.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection, Engine

from collectors.batches import commit, prepare
from collectors.bookkeeping import SourceLease, finish_run, read_cursor, start_run
from collectors.config import SourceConfig
from collectors.departments import DepartmentResolver
from collectors.readers.base import Batch
from collectors.readers.tracking import FileEntry
from collectors.readers.xroad import calls_from_records
from collectors.runner import RunSummary, with_retry
from collectors.validate import MissingColumns
from data.clock import utcnow
from data.models import Quarantine

NOT_A_RECORD = "无法还原为一条记录（读取时即已损坏）：请修正源文件后重新放入"


@dataclass
class Held:
    """One quarantined row as the replay needs it."""

    id: int
    file: str | None
    line: int | None
    raw: str


def held_rows(engine: Engine, cfg: SourceConfig, reason: str | None) -> list[Held]:
    """The source's quarantined rows of its current kind, oldest first; `reason` keeps
    those whose reason starts with it (e.g. 未知部门)."""
    q = Quarantine.__table__
    stmt = (
        select(q.c.id, q.c.file, q.c.line, q.c.raw).where(q.c.source == cfg.name, q.c.kind == cfg.kind).order_by(q.c.id)
    )
    if reason:
        stmt = stmt.where(q.c.reason.startswith(reason, autoescape=True))
    with engine.connect() as conn:
        return [Held(*row) for row in conn.execute(stmt)]


def csv_headers(cursor: dict) -> dict[str, list[str]]:
    """The header the reader found in each CSV file, by file name (a CSV row is
    quarantined as its values joined by commas)."""
    out = {}
    for stored in cursor.get("files", {}).values():
        entry = FileEntry.from_json(stored)
        if entry.columns:
            out[entry.name] = entry.columns
    return out


def as_record(raw: str, columns: list[str] | None) -> dict | None:
    """The record a quarantined row was: a JSON object, or CSV values under the file's
    header; None when neither fits (a line the reader could not split, say)."""
    try:
        doc = json.loads(raw)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        return doc
    if columns:
        values = next(csv.reader([raw]), [])
        if len(values) == len(columns):
            return {c: v or None for c, v in zip(columns, values)}
    return None


def replay_frame(cfg: SourceConfig, rows: list[Held], records: list[dict]) -> tuple[list[Held], pd.DataFrame]:
    """The frame the reader would have made of these records, and the rows in its order:
    X-Road records become calls, each call's copies side by side (the first counts once)."""
    if cfg.reader != "xroad":
        return rows, pd.DataFrame.from_records(records)
    calls, order, _ = calls_from_records(records, cfg.dedupe_window_minutes * 60_000)
    return [rows[i] for i in order], calls


def replay_batch(conn: Connection, cfg: SourceConfig, rows: list[Held], records: list[dict], cursor: dict, run_id: int):
    """Rows out of the quarantine and through the write path, in the caller's transaction."""
    conn.execute(delete(Quarantine.__table__).where(Quarantine.id.in_([r.id for r in rows])))
    rows, frame = replay_frame(cfg, rows, records)
    lines = np.array([r.line for r in rows], dtype=object)
    batch = Batch(frame, lines, cursor, rows[0].file, raw=[r.raw for r in rows])
    prepared = prepare(DepartmentResolver(conn, cfg), cfg, batch)
    return commit(conn, cfg, prepared, run_id, utcnow()), prepared.created


def replay_source(engine: Engine, cfg: SourceConfig, reason: str | None = None) -> RunSummary:
    """Replay one source's quarantined rows (those whose reason starts with `reason`)."""
    lease = SourceLease(engine, cfg.name)
    if not with_retry(lease.acquire):
        return RunSummary(cfg.name, "locked", error="另一个采集进程正在处理该数据源，本次跳过")
    try:
        return _replay_locked(engine, cfg, reason)
    finally:
        with_retry(lease.release)


def _replay_locked(engine: Engine, cfg: SourceConfig, reason: str | None) -> RunSummary:
    started = time.monotonic()
    summary = RunSummary(cfg.name, "ok", run_id=with_retry(start_run, engine, cfg.name))
    cursor = read_cursor(engine, cfg.name)
    headers = csv_headers(cursor)
    by_file: dict[str | None, list[tuple[Held, dict]]] = {}
    kept = 0
    for row in held_rows(engine, cfg, reason):
        record = as_record(row.raw, headers.get(row.file))
        if record is None:
            kept += 1
        else:
            by_file.setdefault(row.file, []).append((row, record))
    files, errors = [], []
    for file, pairs in by_file.items():
        entry = {"file": file, "status": "replayed", "rows": 0, "loaded": 0, "quarantined": 0}
        for start in range(0, len(pairs), cfg.batch_rows):
            chunk = pairs[start : start + cfg.batch_rows]
            try:
                with engine.begin() as conn:
                    counts, created = replay_batch(
                        conn, cfg, [r for r, _ in chunk], [d for _, d in chunk], cursor, summary.run_id
                    )
            except MissingColumns as exc:
                entry = {"file": file, "status": "error", "reason": str(exc)}
                errors.append(f"{file}：{exc}")
                break
            summary.counts.add(counts)
            summary.created_departments.extend(created)
            entry["rows"] += counts.rows_read
            entry["loaded"] += counts.rows_loaded
            entry["quarantined"] += counts.rows_quarantined
        files.append(entry)
    if kept:
        errors.append(f"{kept} 行{NOT_A_RECORD}")
    if errors or summary.counts.rows_quarantined:
        summary.status = "partial"
    summary.files, summary.error = files, "\n".join(errors) or None
    summary.seconds = time.monotonic() - started
    with_retry(finish_run, engine, summary.run_id, summary.status, summary.counts, summary.files, summary.error)
    return summary
