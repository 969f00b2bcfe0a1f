"""Score refreshes owed by committed batches. A batch that loaded rows asks in its own
transaction; the refresh clears exactly the requests it saw before it started, so a batch
committed meanwhile (another process, another thread) still gets its refresh."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from data.models import RefreshRequest

TABLE = RefreshRequest.__table__


def request_refresh(conn: Connection, source: str, at: datetime) -> None:
    conn.execute(insert(TABLE).values(source=source, requested_at=at))


def pending_requests(conn: Connection) -> list[int]:
    return list(conn.execute(select(TABLE.c.id).order_by(TABLE.c.id)).scalars())


def clear_requests(conn: Connection, ids: list[int]) -> None:
    if ids:
        conn.execute(delete(TABLE).where(TABLE.c.id.in_(ids)))
