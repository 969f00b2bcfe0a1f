"""Benchmark input files: an exchange-log CSV, the department register, the catalog.

The log is written in chunks of numpy arrays turned into Arrow columns, so ten million
rows never become ten million Python objects; everything is deterministic from a seed.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from bench.world import FAULT_CODES, FREQUENCIES, REGISTER_ALIASES, SHARE_TYPES, World

LOG_COLUMNS = {  # header in the file → canonical field (docs/sources.md)
    "调用流水号": "call_id",
    "调用时间": "requested_at",
    "调用方部门": "consumer_dept",
    "提供方部门": "provider_dept",
    "服务编码": "service_code",
    "调用结果": "succeeded",
    "错误码": "fault_code",
    "响应时长(毫秒)": "duration_ms",
}
REGISTER_COLUMNS = {"部门名称": "name", "部门类别": "category", "别名": "aliases"}
CATALOG_COLUMNS = {
    "资源编码": "resource_code",
    "资源名称": "name",
    "提供部门": "provider_dept",
    "共享类型": "share_type",
    "更新频率": "update_frequency",
    "是否挂接": "mounted",
    "服务编码": "service_code",
    "注册日期": "registered_at",
}
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
BAD_DATE = "2026-13-45 25:61:00"
UNKNOWN_DEPARTMENT = "市未登记局"
MALFORMED_SHARE = 0.001  # of the rows, split evenly: bad date, unknown department, negative duration
CHUNK_ROWS = 500_000


@dataclass
class LogStats:
    """What a file holds, counted while writing it: the checks compare the store with it."""

    rows: int = 0
    bad_date: int = 0
    unknown_department: int = 0
    negative_duration: int = 0
    valid: int = 0
    valid_failures: int = 0

    @property
    def malformed(self) -> int:
        return self.bad_date + self.unknown_department + self.negative_duration

    def add(self, other: LogStats) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)


def _dictionary(indices: np.ndarray, values, mask: np.ndarray | None = None) -> pa.Array:
    """Decode small-integer codes to strings inside Arrow (no per-row Python strings)."""
    codes = pa.array(indices.astype(np.int32), mask=mask)
    return pa.DictionaryArray.from_arrays(codes, pa.array(list(values))).cast(pa.string())


def _log_chunk(
    world: World, rng: np.random.Generator, first_row: int, n: int, t0: int, t1: int, id_prefix: str
) -> tuple[pa.Table, LogStats]:
    pair = np.minimum(np.searchsorted(world.pair_cdf, rng.random(n)), len(world.pair_cdf) - 1)
    consumer = world.pair_consumer[pair]
    service = world.pair_service[pair]
    provider = world.service_provider[service]
    failed = rng.random(n) < world.service_failure_rate[service]
    duration = (rng.lognormal(np.log(80.0), 0.9, n) + 1).astype(np.int64)
    seconds = np.sort(rng.integers(t0, max(t1, t0 + 1), n))

    spelled = consumer.copy()
    aliased = (world.alias_of[consumer] >= 0) & (rng.random(n) < 0.3)
    spelled[aliased] = world.alias_of[consumer[aliased]]
    kind = rng.random(n)
    bad_date = kind < MALFORMED_SHARE / 3
    unknown = (kind >= MALFORMED_SHARE / 3) & (kind < 2 * MALFORMED_SHARE / 3)
    negative = (kind >= 2 * MALFORMED_SHARE / 3) & (kind < MALFORMED_SHARE)
    spelled[unknown] = len(world.spellings)
    duration[negative] = -duration[negative]
    valid = ~(bad_date | unknown | negative)

    times = pc.strftime(pa.array(seconds).cast(pa.timestamp("s")), format=TIME_FORMAT)
    times = pc.if_else(pa.array(bad_date), BAD_DATE, times)
    ids = pc.utf8_lpad(pa.array(np.arange(first_row, first_row + n)).cast(pa.string()), width=10, padding="0")
    table = pa.table(
        {
            "调用流水号": pc.binary_join_element_wise(id_prefix, ids, ""),
            "调用时间": times,
            "调用方部门": _dictionary(spelled, (*world.spellings, UNKNOWN_DEPARTMENT)),
            "提供方部门": _dictionary(provider, world.names),
            "服务编码": _dictionary(service, world.service_codes),
            "调用结果": _dictionary(failed.astype(np.int32), ("成功", "失败")),
            "错误码": _dictionary(rng.integers(0, len(FAULT_CODES), n), FAULT_CODES, mask=~failed),
            "响应时长(毫秒)": pa.array(duration),
        }
    )
    stats = LogStats(
        rows=n,
        bad_date=int(bad_date.sum()),
        unknown_department=int(unknown.sum()),
        negative_duration=int(negative.sum()),
        valid=int(valid.sum()),
        valid_failures=int((failed & valid).sum()),
    )
    return table, stats


def write_exchange_log(
    path: Path, world: World, rows: int, start: date, days: int, seed: int, id_prefix: str, chunk_rows: int = CHUNK_ROWS
) -> LogStats:
    """`rows` calls spread in time order over `days` local days from `start`."""
    t_start = int((datetime.combine(start, datetime.min.time()) - datetime(1970, 1, 1)).total_seconds())
    span = days * 86400
    total = LogStats()
    path.parent.mkdir(parents=True, exist_ok=True)
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    writer = None
    try:
        for chunk_no, first in enumerate(range(0, rows, chunk_rows)):
            n = min(chunk_rows, rows - first)
            rng = np.random.default_rng([seed, chunk_no])
            t0 = t_start + span * first // rows
            t1 = t_start + span * (first + n) // rows
            table, stats = _log_chunk(world, rng, first, n, t0, t1, id_prefix)
            if writer is None:
                writer = pacsv.CSVWriter(str(path), table.schema, write_options=options)
            writer.write_table(table)
            total.add(stats)
    finally:
        if writer is not None:
            writer.close()
    return total


def write_department_register(path: Path, world: World) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(list(REGISTER_COLUMNS))
        for name, category in zip(world.names, world.categories):
            out.writerow([name, category, REGISTER_ALIASES.get(name, "")])


def write_catalog(path: Path, world: World, seed: int, registered_on: date) -> None:
    """One catalog resource per service, most of them mounted, so the calls score."""
    rng = np.random.default_rng([seed, 1_000_000])
    share = rng.choice(len(SHARE_TYPES), len(world.service_provider), p=[0.5, 0.4, 0.1])
    frequency = rng.integers(0, len(FREQUENCIES), len(world.service_provider))
    mounted = rng.random(len(world.service_provider)) < 0.9
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(list(CATALOG_COLUMNS))
        for j, code in enumerate(world.service_codes):
            provider = world.names[world.service_provider[j]]
            out.writerow(
                [
                    f"ZY{j:06d}",
                    f"{provider}共享资源{j:04d}",
                    provider,
                    SHARE_TYPES[share[j]],
                    FREQUENCIES[frequency[j]],
                    "是" if mounted[j] else "否",
                    code,
                    registered_on.isoformat(),
                ]
            )
