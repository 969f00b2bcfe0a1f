"""Replays an administrator asks for on 数据源状态. The page writes a request (audited); the
collector process, which holds the sources' configuration and lease, claims it, replays and
records the outcome, so a request made on any dashboard replica runs exactly once."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection

from data import audit
from data.clock import utcnow
from data.models import ReplayRequest
from data.viewer import Viewer

TABLE = ReplayRequest.__table__
STALE = timedelta(hours=1)  # a claim older than this belongs to a process that died: claim it again
STATES = {"pending": "等待采集进程处理", "running": "重放中", "done": "已完成", "failed": "失败"}
COLUMNS = [
    "id",
    "source",
    "reason",
    "requested_by",
    "requested_at",
    "state",
    "finished_at",
    "loaded",
    "kept",
    "message",
]


class ReplayRequestError(ValueError):
    """A request the office cannot make (already waiting, no such source)."""


def request_replay(conn: Connection, viewer: Viewer, source: str, reason: str | None = None) -> int:
    """Ask for a replay of `source`'s quarantined rows (those whose reason starts with `reason`)."""
    viewer.require_role("admin")
    reason = (reason or "").strip() or None
    waiting = conn.execute(
        select(TABLE.c.id).where(
            TABLE.c.source == source,
            TABLE.c.state.in_(("pending", "running")),
            TABLE.c.reason.is_(None) if reason is None else TABLE.c.reason == reason,
        )
    ).first()
    if waiting:
        raise ReplayRequestError(f"数据源 {source} 已有一个相同的重放申请（#{waiting.id}）在等待处理，无需重复提交。")
    request_id = conn.execute(
        insert(TABLE).values(source=source, reason=reason, requested_by=viewer.username, requested_at=utcnow())
    ).inserted_primary_key[0]
    audit.record(conn, viewer.username, "replay_request", f"source:{source}", request=request_id, reason=reason)
    return request_id


def claim_next(conn: Connection) -> dict | None:
    """The oldest waiting request (or one whose claimer died), now marked running by this
    caller: a second collector process claiming at the same moment gets another one, or none.
    Running one twice is harmless: the replay holds the source's lease and takes each row out of
    the quarantine in the transaction that stores it."""
    now = utcnow()

    def claimable():
        return or_(TABLE.c.state == "pending", and_(TABLE.c.state == "running", TABLE.c.started_at < now - STALE))

    for row in conn.execute(select(TABLE).where(claimable()).order_by(TABLE.c.id)).mappings():
        taken = conn.execute(
            update(TABLE).where(TABLE.c.id == row["id"], claimable()).values(state="running", started_at=now)
        )
        if taken.rowcount == 1:
            return dict(row)
    return None


def finish(conn: Connection, request_id: int, *, failed: bool, run_id=None, loaded=0, kept=0, message=None) -> None:
    conn.execute(
        update(TABLE)
        .where(TABLE.c.id == request_id)
        .values(
            state="failed" if failed else "done",
            finished_at=utcnow(),
            run_id=run_id,
            loaded=loaded,
            kept=kept,
            message=message,
        )
    )


def recent(conn: Connection, viewer: Viewer, limit: int = 50) -> pd.DataFrame:
    """The latest requests, newest first (administrators only)."""
    viewer.require_role("admin")
    rows = conn.execute(select(*[TABLE.c[c] for c in COLUMNS]).order_by(TABLE.c.id.desc()).limit(limit)).all()
    return pd.DataFrame(rows, columns=COLUMNS)
