"""Shared fixtures: a fresh, migrated store on SQLite and on a real PostgreSQL server.

`db_url` / `engine` are parametrised over both engines. PostgreSQL comes from
PAOBAN_TEST_PG_URL (scripts/pg_test_server.sh prints one); without it the PostgreSQL
cases skip, unless PAOBAN_REQUIRE_PG=1 (set by CI), where a skip becomes a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import data.models  # noqa: F401
from data.db import make_engine
from data.migrate import upgrade

PG_URL = os.environ.get("PAOBAN_TEST_PG_URL")
REQUIRE_PG = os.environ.get("PAOBAN_REQUIRE_PG") == "1"
REPO = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "postgresql" in params.values():
            item.add_marker(pytest.mark.postgresql)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped PostgreSQL case is a failure: the suite must really hit the server."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_PG and report.skipped and "postgresql" in item.keywords:
        report.outcome = "failed"
        report.longrepr = f"PostgreSQL case skipped although PAOBAN_REQUIRE_PG=1: {report.longrepr}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def _admin_engine():
    return make_engine(make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False))


@pytest.fixture(scope="session")
def pg_session_url(worker_id, testrun_uid) -> str | None:
    """A database of this run and worker alone, so parallel runs never drop each other's."""
    if not PG_URL:
        yield None
        return
    base = make_url(PG_URL)
    name = f"{base.database}_{testrun_uid[:8]}_{worker_id}"
    admin = _admin_engine()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def truncate_all(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, sqlite_template, pg_session_url) -> str:
    """URL of an empty, migrated store; the test may hand it to subprocesses."""
    if request.param == "sqlite":
        path = tmp_path / "paoban.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    if not pg_session_url:
        pytest.skip("no PostgreSQL server: set PAOBAN_TEST_PG_URL (scripts/pg_test_server.sh)")
    truncate_all(pg_session_url)
    return pg_session_url


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path, sqlite_template):
    """SQLite only: for tests whose subject is not the database."""
    path = tmp_path / "paoban.db"
    shutil.copy(sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()
