"""What a user would do instead of our collector, measured against it.

naive: `pandas.read_csv` + `DataFrame.to_sql` into the same database; it validates,
dedupes and rolls up nothing. floor: DuckDB reads the file and computes the same daily
rollup with one GROUP BY; it stores nothing, so it is a lower bound.
Run as `python -m bench.alternatives naive|floor ...` so each is timed as its own process.
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import time
from contextlib import closing, contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import make_url

from bench.generate import LOG_COLUMNS, REGISTER_COLUMNS, TIME_FORMAT
from bench.world import SOURCE_ALIASES
from data.db import make_engine

NAIVE_TABLE = "naive_exchange_log"
NAIVE_CHUNK_ROWS = 1_000_000
ROLLUP_COLUMNS = ["day", "provider", "consumer", "service_code", "calls", "failures", "duration_sum_ms"]
_FIELD = {field: header for header, field in LOG_COLUMNS.items()}


def naive_load(log_csv: Path, url: str) -> int:
    """read_csv in chunks of a million rows (to fit memory at 10 M) and to_sql each.

    SQLite gets a plain sqlite3 connection, pandas' fastest path there (executemany);
    PostgreSQL gets a SQLAlchemy engine, the only way pandas writes to it.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        target = closing(sqlite3.connect(parsed.database))
    else:
        target = _disposing(make_engine(url))
    loaded = 0
    with target as con:
        for i, frame in enumerate(pd.read_csv(log_csv, chunksize=NAIVE_CHUNK_ROWS)):
            frame.to_sql(NAIVE_TABLE, con, if_exists="replace" if i == 0 else "append", index=False)
            loaded += len(frame)
        if isinstance(con, sqlite3.Connection):
            con.commit()
    return loaded


@contextmanager
def _disposing(engine):
    try:
        yield engine
    finally:
        engine.dispose()


def spelling_map(register_csv: Path) -> dict[str, str]:
    """Every spelling of a department in the logs → its registered name."""
    name_col, alias_col = (h for h, f in REGISTER_COLUMNS.items() if f in ("name", "aliases"))
    spellings = dict(SOURCE_ALIASES)
    with register_csv.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            spellings[row[name_col]] = row[name_col]
            for alias in filter(None, row[alias_col].split("、")):
                spellings[alias] = row[name_col]
    return spellings


def duckdb_rollup(log_csv: Path, spellings: dict[str, str]) -> pa.Table:
    """Day × provider × consumer × service: calls, failures, duration sum, of the valid rows."""
    con = duckdb.connect()
    spelling = pa.table({"spelled": list(spellings), "name": list(spellings.values())})
    con.register("spelling", spelling)
    types = {header: "VARCHAR" for header in LOG_COLUMNS}
    types[_FIELD["duration_ms"]] = "BIGINT"
    col = {field: f'"{header}"' for field, header in _FIELD.items()}
    sql = f"""
        WITH calls AS (
            SELECT TRY_STRPTIME({col["requested_at"]}, '{TIME_FORMAT}') AS ts,
                   p.name AS provider, c.name AS consumer, {col["service_code"]} AS service_code,
                   {col["succeeded"]} = '失败' AS failed, {col["duration_ms"]} AS duration
            FROM read_csv(?, header = true, columns = {types!r}) AS log
            JOIN spelling AS c ON c.spelled = log.{col["consumer_dept"]}
            JOIN spelling AS p ON p.spelled = log.{col["provider_dept"]}
        )
        SELECT CAST(ts AS DATE) AS day, provider, consumer, service_code,
               count(*) AS calls, sum(failed::INTEGER) AS failures, sum(duration) AS duration_sum_ms
        FROM calls
        WHERE ts IS NOT NULL AND duration >= 0
        GROUP BY ALL
    """
    table = con.sql(sql, params=[str(log_csv)]).to_arrow_table()
    con.close()
    return table.select(ROLLUP_COLUMNS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.alternatives")
    sub = parser.add_subparsers(dest="way", required=True)
    naive = sub.add_parser("naive")
    naive.add_argument("log_csv", type=Path)
    naive.add_argument("url")
    floor = sub.add_parser("floor")
    floor.add_argument("log_csv", type=Path)
    floor.add_argument("register_csv", type=Path)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.way == "naive":
        result = {"rows": naive_load(args.log_csv, args.url)}
    else:
        table = duckdb_rollup(args.log_csv, spelling_map(args.register_csv))
        result = {"groups": table.num_rows, "calls": int(pc.sum(table["calls"]).as_py())}
    result["work_seconds"] = time.perf_counter() - started
    print(json.dumps(result))


if __name__ == "__main__":
    main()
