"""In-app inbox and the outbox of external deliveries (e-mail, group-robot webhook).

A message is written once per recipient and dedupe key, so a reminder job run twice sends
nothing twice. The inbox row is the message itself: a delivery that fails is retried with
growing waits and never removes or hides it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from data.clock import utcnow
from data.load import insert_ignore
from data.models import AppUser, Delivery, Notification
from data.viewer import Viewer

_note = Notification.__table__
_del = Delivery.__table__
_user = AppUser.__table__
MAX_WAIT = timedelta(hours=1)


def notify(
    conn: Connection,
    recipients: Iterable[str],
    *,
    kind: str,
    title: str,
    body: str,
    dedupe_key: str,
    item_id: int | None = None,
    channels: Iterable[str] = (),
) -> int:
    """Write the message to each recipient that has not had `dedupe_key` yet, with one outbox row per
    channel; returns how many recipients got it now."""
    now = utcnow()
    rows = [
        {
            "recipient": r,
            "kind": kind,
            "title": title[:300],
            "body": body,
            "item_id": item_id,
            "dedupe_key": dedupe_key[:200],
            "created_at": now,
        }
        for r in sorted(set(recipients))
    ]
    new = insert_ignore(conn, Notification, rows, ["recipient", "dedupe_key"])
    channels = list(channels)
    if new and channels:
        ids = (
            conn.execute(select(_note.c.id).where(_note.c.dedupe_key == dedupe_key[:200], _note.c.created_at == now))
            .scalars()
            .all()
        )
        conn.execute(
            insert(_del),
            [
                {"notification_id": i, "channel": c, "attempts": 0, "next_attempt_at": now}
                for i in ids
                for c in channels
            ],
        )
    return new


def inbox(conn: Connection, viewer: Viewer, unread_only: bool = False) -> list[dict]:
    """The viewer's own messages, newest first: nobody reads another user's inbox."""
    stmt = select(_note).where(_note.c.recipient == viewer.username)
    if unread_only:
        stmt = stmt.where(_note.c.read_at.is_(None))
    return [dict(r) for r in conn.execute(stmt.order_by(_note.c.id.desc())).mappings()]


def unread_count(conn: Connection, viewer: Viewer) -> int:
    return conn.execute(
        select(func.count()).where(_note.c.recipient == viewer.username, _note.c.read_at.is_(None))
    ).scalar_one()


def mark_read(conn: Connection, viewer: Viewer, notification_id: int) -> None:
    conn.execute(
        update(_note)
        .where(_note.c.id == notification_id, _note.c.recipient == viewer.username, _note.c.read_at.is_(None))
        .values(read_at=utcnow())
    )


def due_deliveries(conn: Connection, now: datetime, channel: str) -> list[dict]:
    """Undelivered outbox rows of `channel` whose next attempt has come, with their message."""
    rows = conn.execute(
        select(
            _del.c.id,
            _del.c.attempts,
            _note.c.recipient,
            _note.c.title,
            _note.c.body,
            _note.c.dedupe_key,
            _user.c.email,
        )
        .join(_note, _note.c.id == _del.c.notification_id)
        .outerjoin(_user, _user.c.username == _note.c.recipient)
        .where(_del.c.channel == channel, _del.c.delivered_at.is_(None), _del.c.next_attempt_at <= now)
        .order_by(_del.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def record_attempt(conn: Connection, delivery_id: int, attempts: int, now: datetime, error: str | None) -> None:
    """Mark a delivery done, or schedule its retry after 1, 2, 4 … minutes (at most an hour)."""
    if error is None:
        conn.execute(
            update(_del)
            .where(_del.c.id == delivery_id)
            .values(attempts=attempts + 1, delivered_at=now, last_error=None)
        )
        return
    wait = min(timedelta(minutes=2**attempts), MAX_WAIT)
    conn.execute(
        update(_del)
        .where(_del.c.id == delivery_id)
        .values(attempts=attempts + 1, last_error=error[:2000], next_attempt_at=now + wait)
    )


def users_of(conn: Connection, *, role: str, dept_id: int | None = None) -> list[str]:
    """Enabled usernames of a role (and department), the recipients of a supervision message."""
    stmt = select(_user.c.username).where(_user.c.role == role, _user.c.disabled.is_(False))
    if dept_id is not None:
        stmt = stmt.where(_user.c.dept_id == dept_id)
    return list(conn.execute(stmt.order_by(_user.c.username)).scalars())
