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

from collectors.batches import Prepared, commit, prepare
from collectors.bookkeeping import (
    RunCounts,
    SourceLease,
    finish_run,
    read_cursor,
    save_cursor,
    start_run,
)
from collectors.calls import prune_counted
from collectors.config import SourceConfig
from collectors.departments import DepartmentResolver
from collectors.pipeline import pipelined, runs_pipelined
from collectors.readers import make_reader
from collectors.readers.base import Batch, FileNote, FileProblem, FileSkipped, SourceUnavailable, snapshot
from collectors.readers.tracking import config_digest, mark_failed
from collectors.validate import MissingColumns
from data.clock import utcnow

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
    for attempt in Retrying(
        retry=retry_if_exception(is_transient),
        reraise=True,
        stop=stop_after_attempt(6),
        wait=wait_exponential(multiplier=0.5, max=20),
    ):
        with attempt:
            return fn(*args)


def store_batch(
    engine: Engine, cfg: SourceConfig, item: Batch | Prepared, run_id: int, collected_at: datetime
) -> tuple[RunCounts, list[str]]:
    """One batch in one transaction; a batch the pipeline's worker has not prepared is
    prepared here, in the transaction, so departments it adds commit with it."""
    with engine.begin() as conn:
        if isinstance(item, Batch):
            item = prepare(DepartmentResolver(conn, cfg, member_fallback=cfg.reader == "xroad"), cfg, item)
        return commit(conn, cfg, item, run_id, collected_at), item.created


def commit_cursor(engine: Engine, cfg: SourceConfig, cursor: dict) -> None:
    with engine.begin() as conn:
        save_cursor(conn, cfg.name, cursor)


def with_failures(cfg: SourceConfig, cursor: dict, failed: dict[str, str]) -> dict:
    """The cursor with the files this run could not read remembered as unreadable until
    their content or the source's configuration changes: every cursor the run stores after
    a failure carries it (the reader's own cursor never learns of it)."""
    marked = snapshot(cursor)
    for file, reason in failed.items():
        mark_failed(marked, file, reason, config_digest(cfg))
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
    failed: dict[str, str] = {}  # file → why it could not be read
    errors: list[str] = []
    collected_at = utcnow()
    cursor = with_retry(read_cursor, engine, cfg.name)
    try:
        reader = make_reader(cfg, cursor)
        if runs_pipelined(cfg, reader):
            total, items = pipelined(engine, cfg, cursor)
        else:
            total, items = reader.total, reader.items()
        bar = tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            desc=cfg.name,
            leave=False,
            disable=not progress or total < PROGRESS_MIN_BYTES,
        )
        with bar, closing(items):
            for item in items:
                if isinstance(item, FileSkipped):
                    if not item.routine:
                        files.setdefault(item.file, {"file": item.file, "status": "skipped", "reason": item.reason})
                    bar.update(item.progress)
                    continue
                if isinstance(item, FileNote):
                    file_entry(files, item.file)["note"] = item.note
                    continue
                if isinstance(item, FileProblem):
                    report_problem(files, errors, item.file, item.reason)
                    if item.cursor is not None:
                        with_retry(commit_cursor, engine, cfg, with_failures(cfg, item.cursor, failed))
                    continue
                if item.file in failed:
                    continue
                if failed:
                    item.cursor = with_failures(cfg, item.cursor, failed)
                try:
                    counts, created = with_retry(store_batch, engine, cfg, item, summary.run_id, collected_at)
                except MissingColumns as exc:
                    if cfg.reader not in ("files", "xroad"):  # a query or API: fix the config, keep the cursor
                        raise SourceUnavailable(str(exc)) from exc
                    failed[item.file] = str(exc)
                    report_problem(files, errors, item.file, str(exc))
                    with_retry(commit_cursor, engine, cfg, with_failures(cfg, item.cursor, failed))
                    continue
                summary.counts.add(counts)
                summary.created_departments.extend(created)
                if item.file:
                    entry = file_entry(files, item.file)
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
        with_retry(finish_run, engine, summary.run_id, summary.status, summary.counts, summary.files, summary.error)
    except Exception:  # the database is gone: the summary still reaches the caller
        log.error("source %s: could not record the run:\n%s", cfg.name, traceback.format_exc())
    return summary


def file_entry(files: dict, file: str) -> dict:
    """The run log's entry of a file it reads."""
    return files.setdefault(file, {"file": file, "status": "ok", "rows": 0, "loaded": 0, "quarantined": 0})


def report_problem(files: dict, errors: list, file: str, reason: str) -> None:
    files[file] = {"file": file, "status": "error", "reason": reason}
    errors.append(f"{file}：{reason}")
