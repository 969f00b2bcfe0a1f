"""Set-based bulk loading: one statement per chunk, never one ORM object per row.

Every function takes an open Connection so that the caller decides the transaction
(collectors load a batch and advance the source cursor in the same one).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
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


def _conflict(table: str, keys: Sequence[str], update: Sequence[str] | None, add: Sequence[str]) -> str:
    """ON CONFLICT clause: overwrite `update` columns, add `add` columns, or keep the stored row."""
    sets = [f'"{c}" = EXCLUDED."{c}"' for c in update or ()]
    sets += [f'"{c}" = "{table}"."{c}" + EXCLUDED."{c}"' for c in add or ()]
    keylist = ", ".join(f'"{k}"' for k in keys)
    return f"ON CONFLICT ({keylist}) " + (f"DO UPDATE SET {', '.join(sets)}" if sets else "DO NOTHING")


def _copy_to_temp(conn, table: str, collist: str, data, options: str = "") -> str:
    """PostgreSQL: COPY `data` into a transaction-scoped copy of `table`; return its name."""
    tmp = f"tmp_load_{table}"
    conn.exec_driver_sql(f'CREATE TEMP TABLE IF NOT EXISTS "{tmp}" (LIKE "{table}" INCLUDING DEFAULTS) ON COMMIT DROP')
    conn.exec_driver_sql(f'TRUNCATE "{tmp}"')
    with (
        conn.connection.driver_connection.cursor() as cur,
        cur.copy(f'COPY "{tmp}" ({collist}) FROM STDIN {options}') as copy,
    ):
        copy.write(data)
    return tmp


def _copy_merge(conn, table: Table, rows, keys, update, add) -> int:
    """PostgreSQL: COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT."""
    rows = _with_python_defaults(table, rows)
    cols = list(rows[0].keys())
    collist = ", ".join(f'"{c}"' for c in cols)
    buf = io.StringIO()
    for r in rows:
        buf.write("\t".join(_copy_value(r.get(c)) for c in cols))
        buf.write("\n")
    tmp = _copy_to_temp(conn, table.name, collist, buf.getvalue())
    sql = f'INSERT INTO "{table.name}" ({collist}) SELECT {collist} FROM "{tmp}" '
    if update is None:
        return len(conn.exec_driver_sql(sql + _conflict(table.name, keys, None, ()) + " RETURNING 1").all())
    conn.exec_driver_sql(sql + _conflict(table.name, keys, update, add))
    return len(rows)


def merge_frame(conn: Connection, model, frame: pd.DataFrame, keys: Sequence[str], add: Sequence[str] = ()) -> None:
    """A frame's rows inserted; on a key conflict the `add` columns summed (or the stored
    row kept). For the collectors' rollups: a batch folds into ~100 k rows, and one dict
    per row would cost more than the rest of the batch, so SQLite gets plain tuples through
    executemany and PostgreSQL, above COPY_THRESHOLD rows, a CSV through COPY."""
    if frame.empty:
        return
    table = table_of(model).name
    cols = list(frame.columns)
    collist = ", ".join(f'"{c}"' for c in cols)
    conflict = _conflict(table, keys, None, add)
    if conn.dialect.name == "postgresql" and len(frame) >= COPY_THRESHOLD:
        buf = io.BytesIO()
        pacsv.write_csv(
            pa.Table.from_pandas(frame, preserve_index=False),
            buf,
            pacsv.WriteOptions(include_header=False, quoting_style="needed"),
        )
        tmp = _copy_to_temp(conn, table, collist, buf.getvalue(), "(FORMAT csv)")
        conn.exec_driver_sql(f'INSERT INTO "{table}" ({collist}) SELECT {collist} FROM "{tmp}" {conflict}')
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size=-65536")
    columns = [
        frame[c].astype(object).where(frame[c].notna(), None).tolist()
        if frame[c].dtype == object or str(frame[c].dtype) in ("Int64", "string", "str")
        else frame[c].tolist()
        for c in cols
    ]
    marks = ", ".join("%s" if conn.dialect.name == "postgresql" else "?" for _ in cols)
    conn.exec_driver_sql(f'INSERT INTO "{table}" ({collist}) VALUES ({marks}) {conflict}', list(zip(*columns)))
