"""One run of one source: read → map → validate → load → cursor, one transaction per
batch, so a crash leaves the store before or after a batch, never between."""
from __future__ import annotations

import logging
import time
import traceback
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential
from tqdm import tqdm

from collectors.bookkeeping import (
    RunCounts,
    SourceLease,
    add_quarantine,
    finish_run,
    read_cursor,
    save_cursor,
    start_run,
)
from collectors.calls import prune_counted, store_calls
from collectors.config import SourceConfig
from collectors.departments import DepartmentResolver
from collectors.pipeline import PreparedCalls, pipelined, runs_pipelined
from collectors.readers import make_reader
from collectors.readers.base import Batch, FileProblem, FileSkipped, SourceUnavailable, snapshot
from collectors.records import canonical_frame, quarantine_rows
from collectors.sinks import load_kind
from collectors.validate import MissingColumns, validate
from data.models import utcnow

log = logging.getLogger(__name__)
PROGRESS_MIN_BYTES = 5 << 20


@dataclass
class RunSummary:
    source: str
    status: str
    run_id: int | None = None
    counts: RunCounts = field(default_factory=RunCounts)
    files: list[dict] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    created_departments: list[str] = field(default_factory=list)


def is_transient(exc: BaseException) -> bool:
    """Lost connections, locked SQLite files, serialisation failures and deadlocks."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError):
        return True
    name = type(getattr(exc, "orig", None)).__name__
    return name in ("SerializationFailure", "DeadlockDetected", "LockNotAvailable")


def with_retry(fn, *args):
    """Run one transaction again after a transient database error (the cursor moves only
    when the transaction commits, so a retry never skips or doubles a batch)."""
    for attempt in Retrying(retry=retry_if_exception(is_transient), reraise=True,
                            stop=stop_after_attempt(6), wait=wait_exponential(multiplier=0.5, max=20)):
        with attempt:
            return fn(*args)


def finish_batch(conn, cfg: SourceConfig, file: str | None, cursor: dict, quarantine: list[dict],
                 run_id: int, counts: RunCounts) -> None:
    """The batch's quarantine and the cursor after it, in the batch's transaction."""
    counts.rows_quarantined = len(quarantine)
    add_quarantine(conn, [{**q, "source": cfg.name, "run_id": run_id, "kind": cfg.kind, "file": file}
                          for q in quarantine])
    save_cursor(conn, cfg.name, cursor)


def commit_batch(engine: Engine, cfg: SourceConfig, batch: Batch, run_id: int,
                 collected_at: datetime) -> tuple[RunCounts, list[str]]:
    with engine.begin() as conn:
        frame = canonical_frame(batch.records, cfg, batch.file)
        counts = RunCounts(rows_read=len(frame) + len(batch.bad_rows))
        created: list[str] = []
        rejected: dict = {}
        if len(frame):
            resolver = DepartmentResolver(conn, cfg, member_fallback=cfg.reader == "xroad")
            checked = validate(frame, cfg, resolver)
            outcome = load_kind(conn, cfg, checked.valid, collected_at)
            created = resolver.created
            counts.rows_loaded, counts.rows_duplicate = outcome.loaded, outcome.duplicate
            rejected = {**checked.reasons.to_dict(), **outcome.rejects}
        finish_batch(conn, cfg, batch.file, batch.cursor, quarantine_rows(batch, rejected), run_id, counts)
    return counts, created


def commit_prepared(engine: Engine, cfg: SourceConfig, item: PreparedCalls, run_id: int,
                    _collected_at: datetime) -> tuple[RunCounts, list[str]]:
    """A batch of calls the pipeline's worker validated and folded: only the store's part."""
    if item.problem is not None:
        raise MissingColumns(item.problem)
    with engine.begin() as conn:
        counts = RunCounts(rows_read=item.rows_read)
        if item.new is not None:
            counts.rows_loaded, counts.rows_duplicate = store_calls(conn, cfg, item.new)
        finish_batch(conn, cfg, item.file, item.cursor, item.quarantine, run_id, counts)
    return counts, []


def commit_cursor(engine: Engine, cfg: SourceConfig, cursor: dict) -> None:
    with engine.begin() as conn:
        save_cursor(conn, cfg.name, cursor)


def mark_file_failed(cursor: dict, file: str, reason: str) -> dict:
    """The batch's cursor with its file remembered as unreadable until its content changes."""
    marked = snapshot(cursor)
    for entry in marked.get("files", {}).values():
        if entry.get("name") == file:
            entry["error"] = reason
    return marked


