"""Processes started together on an empty store (two collectors and a dashboard after a
fresh install) migrate it once: one takes the migration lock, the others find it done."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from data.db import make_engine
from data.migrate import HEAD, current_revision
from tests.conftest import PG_URL, _admin_engine

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
STARTERS = 4
# Each process waits for the go file, so all of them reach the migration at the same moment.
SCRIPT = """
import os, sys, time
from data.db import make_engine
from data.migrate import upgrade
while not os.path.exists(sys.argv[2]):
    time.sleep(0.01)
print(upgrade(make_engine(sys.argv[1])))
"""


def _start_together(url: str, tmp_path: Path) -> list[str]:
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, url, str(go)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(STARTERS)
    ]
    go.write_text("")
    results = [p.communicate(timeout=120) for p in procs]
    errors = [err for (_, err), p in zip(results, procs) if p.returncode]
    assert not errors, errors[0]
    return sorted(out.strip() for out, _ in results)


def test_sqlite_store_is_migrated_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'paoban.db'}"
    assert _start_together(url, tmp_path) == ["False"] * (STARTERS - 1) + ["True"]
    assert current_revision(make_engine(url)) == HEAD


@pytest.mark.postgresql
def test_postgresql_store_is_migrated_once(tmp_path):
    if not PG_URL:
        pytest.skip("no PostgreSQL server: set PAOBAN_TEST_PG_URL (scripts/pg_test_server.sh)")
    base = make_url(PG_URL)
    name = f"{base.database}_migrate_{tmp_path.name[-12:]}".replace("-", "_")
    admin = _admin_engine()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        assert _start_together(url, tmp_path) == ["False"] * (STARTERS - 1) + ["True"]
        engine = make_engine(url)
        assert current_revision(engine) == HEAD
        engine.dispose()
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
