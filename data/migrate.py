"""Schema changes go through Alembic; a fresh database is made by running them."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from data.db import check_connection, get_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine) -> bool:
    """Bring the schema to head; returns whether anything was applied."""
    if current_revision(engine) == head_revision(engine):
        return False
    command.upgrade(alembic_config(engine), "head")
    return True


def autogenerate(engine: Engine, message: str, rev_id: str) -> None:
    """Write a new revision from the difference between the models and `engine`'s schema."""
    command.revision(alembic_config(engine), message=message, autogenerate=True, rev_id=rev_id)


def ready_engine(url: str | None = None) -> Engine:
    """The store's engine, reachable and at the head revision: what every CLI starts with."""
    engine = get_engine(url)
    check_connection(engine)
    upgrade(engine)
    return engine
