"""Fresh, migrated stores for one measurement: a SQLite file or a PostgreSQL database."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from data.db import make_engine
from data.migrate import upgrade

ENGINES = ("sqlite", "postgresql")


def _pg_admin_url(pg_url: str) -> str:
    return make_url(pg_url).set(database="postgres").render_as_string(hide_password=False)


def _pg_name(label: str) -> str:
    return "paoban_bench_" + re.sub(r"[^a-z0-9_]", "_", label.lower())


def fresh_store(engine_name: str, label: str, workdir: Path, pg_url: str | None) -> str:
    """An empty store at the schema's head; returns its URL."""
    if engine_name == "sqlite":
        path = workdir / "stores" / f"{label}.db"
        drop_store(f"sqlite:///{path}", pg_url)
        url = f"sqlite:///{path}"
    elif engine_name == "postgresql":
        if not pg_url:
            raise SystemExit("PostgreSQL 基准需要 PAOBAN_BENCH_PG_URL（scripts/pg_test_server.sh 会打印一个）")
        name = _pg_name(label)
        admin = make_engine(_pg_admin_url(pg_url))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    else:
        raise SystemExit(f"未知数据库类型 {engine_name!r}：应为 {' 或 '.join(ENGINES)}")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def drop_store(url: str, pg_url: str | None) -> None:
    """Remove a store made by fresh_store (its file, or its database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    admin = make_engine(_pg_admin_url(pg_url or url))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def settle(url: str) -> None:
    """The store at rest, as the next day's file finds it hours after the last load. On
    PostgreSQL that is after the VACUUM ANALYZE autovacuum starts by itself about a minute
    after a load of millions of rows: racing a measured run for the two cores, it slowed
    the run by up to 0.15 s. SQLite has no such background work."""
    if make_url(url).get_backend_name() != "postgresql":
        return
    engine = make_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
