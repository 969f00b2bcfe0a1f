"""Unknown page addresses open the home page with a Chinese notice, not Streamlit's English
"Page not found" dialog.

Streamlit answers every path with its index.html and only the page then finds out the
address names no page. This middleware on the st.App (dashboard/server.py) sends a GET for
a single-segment address under server.baseUrlPath that is no page of the dashboard to the
base address with NOT_FOUND_FLAG; app.py shows NOT_FOUND_NOTICE once and drops the flag.
Streamlit serves a role's first page (and the login form) only at the base address and
answers its own name ("/ranking", "/my_scores", "/login") with the same English dialog, so
those names go to the base address too, with their query (?period=) kept.
Streamlit's own paths, files (a name with a dot) and the session route pass untouched.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from dashboard.auth import PAGE_ACCESS
from dashboard.deep_links import HOME_PATH, LOGIN_PATH
from dashboard.session_cookie import ROUTE_NAME, base_path
from data.models import ROLES

NOT_FOUND_FLAG = "not_found"
NOT_FOUND_NOTICE = "您打开的地址不存在，已为您打开首页。"
# First path segments Streamlit serves itself (its API, assets, media, components, app
# static files, single sign-on) besides the page addresses.
STREAMLIT_PATHS = frozenset({"_stcore", "static", "media", "component", "app", "auth", "oauth2callback"})


@cache
def page_paths() -> frozenset[str]:
    """Every address app.py may answer with a page, for any role or none."""
    return frozenset({Path(name).stem for name in PAGE_ACCESS} | {LOGIN_PATH, HOME_PATH})


@cache
def first_page_paths() -> frozenset[str]:
    """The names of the pages Streamlit serves at the base address: each role's first page,
    the login form and the page of an account with none."""
    firsts = {
        next((Path(n).stem for n, access in PAGE_ACCESS.items() if role in access[3]), HOME_PATH) for role in ROLES
    }
    return frozenset(firsts | {LOGIN_PATH, HOME_PATH})


def _segment(path: str) -> str | None:
    """The single page name a path under the base asks for (None: the base itself, a deeper
    path, a file or another app's address)."""
    base = base_path()
    if base and not (path == base or path.startswith(f"{base}/")):
        return None
    segment = path[len(base) :].strip("/")
    return None if not segment or "/" in segment or "." in segment else segment


def _unknown(segment: str | None) -> bool:
    return segment is not None and segment not in STREAMLIT_PATHS | {ROUTE_NAME} | page_paths()


def unknown_page(path: str) -> bool:
    """A single-segment address under the base that no page answers."""
    return _unknown(_segment(path))


def redirect(scope: Scope) -> str | None:
    """Where a page load must go instead (None: where it asked). Runs on every request, so
    the path is split once and the page names are worked out once per process."""
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return None
    segment = _segment(scope["path"])
    if segment is None:
        return None
    if _unknown(segment):
        return f"{base_path()}/?{NOT_FOUND_FLAG}=1"
    if segment in first_page_paths():
        query = scope.get("query_string", b"").decode("latin-1")
        return f"{base_path()}/" + (f"?{query}" if query else "")
    return None


class UnknownPageRedirect:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = redirect(scope)
        if target is not None:
            await RedirectResponse(target, status_code=302, headers={"Cache-Control": "no-store"})(scope, receive, send)
            return
        await self.app(scope, receive, send)


def unknown_page_middleware() -> list[Middleware]:
    return [Middleware(UnknownPageRedirect)]


def not_found_notice() -> None:
    """Tell the user once that the address they opened was no page (the flag is dropped)."""
    if st.query_params.get(NOT_FOUND_FLAG) is not None:
        del st.query_params[NOT_FOUND_FLAG]
        st.info(NOT_FOUND_NOTICE, icon=":material/info:")
