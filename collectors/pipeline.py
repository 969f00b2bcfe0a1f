"""Exchange calls from a drop folder on two cores: a worker process reads, maps and
validates the next batch while this process stores the current one.

Reading and validating a batch cost about as much as storing it, and the GIL keeps a
thread from overlapping them. The worker runs at most AHEAD + 1 batches ahead (one in
the pipe, the others queued for its sending thread), which bounds memory. Only work that
cannot change the result moves to the worker: it reads the department register once, at
its start (a department added during a run is matched from the next run), and never
writes. It hashes the call ids and turns the calls into integer fold keys. Which calls
were counted before, the folds themselves, every write and the cursor stay here, in one
transaction per batch, so a crash and a call seen twice are handled exactly as on the
sequential path.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import queue
import threading
import traceback
from collections.abc import Iterator

from sqlalchemy.engine import Engine

from collectors.batches import prepare
from collectors.config import SourceConfig
from collectors.departments import DepartmentResolver
from collectors.memory import keep_freed_memory
from collectors.readers import make_reader
from collectors.readers.base import Batch, SourceUnavailable
from data.db import make_engine

log = logging.getLogger(__name__)
STOP_SECONDS = 5
AHEAD = 1  # prepared batches the worker may hold beyond the one in the pipe
MIN_ROW_BYTES = 64  # the shortest exchange-log lines seen (X-Road CSV exports run 90–200 bytes)


class ReaderLost(SourceUnavailable):
    """The worker died (killed, out of memory) without saying why."""


def runs_pipelined(cfg: SourceConfig, reader) -> bool:
    """Exchange calls read from files, when unknown departments are not created (creating
    one is a write, and writes belong to the storing process) and there is more than about
    one batch to read: a single batch has nothing to overlap with, and starting the worker
    would be most of the run that stores a day's export."""
    return (
        cfg.kind == "exchange_call"
        and cfg.reader == "files"
        and not cfg.create_unknown_departments
        and reader.unread_bytes() > cfg.batch_rows * MIN_ROW_BYTES
    )


def _portable(exc: BaseException) -> BaseException:
    """The worker's error as it can cross to the storing process."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _send(out, message) -> None:
    try:
        out.send(message)
    except (BrokenPipeError, ConnectionResetError):  # the storing process stopped or died: so does this one
        os._exit(1)


class Sender:
    """Sends from a thread, so the worker reads on while a batch waits in the pipe for
    the storing process: batches vary in cost on both sides (a WAL checkpoint, a block
    with more bad rows), and with only the pipe between them each side would wait for the
    other's slow batches. Holds at most AHEAD prepared batches."""

    def __init__(self, out):
        self.queue: queue.Queue = queue.Queue(maxsize=AHEAD)
        self.thread = threading.Thread(target=self._run, args=(out,), daemon=True)
        self.thread.start()

    def _run(self, out) -> None:
        while (message := self.queue.get()) is not None:
            _send(out, message)

    def send(self, message) -> None:
        self.queue.put(message)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()


def _work(url: str, cfg: SourceConfig, cursor: dict, out, receiving_end) -> None:
    receiving_end.close()  # a forked copy of it would keep the pipe open after the collector died
    keep_freed_memory()  # a fork server's child starts with glibc's defaults
    sender = Sender(out)
    try:
        engine = make_engine(url)
        with engine.connect() as conn:  # the register once: this process never writes to it
            resolver = DepartmentResolver(conn, cfg)
        engine.dispose()
        reader = make_reader(cfg, cursor)
        sender.send(("total", reader.total))
        for item in reader.items():
            if isinstance(item, Batch):
                item = prepare(resolver, cfg, item)
            sender.send(("item", item))
        sender.send(("end", None))
    except BaseException as exc:  # reported by the storing process, which fails the run
        log.error("source %s: reading failed:\n%s", cfg.name, traceback.format_exc())
        sender.send(("error", _portable(exc)))
    finally:
        sender.close()


def _receive(conn, worker) -> tuple[str, object]:
    try:
        return conn.recv()
    except (EOFError, OSError):  # closed between messages, or in the middle of one
        worker.join(timeout=STOP_SECONDS)
        raise ReaderLost(
            f"读取数据的子进程意外退出（退出码 {worker.exitcode}）：已提交的批次有效，请查看采集日志后重新运行"
        ) from None


def _stop(conn, worker) -> None:
    conn.close()  # a worker still sending gets a broken pipe and ends
    worker.join(timeout=STOP_SECONDS)
    if worker.is_alive():
        worker.terminate()
        worker.join()


def _items(conn, worker) -> Iterator:
    try:
        while True:
            kind, value = _receive(conn, worker)
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        _stop(conn, worker)


def start_method() -> str:
    """Fork when this process runs no other thread (the CLI's `once`), else a fresh fork
    server (the scheduler's threads: forking a threaded process can copy a held lock)."""
    return "fork" if threading.active_count() == 1 else "forkserver"


def pipelined(engine: Engine, cfg: SourceConfig, cursor: dict) -> tuple[int, Iterator]:
    """(bytes to read, the reader's items with each Batch as Prepared), from a worker
    process started now."""
    ctx = multiprocessing.get_context(start_method())
    conn, out = ctx.Pipe(duplex=False)
    url = engine.url.render_as_string(hide_password=False)
    worker = ctx.Process(target=_work, args=(url, cfg, cursor, out, conn), name=f"collect-{cfg.name}", daemon=True)
    worker.start()
    out.close()  # the worker holds the only sending end: if it dies, receiving ends at once
    kind, value = _receive(conn, worker)
    if kind == "error":
        _stop(conn, worker)
        raise value
    return value, _items(conn, worker)
