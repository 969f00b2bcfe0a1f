"""Production shape on one PostgreSQL (docs/deployment.md): collector processes that share
sources count each record once, and a server restart in the middle of a run loses nothing
and counts nothing twice once the next run has finished.

Runs against a PostgreSQL server of its own (scripts/pg_test_server.sh on a free port), so
restarting it cannot disturb the rest of the suite.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data.db import make_engine
from data.demo import run as write_demo
from data.migrate import upgrade
from data.models import Complaint, ExchangeDaily, SharingRequest

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "pg_test_server.sh"
CALLS = 60_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _have_postgres() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


@pytest.fixture(scope="module")
def server():
    """(url, restart): a private server; restart() cuts every open connection."""
    if not _have_postgres() and not os.environ.get("CI"):
        pytest.skip("PostgreSQL server binaries not installed (scripts/pg_test_server.sh installs them)")
    env = {**os.environ, "PAOBAN_PG_PORT": str(_free_port())}
    url = subprocess.run(["bash", str(SCRIPT)], env=env, check=True, capture_output=True, text=True).stdout.strip()

    def restart() -> None:
        subprocess.run(["bash", str(SCRIPT), "restart"], env=env, check=True, capture_output=True)

    yield url, restart
    subprocess.run(["bash", str(SCRIPT), "stop"], env=env, capture_output=True)


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shape") / "demo"
    assert write_demo(calls=CALLS, out=out, files_only=True) == 0
    return out


def _empty(engine) -> None:
    with engine.begin() as conn:
        names = ", ".join(f'"{t}"' for t in engine.dialect.get_table_names(conn) if t != "alembic_version")
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="module")
def expected(server, city) -> tuple[int, int, int]:
    """What one collector alone stores from the city's files."""
    url, _ = server
    engine = make_engine(url)
    upgrade(engine)
    _empty(engine)
    alone = _collector(url, city / "sources.toml")
    out, err = alone.communicate(timeout=600)
    assert alone.returncode == 0, err or out
    counts = _counts(engine)
    engine.dispose()
    assert counts[0] == CALLS and all(counts)
    return counts


@pytest.fixture
def store(server, city, expected):
    """The empty store with the department register loaded: a process given only other
    sources quarantines rows of departments the register does not hold yet."""
    url, restart = server
    engine = make_engine(url)
    _empty(engine)
    register = _collector(url, city / "sources.toml", "--source", "demo-departments")
    out, err = register.communicate(timeout=600)
    assert register.returncode == 0, err or out
    yield url, engine, restart
    engine.dispose()


def _collector(url: str, config: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "collectors", "once", "--config", str(config), "--no-refresh", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        calls = conn.execute(select(func.coalesce(func.sum(ExchangeDaily.__table__.c.calls), 0))).scalar_one()
        tickets = conn.execute(select(func.count()).select_from(Complaint.__table__)).scalar_one()
        requests = conn.execute(select(func.count()).select_from(SharingRequest.__table__)).scalar_one()
    return int(calls), tickets, requests


def test_two_collectors_on_the_same_sources_count_every_record_once(store, city, expected):
    url, engine, _ = store
    config = city / "sources.toml"
    both = [_collector(url, config), _collector(url, config), _collector(url, config, "--source", "demo-exchange-log")]
    for p in both:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err or out
    assert _counts(engine) == expected


def test_a_server_restart_mid_run_loses_nothing_and_the_next_run_counts_once(store, city, expected):
    url, engine, restart = store
    config = city / "sources.toml"
    first = _collector(url, config, "--source", "demo-exchange-log")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and _counts(engine)[0] == 0 and first.poll() is None:
        time.sleep(0.05)  # restart once the run has committed its first batch
    restart()
    out, err = first.communicate(timeout=600)
    assert first.returncode in (0, 1), err  # retried through the restart, or failed with a message
    if first.returncode:
        assert "失败" in out + err
    again = _collector(url, config)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err or out
    assert _counts(engine) == expected
