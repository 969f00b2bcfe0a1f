"""The session cookie's signature, its one-time handoff, idle expiry and revocation, with
hand-made keys, tokens and clock times (idle window: the default 30 minutes)."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from data.models import WebSession
from data.web_sessions import (
    HANDOFF_SECONDS,
    Resumed,
    close_session,
    new_handoff,
    open_session,
    redeem_handoff,
    resume,
    session_key,
    sign,
    touch,
    unsigned,
)

T0 = datetime(2026, 12, 3, 2, 0, 0)
# HMAC-SHA256 of b"abc" under the key b"k", from Python's hmac module once by hand
ABC_SIGNATURE = "342e519ce0ad6c03a36b98eeb3f1d130db4813b9df4d1160eda488d712dc78ee"


@pytest.fixture(autouse=True)
def idle_30(monkeypatch):
    monkeypatch.delenv("PAOBAN_SESSION_IDLE_MINUTES", raising=False)


def test_signature_is_hmac_sha256_and_any_change_is_refused():
    assert sign("abc", b"k") == f"abc.{ABC_SIGNATURE}"
    assert unsigned(f"abc.{ABC_SIGNATURE}", b"k") == "abc"
    assert unsigned(f"abd.{ABC_SIGNATURE}", b"k") is None  # token changed
    assert unsigned(f"abc.{ABC_SIGNATURE[:-1]}0", b"k") is None  # signature changed
    assert unsigned(f"abc.{ABC_SIGNATURE}", b"other key") is None
    for junk in (None, "", "abc", f".{ABC_SIGNATURE}", "abc."):
        assert unsigned(junk, b"k") is None


def test_session_key_comes_from_the_setting_or_a_private_file(monkeypatch, tmp_path):
    monkeypatch.setenv("PAOBAN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("PAOBAN_SESSION_KEY", "my-shared-key")
    assert session_key() == b"my-shared-key"
    assert not (tmp_path / "session.key").exists()
    monkeypatch.delenv("PAOBAN_SESSION_KEY")
    made = session_key()
    assert len(made) == 64 and session_key() == made  # 32 random bytes in hex, made once
    assert stat.S_IMODE((tmp_path / "session.key").stat().st_mode) == 0o600


def login(conn, at: datetime = T0) -> tuple[int, str]:
    """A fresh login whose page redeemed its handoff: (record id, cookie token)."""
    session_id = open_session(conn, "leader", at)
    token = redeem_handoff(conn, new_handoff(conn, session_id, at), None, at)
    assert token is not None
    return session_id, token


def test_handoff_is_single_use_and_short_lived(engine):
    with engine.begin() as conn:
        session_id = open_session(conn, "leader", T0)
        late = new_handoff(conn, session_id, T0)
        assert redeem_handoff(conn, late, None, T0 + timedelta(seconds=HANDOFF_SECONDS + 1)) is None
        code = new_handoff(conn, session_id, T0)
        assert redeem_handoff(conn, late, None, T0) is None  # replaced by the newer code
        token = redeem_handoff(conn, code, None, T0 + timedelta(seconds=HANDOFF_SECONDS))
        assert token is not None
        assert redeem_handoff(conn, code, None, T0) is None  # used
        assert redeem_handoff(conn, "made-up", None, T0) is None
        stored = conn.execute(select(WebSession.token_hash)).scalar_one()
        assert token not in stored and len(stored) == 64  # only the SHA-256 is kept


def test_a_renewal_keeps_the_token_and_a_new_login_replaces_it(engine):
    with engine.begin() as conn:
        session_id, token = login(conn)
        renewed = redeem_handoff(conn, new_handoff(conn, session_id, T0), token, T0)
        assert renewed == token
        other = redeem_handoff(conn, new_handoff(conn, session_id, T0), "someone-else's", T0)
        assert other != token
        assert resume(conn, token, T0) == Resumed()
        assert resume(conn, other, T0) == Resumed(session_id, "leader")


def test_idle_window_expires_the_cookie_and_activity_extends_it(engine):
    with engine.begin() as conn:
        session_id, token = login(conn)
        at_29 = T0 + timedelta(minutes=29)
        assert resume(conn, token, at_29) == Resumed(session_id, "leader")
        at_59 = at_29 + timedelta(minutes=30)  # exactly 30 idle minutes: still in
        assert touch(conn, session_id, at_59)
        gone = at_59 + timedelta(minutes=30, seconds=1)
        assert resume(conn, token, gone) == Resumed(idle=True)
        assert resume(conn, token, gone) == Resumed()  # the expired record was deleted
        assert not touch(conn, session_id, gone)


def test_activity_is_written_at_most_once_a_minute(engine):
    with engine.begin() as conn:
        session_id, _ = login(conn)
        seen = select(WebSession.last_seen_at).where(WebSession.id == session_id)
        assert touch(conn, session_id, T0 + timedelta(seconds=59))
        assert conn.execute(seen).scalar_one() == T0
        assert touch(conn, session_id, T0 + timedelta(seconds=60))
        assert conn.execute(seen).scalar_one() == T0 + timedelta(seconds=60)


def test_logout_revokes_the_cookie_everywhere(engine):
    with engine.begin() as conn:
        session_id, token = login(conn)
        close_session(conn, session_id)
        assert resume(conn, token, T0) == Resumed()
        assert not touch(conn, session_id, T0)
        code_after = new_handoff(conn, session_id, T0)
        assert redeem_handoff(conn, code_after, token, T0) is None


def test_a_login_clears_records_that_sat_idle(engine):
    with engine.begin() as conn:
        login(conn, T0)
        login(conn, T0 + timedelta(minutes=20))
        open_session(conn, "inspector", T0 + timedelta(minutes=40))  # the first is 40 idle minutes old
        assert conn.execute(select(func.count()).select_from(WebSession)).scalar_one() == 2
