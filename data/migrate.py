"""Schema changes go through Alembic; a fresh database is made by running them.

Alembic itself is imported only when a schema has to change or be inspected: every CLI
start checks the revision, and importing Alembic cost a collector run 0.2 s."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from data.db import check_connection, get_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest revision under migrations/versions; tests/data/test_store.py holds it to Alembic's head.
HEAD = "0001"
# pg_advisory_lock key of the migration: the ASCII of "paob"
MIGRATION_LOCK_KEY = 0x70616F62


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """One process migrates at a time: collectors and dashboards started together on an empty
    store all found no schema and all created the tables, and all but one failed. PostgreSQL
    holds a session advisory lock; SQLite an flock on a file beside the database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def upgrade(engine: Engine) -> bool:
    """Bring the schema to head; returns whether this process applied anything."""
    if current_revision(engine) == HEAD:
        return False
    from alembic import command

    with migration_lock(engine):
        if current_revision(engine) == HEAD:  # another process migrated while this one waited
            return False
        command.upgrade(alembic_config(engine), "head")
    return True


def autogenerate(engine: Engine, message: str, rev_id: str) -> None:
    """Write a new revision from the difference between the models and `engine`'s schema."""
    from alembic import command

    command.revision(alembic_config(engine), message=message, autogenerate=True, rev_id=rev_id)


def ready_engine(url: str | None = None) -> Engine:
    """The store's engine, reachable and at the head revision: what every CLI starts with."""
    engine = get_engine(url)
    check_connection(engine)
    upgrade(engine)
    return engine
