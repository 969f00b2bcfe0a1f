"""SQL: a query against another database, resumed after its incremental column."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from collectors.config import SourceConfig
from collectors.readers.base import Batch, SourceUnavailable, snapshot
from data.db import normalise_url


def to_cursor(value) -> dict:
    if isinstance(value, datetime):
        return {"value": value.isoformat(sep=" "), "type": "datetime"}
    if isinstance(value, date):
        return {"value": value.isoformat(), "type": "date"}
    if isinstance(value, (np.generic,)):
        value = value.item()
    return {"value": value if isinstance(value, (int, float, str)) else str(value), "type": "plain"}


def from_cursor(stored: dict):
    value = stored["value"]
    if stored.get("type") == "datetime":
        return datetime.fromisoformat(value)
    if stored.get("type") == "date":
        return date.fromisoformat(value)
    return value


class SqlReader:
    """Rows whose incremental value is beyond the cursor, in batches that never split
    rows sharing one incremental value (the query must ORDER BY that column)."""

    total = 0

    def __init__(self, cfg: SourceConfig, cursor: dict):
        self.cfg = cfg
        self.cursor = cursor

    def items(self) -> Iterator[Batch]:
        cfg = self.cfg
        stored = self.cursor.get("incremental")
        value = from_cursor(stored) if stored else cfg.initial_cursor
        params = {"cursor": value} if ":cursor" in cfg.query else {}
        shown = cfg.url.split("@")[-1]
        try:
            engine = create_engine(normalise_url(cfg.url))
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise SourceUnavailable(f"无法使用数据库地址 {shown}：{exc}") from exc
        try:
            with engine.connect() as conn:
                result = conn.execution_options(stream_results=True).execute(text(cfg.query), params)
                columns = list(result.keys())
                if cfg.incremental_column and cfg.incremental_column not in columns:
                    raise SourceUnavailable(
                        f"查询结果中没有增量列 {cfg.incremental_column!r}：查询返回的列为 {'、'.join(columns)}"
                    )
                yield from self._batches(result, columns)
        except SQLAlchemyError as exc:
            raise SourceUnavailable(f"查询数据库 {shown} 失败：{exc.__class__.__name__}: {exc}") from exc
        finally:
            engine.dispose()

    def _batches(self, result, columns) -> Iterator[Batch]:
        inc = columns.index(self.cfg.incremental_column) if self.cfg.incremental_column else None
        pending: list = []
        number = 0
        while True:
            chunk = result.fetchmany(self.cfg.batch_rows)
            rows = pending + [tuple(r) for r in chunk]
            if not rows:
                return
            cut = len(rows)
            if chunk and inc is not None:
                last = rows[-1][inc]
                while cut > 0 and rows[cut - 1][inc] == last:
                    cut -= 1
                if cut == 0:
                    pending = rows
                    continue
            emit, pending = rows[:cut], rows[cut:]
            if inc is not None:
                self.cursor["incremental"] = to_cursor(emit[-1][inc])
            frame = pd.DataFrame(emit, columns=columns, dtype=object)
            lines = np.arange(number + 1, number + len(emit) + 1)
            number += len(emit)
            yield Batch(frame, lines, snapshot(self.cursor), None, "json")
            if not chunk:
                return
