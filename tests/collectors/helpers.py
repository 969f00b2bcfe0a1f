"""Small builders for collector tests: a source config, a department register, counts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text

from collectors.config import SourceConfig, parse_config
from data.departments import add_departments
from data.models import Quarantine

REPO = Path(__file__).resolve().parent.parent.parent
FIXTURES = REPO / "tests" / "fixtures"


def source(base: Path, **options) -> SourceConfig:
    """One [[source]] as an administrator would write it (defaults: files, settled)."""
    raw = {"name": "test-source", "reader": "files", "settle_seconds": 0, **options}
    if raw["reader"] in ("files", "xroad") and "path" not in raw:
        raw["path"] = "drop"
    return parse_config({"source": [raw]}, base / "sources.toml").sources[0]


def register(engine, names: list[str], category: str = "市直部门", aliases: dict | None = None) -> None:
    aliases = aliases or {}
    with engine.begin() as conn:
        add_departments(conn, [{"name": n, "category": category, "aliases": aliases.get(n, [])} for n in names])


def count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def reasons(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(Quarantine.reason).order_by(Quarantine.id)).scalars())


def scalar(engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def all_rows(engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def quarantine_rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(Quarantine.__table__).order_by(Quarantine.id)).mappings()]
