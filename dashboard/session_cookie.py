"""The HTTP half of the session cookie: the /paoban-session route and the page's call to it.

Streamlit talks to the page over a WebSocket, which cannot set an HttpOnly cookie, so the
dashboard is served as an st.App (dashboard/server.py) with this one extra route. After a
login the page posts the one-time handoff code to it (same origin only) and receives the
signed cookie: HttpOnly, SameSite=Lax, Secure when PAOBAN_COOKIE_SECURE=1, lasting the idle
window; logout sends DELETE, which clears it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from streamlit import config

from data.db import get_engine
from data.settings import get_settings
from data.web_sessions import COOKIE_NAME, redeem_handoff, session_key, sign, unsigned

ROUTE_NAME = "paoban-session"


def base_path() -> str:
    """server.baseUrlPath as a path prefix: '' or '/dash'."""
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def route_path() -> str:
    return f"{base_path()}/{ROUTE_NAME}"


def cookie_lifetime() -> timedelta:
    return timedelta(minutes=get_settings().session_idle_minutes)


def cookie_script(method: str, code: str = "") -> str:
    """The page's side: a same-origin fetch that carries the code in its body, never the URL."""
    body = f", body: {json.dumps(code)}" if code else ""
    return (
        f"<script>fetch({json.dumps(route_path())}, "
        f'{{method: "{method}", credentials: "same-origin", cache: "no-store"{body}}});</script>'
    )


def _same_origin(request: Request) -> bool:
    """A cross-site page must not plant its own session in a user's browser (login CSRF)."""
    origin = request.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc == request.headers.get("host")


def _redeem(code: str, current: str | None) -> str | None:
    with get_engine().begin() as conn:
        return redeem_handoff(conn, code, current)


async def session_cookie(request: Request) -> Response:
    if not _same_origin(request):
        return PlainTextResponse("请求来源不符", status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    if request.method == "DELETE":
        response.delete_cookie(COOKIE_NAME, path=base_path() or "/", httponly=True, samesite="lax")
        return response
    key = session_key()
    code = (await request.body()).decode("utf-8", "replace").strip()
    token = await run_in_threadpool(_redeem, code, unsigned(request.cookies.get(COOKIE_NAME), key))
    if token is None:
        return PlainTextResponse("登录凭证无效或已过期，请重新登录", status_code=403)
    response.set_cookie(
        COOKIE_NAME,
        sign(token, key),
        max_age=int(cookie_lifetime().total_seconds()),
        path=base_path() or "/",
        secure=get_settings().cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return response


def session_routes() -> list[Route]:
    return [Route(route_path(), session_cookie, methods=["POST", "DELETE"])]
