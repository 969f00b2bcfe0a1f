"""Browser sessions that survive a reload: the signed cookie's token and its server-side record.

The cookie holds `token.signature` (HMAC-SHA256 under the session key); the store holds only
the token's SHA-256. A cookie is honoured only when its signature is right, its record
exists (logout deletes it) and the record was seen within the idle window; who the user
is and what they may see is read from the account at every load, never from the cookie.
A page receives its cookie by posting a one-time handoff code (valid HANDOFF_SECONDS) to
the dashboard's /paoban-session route, so no token ever appears in a URL or in the page.
`now` (naive UTC) is injectable so tests move the clock instead of sleeping.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from data.clock import utcnow
from data.models import WebSession
from data.settings import get_settings

COOKIE_NAME = "paoban_session"
KEY_FILE = "session.key"
HANDOFF_SECONDS = 60
TOUCH_SECONDS = 60
_sessions = WebSession.__table__


@dataclass(frozen=True)
class Resumed:
    """What a cookie named: a live session, an idle-expired one, or nothing usable."""

    session_id: int | None = None
    username: str | None = None
    idle: bool = False


def session_key() -> bytes:
    """PAOBAN_SESSION_KEY, else the key file under PAOBAN_VAR_DIR, made on first use.

    Every dashboard replica must share the key (the same setting or the same file)."""
    settings = get_settings()
    if settings.session_key:
        return settings.session_key.encode()
    path = settings.var_dir / KEY_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_bytes().strip()


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def sign(token: str, key: bytes) -> str:
    return f"{token}.{hmac.new(key, token.encode(), hashlib.sha256).hexdigest()}"


def unsigned(cookie: str | None, key: bytes) -> str | None:
    """The token of a correctly signed cookie value, else None."""
    token, _, signature = (cookie or "").rpartition(".")
    if not token or not hmac.compare_digest(sign(token, key), f"{token}.{signature}"):
        return None
    return token


def _idle_cutoff(now: datetime) -> datetime:
    return now - timedelta(minutes=get_settings().session_idle_minutes)


def open_session(conn: Connection, username: str, now: datetime | None = None) -> int:
    """A record for a fresh login (its token is made when the cookie is handed over);
    records of every user that sat idle past the window are cleared on the way."""
    now = now or utcnow()
    conn.execute(delete(_sessions).where(_sessions.c.last_seen_at < _idle_cutoff(now)))
    return conn.execute(
        insert(_sessions).values(username=username, created_at=now, last_seen_at=now).returning(_sessions.c.id)
    ).scalar_one()


def new_handoff(conn: Connection, session_id: int, now: datetime | None = None) -> str:
    """A one-time code the page exchanges for the session's cookie."""
    now = now or utcnow()
    code = secrets.token_urlsafe(32)
    conn.execute(
        update(_sessions)
        .where(_sessions.c.id == session_id)
        .values(handoff_hash=_digest(code), handoff_until=now + timedelta(seconds=HANDOFF_SECONDS))
    )
    return code


def redeem_handoff(conn: Connection, code: str, current: str | None, now: datetime | None = None) -> str | None:
    """The token to set as the cookie for a valid, unused, unexpired code, else None.

    `current` is the token of the cookie the browser already sent: when it belongs to the
    same record it is kept (a renewal), otherwise a fresh token replaces any earlier one."""
    now = now or utcnow()
    row = conn.execute(
        select(_sessions).where(
            _sessions.c.handoff_hash == _digest(code or ""),
            _sessions.c.handoff_until >= now,
            _sessions.c.last_seen_at >= _idle_cutoff(now),
        )
    ).first()
    if row is None:
        return None
    token = current if current and row.token_hash == _digest(current) else secrets.token_urlsafe(32)
    conn.execute(
        update(_sessions)
        .where(_sessions.c.id == row.id)
        .values(token_hash=_digest(token), handoff_hash=None, handoff_until=None)
    )
    return token


def resume(conn: Connection, token: str, now: datetime | None = None) -> Resumed:
    """The session a cookie's token names, refreshed; an idle one is deleted and reported."""
    now = now or utcnow()
    row = conn.execute(select(_sessions).where(_sessions.c.token_hash == _digest(token))).first()
    if row is None:
        return Resumed()
    if row.last_seen_at < _idle_cutoff(now):
        conn.execute(delete(_sessions).where(_sessions.c.id == row.id))
        return Resumed(idle=True)
    conn.execute(update(_sessions).where(_sessions.c.id == row.id).values(last_seen_at=now))
    return Resumed(row.id, row.username)


def touch(conn: Connection, session_id: int, now: datetime | None = None) -> bool:
    """Mark the session active; False (and the record gone) once it was ended or sat idle.

    The time is written at most every TOUCH_SECONDS, so a page run is a read, not a write."""
    now = now or utcnow()
    seen = conn.execute(select(_sessions.c.last_seen_at).where(_sessions.c.id == session_id)).scalar()
    if seen is None:
        return False
    if seen < _idle_cutoff(now):
        conn.execute(delete(_sessions).where(_sessions.c.id == session_id))
        return False
    if now - seen >= timedelta(seconds=TOUCH_SECONDS):
        conn.execute(update(_sessions).where(_sessions.c.id == session_id).values(last_seen_at=now))
    return True


def close_session(conn: Connection, session_id: int) -> None:
    """Logout: the record goes, so its cookie is refused from now on, in every tab."""
    conn.execute(delete(_sessions).where(_sessions.c.id == session_id))
