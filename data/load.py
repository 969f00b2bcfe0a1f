"""Set-based bulk loading: one statement per chunk, never one ORM object per row.

Every function takes an open Connection so that the caller decides the transaction
(collectors load a batch and advance the source cursor in the same one).
"""
from __future__ import annotations

import io
import math
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

CHUNK = 5000
COPY_THRESHOLD = 2000
LOOKUP_CHUNK = 900  # bound parameters per IN (...): below SQLite's old limit of 999


def table_of(model: type[SQLModel] | Table) -> Table:
    return model if isinstance(model, Table) else model.__table__  # type: ignore[attr-defined]


def plain(value):
    """A pandas/numpy cell as the plain Python value a database driver takes: NaN, NA and
    NaT become None, numpy scalars and Timestamps their Python counterparts."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return plain(value.item())
    return value


def rows_by_key(conn: Connection, model, column: str, values: Iterable, columns: Sequence[str] = ()) -> list[dict]:
    """The stored rows whose `column` is one of `values`, as dicts of `columns` (all when
    empty), looked up LOOKUP_CHUNK values per statement."""
    table = table_of(model)
    picked = [table.c[c] for c in columns] or [table]
    wanted = list(dict.fromkeys(values))
    found: list[dict] = []
    for i in range(0, len(wanted), LOOKUP_CHUNK):
        stmt = select(*picked).where(table.c[column].in_(wanted[i : i + LOOKUP_CHUNK]))
        found.extend(dict(row) for row in conn.execute(stmt).mappings())
    return found


def _dialect_insert(conn: Connection, table: Table):
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def _chunks(rows: Sequence[dict], size: int = CHUNK) -> Iterable[Sequence[dict]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def insert_ignore(conn: Connection, model, rows: Sequence[dict], keys: Sequence[str]) -> int:
    """Insert rows whose natural key is new; return how many were inserted."""
    if not rows:
        return 0
    table = table_of(model)
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_THRESHOLD:
        return _copy_merge(conn, table, rows, keys, update=None, add=None)
    inserted = 0
    for chunk in _chunks(rows):
        stmt = _dialect_insert(conn, table).on_conflict_do_nothing(index_elements=list(keys))
        stmt = stmt.returning(*[table.c[k] for k in keys])
        inserted += len(conn.execute(stmt, list(chunk)).all())
    return inserted


def upsert(
    conn: Connection,
    model,
    rows: Sequence[dict],
    keys: Sequence[str],
    update: Sequence[str] = (),
    add: Sequence[str] = (),
) -> int:
    """Insert, or on key conflict overwrite `update` columns and add `add` columns."""
    if not rows:
        return 0
    table = table_of(model)
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_THRESHOLD:
        return _copy_merge(conn, table, rows, keys, update=update, add=add)
    for chunk in _chunks(rows):
        stmt = _dialect_insert(conn, table)
        sets = {c: stmt.excluded[c] for c in update}
        sets.update({c: table.c[c] + stmt.excluded[c] for c in add})
        if sets:
            stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=sets)
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        conn.execute(stmt, list(chunk))
    return len(rows)


def _copy_value(v) -> str:
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    s = str(v)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _with_python_defaults(table: Table, rows: Sequence[dict]) -> Sequence[dict]:
    """COPY bypasses SQLAlchemy's Python-side defaults (created_at …): apply them here."""
    missing = {}
    for col in table.columns:
        if col.name in rows[0] or col.default is None or col.primary_key:
            continue
        arg = col.default.arg
        missing[col.name] = arg(None) if callable(arg) else arg
    if not missing:
        return rows
    return [{**missing, **r} for r in rows]


def _copy_merge(conn, table: Table, rows, keys, update, add) -> int:
    """PostgreSQL: COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT."""
    rows = _with_python_defaults(table, rows)
    cols = list(rows[0].keys())
    tmp = f"tmp_load_{table.name}"
    conn.exec_driver_sql(
        f'CREATE TEMP TABLE IF NOT EXISTS "{tmp}" (LIKE "{table.name}" INCLUDING DEFAULTS) '
        "ON COMMIT DROP"
    )
    conn.exec_driver_sql(f'TRUNCATE "{tmp}"')
    collist = ", ".join(f'"{c}"' for c in cols)
    raw = conn.connection.driver_connection
    buf = io.StringIO()
    for r in rows:
        buf.write("\t".join(_copy_value(r.get(c)) for c in cols))
        buf.write("\n")
    with raw.cursor() as cur:
        with cur.copy(f'COPY "{tmp}" ({collist}) FROM STDIN') as copy:
            copy.write(buf.getvalue())
    keylist = ", ".join(f'"{k}"' for k in keys)
    if update is None:
        sql = (
            f'INSERT INTO "{table.name}" ({collist}) SELECT {collist} FROM "{tmp}" '
            f"ON CONFLICT ({keylist}) DO NOTHING RETURNING 1"
        )
        return len(conn.exec_driver_sql(sql).all())
    sets = [f'"{c}" = EXCLUDED."{c}"' for c in update]
    sets += [f'"{c}" = "{table.name}"."{c}" + EXCLUDED."{c}"' for c in add]
    action = f"DO UPDATE SET {', '.join(sets)}" if sets else "DO NOTHING"
    conn.exec_driver_sql(
        f'INSERT INTO "{table.name}" ({collist}) SELECT {collist} FROM "{tmp}" '
        f"ON CONFLICT ({keylist}) {action}"
    )
    return len(rows)
