"""Engine and sessions for SQLite (default) or PostgreSQL (DATABASE_URL, psycopg 3)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import create_engine

from data.settings import get_settings


class DatabaseConfigError(RuntimeError):
    """A DATABASE_URL that cannot be used, explained for the person who set it."""


def normalise_url(url: str) -> str:
    """Accept the postgres:// spellings people paste and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    url = normalise_url(url or get_settings().database_url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseConfigError(
            f"DATABASE_URL 格式错误：{url!r}。示例：postgresql://用户:密码@主机:5432/库名 或 sqlite:///路径/paoban.db"
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        settings = get_settings()
        return create_engine(
            url, pool_pre_ping=True, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
        )
    raise DatabaseConfigError(f"不支持的数据库类型 {backend!r}（DATABASE_URL={url!r}）：只支持 sqlite 与 postgresql")


def get_engine(url: str | None = None) -> Engine:
    """The process's one engine (one pool) per store, however the caller names it."""
    return _engine_for(normalise_url(url or get_settings().database_url))


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def forget_engines() -> None:
    """Drop the cached engines, for a process (a test) that switches stores."""
    _engine_for.cache_clear()


def check_connection(engine: Engine) -> None:
    """Fail early with a message naming the server, instead of a driver traceback."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        shown = engine.url.render_as_string(hide_password=True)
        raise DatabaseConfigError(
            f"无法连接数据库 {shown}：{exc.orig}。请检查服务器是否启动、地址端口与账号密码是否正确。"
        ) from exc
