"""Append-only audit trail of sensitive acts: logins, exports, scheme and score changes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.engine import Connection

from data.clock import utcnow
from data.models import AuditLog
from data.viewer import Viewer


def record(conn: Connection, actor: str, action: str, target: str | None = None, **detail: Any) -> None:
    """Write one audit row in the caller's transaction (the act and its trace commit together)."""
    conn.execute(
        insert(AuditLog.__table__).values(
            at=utcnow(),
            actor=actor,
            action=action,
            target=target,
            detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        )
    )


def list_events(
    conn: Connection,
    viewer: Viewer,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str | None = None,
    actions: list[str] | None = None,
    text: str | None = None,
    limit: int = 1000,
) -> list[dict]:
    """Newest audit rows first, filtered; administrators only."""
    viewer.require_role("admin")
    t = AuditLog.__table__
    query = select(t.c.id, t.c.at, t.c.actor, t.c.action, t.c.target, t.c.detail)
    if since is not None:
        query = query.where(t.c.at >= since)
    if until is not None:
        query = query.where(t.c.at < until)
    if actor:
        query = query.where(t.c.actor == actor)
    if actions:
        query = query.where(t.c.action.in_(actions))
    if text:
        pattern = f"%{text}%"
        query = query.where(or_(t.c.target.like(pattern), t.c.detail.like(pattern)))
    rows = conn.execute(query.order_by(t.c.at.desc(), t.c.id.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]


def distinct_values(conn: Connection, viewer: Viewer) -> tuple[list[str], list[str]]:
    """(actors, actions) present in the log, for the viewer's filter pickers; admins only."""
    viewer.require_role("admin")
    t = AuditLog.__table__
    actors = conn.execute(select(t.c.actor).distinct().order_by(t.c.actor)).scalars().all()
    actions = conn.execute(select(t.c.action).distinct().order_by(t.c.action)).scalars().all()
    return list(actors), list(actions)