def run_source(engine: Engine, cfg: SourceConfig, progress: bool = False) -> RunSummary:
    """Run one source now; a source another process is running is left alone."""
    lease = SourceLease(engine, cfg.name)
    if not with_retry(lease.acquire):
        return RunSummary(cfg.name, "locked", error="另一个采集进程正在处理该数据源，本次跳过")
    try:
        return _run_locked(engine, cfg, lease, progress)
    finally:
        with_retry(lease.release)


def _run_locked(engine: Engine, cfg: SourceConfig, lease: SourceLease, progress: bool) -> RunSummary:
    started = time.monotonic()
    summary = RunSummary(cfg.name, "ok", run_id=with_retry(start_run, engine, cfg.name))
    files: dict[str, dict] = {}
    failed_files: set[str] = set()
    errors: list[str] = []
    collected_at = utcnow()
    cursor = with_retry(read_cursor, engine, cfg.name)
    try:
        reader = make_reader(cfg, cursor)
        if runs_pipelined(cfg, reader):
            total, items = pipelined(engine, cfg, cursor)
        else:
            total, items = reader.total, reader.items()
        bar = tqdm(total=total, unit="B", unit_scale=True, desc=cfg.name, leave=False,
                   disable=not progress or total < PROGRESS_MIN_BYTES)
        with bar, closing(items):
            for item in items:
                if isinstance(item, FileSkipped):
                    if not item.routine:
                        files.setdefault(item.file, {"file": item.file, "status": "skipped", "reason": item.reason})
                    bar.update(item.progress)
                    continue
                if isinstance(item, FileProblem):
                    report_problem(files, errors, item.file, item.reason)
                    if item.cursor is not None:
                        with_retry(commit_cursor, engine, cfg, item.cursor)
                    continue
                if item.file in failed_files:
                    continue
                try:
                    commit = commit_prepared if isinstance(item, PreparedCalls) else commit_batch
                    counts, created = with_retry(commit, engine, cfg, item, summary.run_id, collected_at)
                except MissingColumns as exc:
                    if cfg.reader not in ("files", "xroad"):  # a query or API: fix the config, keep the cursor
                        raise SourceUnavailable(str(exc)) from exc
                    failed_files.add(item.file)
                    report_problem(files, errors, item.file, str(exc))
                    with_retry(commit_cursor, engine, cfg, mark_file_failed(item.cursor, item.file, str(exc)))
                    continue
                summary.counts.add(counts)
                summary.created_departments.extend(created)
                if item.file:
                    entry = files.setdefault(item.file, {"file": item.file, "status": "ok", "rows": 0,
                                                         "loaded": 0, "quarantined": 0})
                    entry["rows"] += counts.rows_read
                    entry["loaded"] += counts.rows_loaded
                    entry["quarantined"] += counts.rows_quarantined
                bar.update(item.progress)
                with_retry(lease.renew)
        if cfg.kind == "exchange_call":
            with engine.begin() as conn:
                prune_counted(conn, cfg)
    except SourceUnavailable as exc:
        errors.append(str(exc))
        summary.status = "failed"
    except Exception as exc:  # the run log must say why, and the next source still runs
        log.error("source %s failed:\n%s", cfg.name, traceback.format_exc())
        errors.append(f"{type(exc).__name__}: {exc}")
        summary.status = "failed"
    if summary.status == "ok" and (errors or summary.counts.rows_quarantined):
        summary.status = "partial"
    summary.files = list(files.values())
    summary.error = "\n".join(errors) or None
    summary.seconds = time.monotonic() - started
    try:
        with_retry(finish_run, engine, summary.run_id, summary.status, summary.counts, summary.files,
                   summary.error)
    except Exception:  # the database is gone: the summary still reaches the caller
        log.error("source %s: could not record the run:\n%s", cfg.name, traceback.format_exc())
    return summary


def report_problem(files: dict, errors: list, file: str, reason: str) -> None:
    files[file] = {"file": file, "status": "error", "reason": reason}
    errors.append(f"{file}：{reason}")
