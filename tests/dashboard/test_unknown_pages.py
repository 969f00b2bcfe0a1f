"""Unknown page addresses: the real st.App of dashboard/server.py (starlette TestClient)
sends them to the home page with a flag and leaves Streamlit's own paths and every page
alone; the middleware keeps under server.baseUrlPath; app.py (AppTest) shows the Chinese
notice once."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from streamlit import config

from dashboard.unknown_pages import NOT_FOUND_NOTICE, unknown_page_middleware
from tests.dashboard.conftest import login
from tests.dashboard.test_access import login_form_shown

PASSED = (
    "/",
    "/department",
    "/department?dept=3&period=2026-10",
    "/compare",
    "/admin_audit",
    "/department/",
    "/favicon.png",
    "/manifest.json",
    "/_stcore/health",
    "/static/js/index.js",
    "/media/abc.png",
    "/component/x/index.html",
    "/app/static/logo.png",
    "/auth/login",
    "/oauth2callback",
    "/paoban-session",
)


@pytest.fixture(scope="module")
def server():
    """dashboard/server.py's app, started once: Streamlit's runtime starts once a process."""
    from dashboard.server import app

    with TestClient(app) as c:
        yield c


def index_page(request: Request) -> PlainTextResponse:
    return PlainTextResponse("index.html")


@pytest.fixture
def base_url_path():
    config.set_option("server.baseUrlPath", "dash")
    yield TestClient(Starlette(routes=[Route("/{path:path}", index_page)], middleware=unknown_page_middleware()))
    config.set_option("server.baseUrlPath", "")


@pytest.mark.parametrize("path", ["/no-such-page", "/no-such-page/", "/Ranking", "/排名"])
def test_an_unknown_page_opens_home_with_the_flag(server, path):
    answer = server.get(path, follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"] == "/?not_found=1"
    assert answer.headers["cache-control"] == "no-store"
    assert server.head(path, follow_redirects=False).status_code == 302


@pytest.mark.parametrize("path", PASSED)
def test_pages_and_streamlit_paths_are_left_alone(server, path):
    """Streamlit's single sign-on routes redirect by themselves, never to the flag."""
    answer = server.get(path, follow_redirects=False)
    assert answer.status_code != 302 or path in ("/department/", "/auth/login", "/oauth2callback"), path
    assert "not_found" not in answer.headers.get("location", "")


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/ranking?period=2026-08", "/?period=2026-08"),  # the first page of a leader, inspector, admin
        ("/my_scores", "/"),  # of a department
        ("/login?period=2026-08&category=district", "/?period=2026-08&category=district"),
        ("/home", "/"),
    ],
)
def test_a_first_page_by_name_opens_at_the_base_with_its_query(server, path, target):
    """Streamlit serves these pages only at the base address and calls their name unknown."""
    answer = server.get(path, follow_redirects=False)
    assert answer.status_code == 302 and answer.headers["location"] == target


def test_streamlit_still_answers_and_only_page_loads_move(server):
    assert '<div id="root"></div>' in server.get("/", follow_redirects=False).text
    assert server.get("/_stcore/health").text == "ok"
    assert server.post("/no-such-page", follow_redirects=False).status_code != 302


def test_the_base_url_path_is_kept(base_url_path):
    """The middleware alone in front of a stand-in for Streamlit's index.html fallback."""
    answer = base_url_path.get("/dash/no-such-page", follow_redirects=False)
    assert answer.status_code == 302 and answer.headers["location"] == "/dash/?not_found=1"
    for path in (
        "/dash",
        "/dash/",
        "/dash/department",
        "/dash/_stcore/health",
        "/dash/paoban-session",
        "/no-such-page",
    ):
        assert base_url_path.get(path, follow_redirects=False).text == "index.html", path
    answer = base_url_path.get("/dash/ranking?period=2026-08", follow_redirects=False)
    assert answer.status_code == 302 and answer.headers["location"] == "/dash/?period=2026-08"


def test_the_notice_shows_once_logged_out(app):
    app.query_params["not_found"] = "1"
    app.run()
    assert [i.value for i in app.info] == [NOT_FOUND_NOTICE]
    assert "not_found" not in app.query_params and login_form_shown(app)
    app.run()
    assert NOT_FOUND_NOTICE not in [i.value for i in app.info]


def test_the_notice_shows_once_logged_in(app):
    login(app, "leader")
    app.query_params["not_found"] = "1"
    app.run()
    assert NOT_FOUND_NOTICE in [i.value for i in app.info] and "排名总览" in [t.value for t in app.title]
    assert "not_found" not in app.query_params
    app.run()
    assert NOT_FOUND_NOTICE not in [i.value for i in app.info]
