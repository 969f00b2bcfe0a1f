"""The /paoban-session route the page posts its handoff code to: it sets the signed,
HttpOnly, SameSite=Lax cookie for the idle window, refuses other sites and used codes, and
clears the cookie on DELETE. The real route on a Starlette app, against a temp store."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from dashboard.session_cookie import cookie_script, session_routes
from data.db import get_engine
from data.migrate import upgrade
from data.web_sessions import COOKIE_NAME, new_handoff, open_session, resume, session_key, unsigned

ORIGIN = {"Origin": "https://dash.example"}


def cookie_client(tmp_path, monkeypatch) -> TestClient:
    """The route on an app served as https://dash.example, its store under tmp_path."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cookie.db'}")
    upgrade(get_engine())
    return TestClient(Starlette(routes=session_routes()), base_url="https://dash.example")


def handoff(username: str = "leader") -> str:
    with get_engine().begin() as conn:
        return new_handoff(conn, open_session(conn, username))


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("PAOBAN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("PAOBAN_SESSION_IDLE_MINUTES", "7")
    monkeypatch.delenv("PAOBAN_COOKIE_SECURE", raising=False)
    return cookie_client(tmp_path, monkeypatch)


def test_a_handoff_code_buys_the_signed_http_only_cookie_once(client):
    code = handoff()
    answer = client.post("/paoban-session", content=code, headers=ORIGIN)
    assert answer.status_code == 204
    header = answer.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=lax" in header and "Max-Age=420" in header and "Path=/" in header
    assert "secure" not in header.lower()
    token = unsigned(answer.cookies[COOKIE_NAME].strip('"'), session_key())
    with get_engine().begin() as conn:
        assert resume(conn, token).username == "leader"
    again = client.post("/paoban-session", content=code, headers=ORIGIN)
    assert again.status_code == 403 and "请重新登录" in again.text


def test_another_site_cannot_plant_a_session(client):
    for headers in ({"Origin": "https://evil.example"}, {}):
        answer = client.post("/paoban-session", content=handoff(), headers=headers)
        assert answer.status_code == 403 and "set-cookie" not in answer.headers


def test_delete_clears_the_cookie(client):
    answer = client.delete("/paoban-session", headers=ORIGIN)
    assert answer.status_code == 204
    assert f'{COOKIE_NAME}=""' in answer.headers["set-cookie"] and "Max-Age=0" in answer.headers["set-cookie"]


def test_the_page_sends_the_code_in_the_body_never_the_address():
    script = cookie_script("POST", "c0de")
    assert script == (
        '<script>fetch("/paoban-session", {method: "POST", credentials: "same-origin", '
        'cache: "no-store", body: "c0de"});</script>'
    )
