"""The collector's own rows in the store: cursors, per-source locks, the run log and the
quarantine."""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from data.clock import utcnow
from data.load import insert_ignore, upsert
from data.models import CollectorRun, Quarantine, SourceCursor, SourceLock

LOCK_TTL = timedelta(minutes=15)
HOST = socket.gethostname()


def read_cursor(engine: Engine, source: str) -> dict:
    with engine.connect() as conn:
        raw = conn.execute(select(SourceCursor.cursor).where(SourceCursor.source == source)).scalar()
    return json.loads(raw) if raw else {}


def save_cursor(conn: Connection, source: str, cursor: dict) -> None:
    upsert(
        conn,
        SourceCursor,
        [{"source": source, "cursor": json.dumps(cursor, ensure_ascii=False, default=str), "updated_at": utcnow()}],
        ["source"],
        update=["cursor", "updated_at"],
    )


def add_quarantine(conn: Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(Quarantine.__table__), [{**r, "created_at": utcnow()} for r in rows])


def start_run(engine: Engine, source: str) -> int:
    with engine.begin() as conn:
        conn.execute(
            update(CollectorRun.__table__)
            .where(CollectorRun.source == source, CollectorRun.status == "running")
            .values(
                status="failed",
                finished_at=utcnow(),
                error="运行被中断（进程意外退出）：已提交的批次有效，未提交的部分会在下次运行时重新读取",
            )
        )
        result = conn.execute(
            insert(CollectorRun.__table__).values(source=source, started_at=utcnow(), status="running")
        )
        return result.inserted_primary_key[0]


@dataclass
class RunCounts:
    rows_read: int = 0
    rows_loaded: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0

    def add(self, other: RunCounts) -> None:
        self.rows_read += other.rows_read
        self.rows_loaded += other.rows_loaded
        self.rows_duplicate += other.rows_duplicate
        self.rows_quarantined += other.rows_quarantined


def finish_run(
    engine: Engine, run_id: int, status: str, counts: RunCounts, files: list[dict], error: str | None
) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(CollectorRun.__table__)
            .where(CollectorRun.id == run_id)
            .values(
                finished_at=utcnow(),
                status=status,
                rows_read=counts.rows_read,
                rows_loaded=counts.rows_loaded,
                rows_duplicate=counts.rows_duplicate,
                rows_quarantined=counts.rows_quarantined,
                files=json.dumps(files, ensure_ascii=False) if files else None,
                error=error,
            )
        )


class SourceLease:
    """A row in source_lock: one process per source across processes and machines.

    It expires unless renewed, so a crashed holder on another machine frees it in time;
    a holder on this machine whose process is gone is taken over at once.
    """

    def __init__(self, engine: Engine, source: str):
        self.engine = engine
        self.source = source
        self.owner = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def acquire(self) -> bool:
        now = utcnow()
        t = SourceLock.__table__
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.source == self.source, t.c.expires_at < now))
            row = {"source": self.source, "owner": self.owner, "acquired_at": now, "expires_at": now + LOCK_TTL}
            if insert_ignore(conn, SourceLock, [row], ["source"]):
                return True
            holder = conn.execute(select(t.c.owner).where(t.c.source == self.source)).scalar()
            if holder is None or not _dead_here(holder):
                return False
            taken = conn.execute(
                update(t)
                .where(t.c.source == self.source, t.c.owner == holder)
                .values(owner=self.owner, acquired_at=now, expires_at=now + LOCK_TTL)
            )
            return taken.rowcount == 1

    def renew(self) -> None:
        t = SourceLock.__table__
        with self.engine.begin() as conn:
            conn.execute(
                update(t)
                .where(t.c.source == self.source, t.c.owner == self.owner)
                .values(expires_at=utcnow() + LOCK_TTL)
            )

    def release(self) -> None:
        t = SourceLock.__table__
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.source == self.source, t.c.owner == self.owner))


def _dead_here(owner: str) -> bool:
    host, _, rest = owner.partition(":")
    pid = rest.split(":", 1)[0]
    if host != HOST or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
