"""Exchange calls, the volume path: a batch of validated calls is deduplicated against the
calls already counted, folded into the daily rollup and the monthly totals scoring and
the department page read, and only the failed calls are kept raw (the evidence an inspector cites).
All column-at-a-time; no Python loop per call.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from collectors.config import SourceConfig
from data.clock import utcnow
from data.load import merge_frame
from data.models import (
    DURATION_BUCKETS_MS,
    HIST_COLUMNS,
    NO_FAULT_CODE,
    CallIdBatch,
    ExchangeCall,
    ExchangeDaily,
    ExchangeFaultMonth,
    ExchangePartnerMonth,
    ExchangeServiceDaily,
    ExchangeServiceMonth,
)

ROLLUP_KEYS = ["day", "provider_dept_id", "consumer_dept_id", "service_code"]
ROLLUP_ADD = ["calls", "failures", "duration_sum_ms", "duration_count"]
SERVICE_DAY_KEYS = ["day", "provider_dept_id", "service_code"]
SERVICE_MONTH_KEYS = ["month", "provider_dept_id", "service_code"]
PARTNER_MONTH_KEYS = ["month", "provider_dept_id", "consumer_dept_id"]
FAULT_MONTH_KEYS = [*SERVICE_MONTH_KEYS, "fault_code"]


def id_hashes(call_ids: pd.Series) -> np.ndarray:
    """64-bit keyed SipHash of each call id: the same id hashes alike in every process, so
    batches committed by earlier runs can be compared with this one."""
    return pd.util.hash_array(
        call_ids.to_numpy(dtype=object), hash_key="paoban-callids01", categorize=False
    )  # ids are nearly all distinct: factorizing first only costs


def already_counted(conn: Connection, hashes: np.ndarray, at: np.ndarray, window: timedelta) -> np.ndarray:
    """Mask of the calls (id hashes, request times as datetime64[us]) a committed batch
    counted: copies of a call lie at most `window` apart, so each stored batch is searched
    only for the calls within its time range ± window (for a log in time order, the first
    minutes of a batch)."""
    t = CallIdBatch.__table__
    seen = np.zeros(len(hashes), dtype=bool)
    lo, hi = instant(at.min()), instant(at.max())
    rows = conn.execute(
        select(t.c.min_requested_at, t.c.max_requested_at, t.c.id_hashes).where(
            t.c.max_requested_at >= lo - window, t.c.min_requested_at <= hi + window
        )
    )
    for first, last, blob in rows:
        near = np.flatnonzero((at >= np.datetime64(first - window, "us")) & (at <= np.datetime64(last + window, "us")))
        if not len(near):
            continue
        stored = np.frombuffer(blob, dtype=np.uint64)
        pos = np.searchsorted(stored, hashes[near])
        pos[pos == len(stored)] = 0
        seen[near] |= stored[pos] == hashes[near]
    return seen


def instant(value: np.datetime64) -> datetime:
    """A datetime64 as the naive datetime the store's timestamp columns take."""
    return pd.Timestamp(value).to_pydatetime()


@dataclass
class Folds:
    """One batch of new calls as rows to add to each rollup table, sorted by its key."""

    daily: pd.DataFrame
    service_daily: pd.DataFrame
    service_month: pd.DataFrame
    partner_month: pd.DataFrame
    fault_month: pd.DataFrame


@dataclass
class NewCalls:
    """A batch's valid calls, each once, as all that can be prepared before the store is
    asked which of them it has counted already (in the pipeline, by the worker): their id
    hashes, their fold keys and the failed ones as evidence rows. No text per call crosses
    from the worker, only integer codes."""

    keys: Keys | None  # None: no valid calls
    failed: pd.DataFrame  # exchange_call rows of the failed calls (the evidence kept raw), by position
    hashes: np.ndarray
    duplicate: int  # repeated within the batch


def prepare_calls(cfg: SourceConfig, calls: pd.DataFrame) -> NewCalls:
    if calls.empty:
        return NewCalls(None, pd.DataFrame(), np.empty(0, dtype=np.uint64), 0)
    all_hashes = id_hashes(calls["call_id"])
    first = ~pd.Series(all_hashes).duplicated().to_numpy()
    unique = (calls if first.all() else calls[first]).reset_index(drop=True)
    return NewCalls(Keys(unique, cfg.timezone), evidence(cfg, unique), all_hashes[first], len(calls) - len(unique))


def store_calls(conn: Connection, cfg: SourceConfig, new: NewCalls) -> tuple[int, int]:
    """Count each call not counted before; return (loaded, duplicate)."""
    if new.keys is None:
        return 0, new.duplicate
    keys, failed, hashes = new.keys, new.failed, new.hashes
    seen = already_counted(conn, hashes, keys.at, timedelta(minutes=cfg.dedupe_window_minutes))
    duplicate = new.duplicate + int(seen.sum())
    if seen.all():
        return 0, duplicate
    if seen.any():  # an export overlapping one already read: only the calls it adds
        keys, hashes = keys.subset(~seen), hashes[~seen]
        failed = failed[~seen[failed.index.to_numpy()]]
    folds = fold(keys)
    conn.execute(
        insert(CallIdBatch.__table__),
        [
            {
                "source": cfg.name,
                "min_requested_at": instant(keys.at.min()),
                "max_requested_at": instant(keys.at.max()),
                "rows": len(hashes),
                "id_hashes": np.sort(hashes).tobytes(),
                "created_at": utcnow(),
            }
        ],
    )
    merge_frame(conn, ExchangeCall, failed, ["requested_at", "call_id"])
    merge_frame(conn, ExchangeDaily, folds.daily, ROLLUP_KEYS, ROLLUP_ADD)
    merge_frame(conn, ExchangeServiceDaily, folds.service_daily, SERVICE_DAY_KEYS, ROLLUP_ADD)
    merge_frame(conn, ExchangeServiceMonth, folds.service_month, SERVICE_MONTH_KEYS, [*ROLLUP_ADD, *HIST_COLUMNS])
    merge_frame(conn, ExchangePartnerMonth, folds.partner_month, PARTNER_MONTH_KEYS, ["calls", "failures"])
    merge_frame(conn, ExchangeFaultMonth, folds.fault_month, FAULT_MONTH_KEYS, ["failures"])
    return len(hashes), duplicate


def evidence(cfg: SourceConfig, calls: pd.DataFrame) -> pd.DataFrame:
    """The failed calls as exchange_call rows (the raw evidence), by the calls' index."""
    failed = calls[~calls["succeeded"].astype(bool)]
    return pd.DataFrame(
        {
            "call_id": failed["call_id"].astype(object),
            "requested_at": failed["requested_at"].dt.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "consumer_dept_id": failed["consumer_dept_id"].astype("int64"),
            "provider_dept_id": failed["provider_dept_id"].astype("int64"),
            "service_code": failed["service_code"].astype(object),
            "succeeded": False,
            "status_code": failed["status_code"].astype(object),
            "fault_code": failed["fault_code"].astype(object),
            "duration_ms": failed["duration_ms"].astype("Int64"),
            "source": cfg.name,
        },
        index=failed.index,
    )


def local_days(requested_at: pd.Series, tz: str) -> np.ndarray:
    """Naive UTC instants → the local day each falls on in `tz`, as datetime64[D]."""
    local = requested_at.dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)
    return local.to_numpy().astype("datetime64[D]")


def text_codes(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(code of each value, the distinct values as str objects): codes ascend with the
    values. Arrow encodes the column; only the few distinct values become Python strings."""
    arr = pa.array(text.array)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    encoded = arr.cast(pa.string()).dictionary_encode()
    values = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    order = np.argsort(values, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[encoded.indices.to_numpy()], values[order]


class Keys:
    """New calls as what the folds read: each key column as small integer codes (ascending
    with the values), so a group is one int64 and grouping is one hash pass whatever the
    number of key columns, plus the measures. Days and months are kept as the text the
    store's date columns take. Built by the pipeline's worker: a batch crosses to the
    storing process as integer arrays, with no text per call."""

    ROW_ARRAYS = ("at", "day", "month", "provider", "consumer", "service", "failed", "duration", "fault")

    def __init__(self, calls: pd.DataFrame, tz: str):
        self.at = calls["requested_at"].to_numpy(dtype="datetime64[us]")
        self.day, days = pd.factorize(local_days(calls["requested_at"], tz), sort=True)
        days = np.asarray(days, dtype="datetime64[D]")
        self.days = np.asarray(np.datetime_as_string(days, unit="D"), dtype=object)
        self.month, months = pd.factorize(days.astype("datetime64[M]")[self.day], sort=True)
        self.months = np.asarray([f"{m}-01" for m in np.asarray(months, dtype="datetime64[M]")], dtype=object)
        self.provider, self.providers = pd.factorize(calls["provider_dept_id"].to_numpy(dtype=np.int64), sort=True)
        self.consumer, self.consumers = pd.factorize(calls["consumer_dept_id"].to_numpy(dtype=np.int64), sort=True)
        self.service, self.services = text_codes(calls["service_code"])
        self.failed = ~calls["succeeded"].to_numpy(dtype=bool)
        self.duration = calls["duration_ms"].to_numpy(dtype="float64", na_value=np.nan)
        self.fault = np.zeros(
            len(calls), dtype=np.int64
        )  # the code of each failed call's fault, NO_FAULT_CODE for none
        self.faults = np.asarray([NO_FAULT_CODE], dtype=object)
        if self.failed.any():
            self.fault[self.failed], self.faults = text_codes(
                calls["fault_code"][self.failed].astype("string").fillna(NO_FAULT_CODE)
            )

    def subset(self, keep: np.ndarray) -> Keys:
        """The calls in the mask `keep`; codes keep their values."""
        part = copy.copy(self)
        for name in self.ROW_ARRAYS:
            setattr(part, name, getattr(self, name)[keep])
        return part

    def group(self, names: list[str], mask: np.ndarray | None = None):
        """(group of each row, values of each key per group) for the rows in `mask`."""
        columns = [
            (getattr(self, n) if mask is None else getattr(self, n)[mask], getattr(self, n + "s")) for n in names
        ]
        composite = np.zeros(len(columns[0][0]), dtype=np.int64)
        for codes, values in columns:
            composite = composite * len(values) + codes
        inverse, uniques = pd.factorize(composite, sort=True)
        keys = []
        for _codes, values in reversed(columns):
            picked = np.asarray(values)[uniques % len(values)]
            # text stays object: pandas would copy it into Arrow only for merge_frame to copy it back
            keys.append(pd.Series(picked, dtype=object) if picked.dtype == object else picked)
            uniques = uniques // len(values)
        return inverse, keys[::-1]


def fold(keys: Keys) -> Folds:
    """New calls → rows for exchange_daily (local day × provider × consumer × service),
    exchange_service_daily (local day × provider × service), exchange_service_month (with
    the duration histogram), exchange_partner_month and exchange_fault_month (failures per
    fault code, NO_FAULT_CODE for none)."""
    failed, duration = keys.failed, keys.duration
    has = ~np.isnan(duration)
    bucket = np.searchsorted(np.asarray(DURATION_BUCKETS_MS), duration, side="left")

    def counts(inverse: np.ndarray, size: int, with_durations: bool) -> dict[str, np.ndarray]:
        out = {
            "calls": np.bincount(inverse, minlength=size),
            "failures": np.bincount(inverse, weights=failed, minlength=size).astype(np.int64),
        }
        if with_durations:
            out["duration_sum_ms"] = (
                np.bincount(inverse[has], weights=duration[has], minlength=size).round().astype(np.int64)
            )
            out["duration_count"] = np.bincount(inverse[has], minlength=size)
        return out

    inverse, (day, provider, consumer, service) = keys.group(["day", "provider", "consumer", "service"])
    daily = pd.DataFrame(
        {
            "day": day,
            "provider_dept_id": provider,
            "consumer_dept_id": consumer,
            "service_code": service,
            **counts(inverse, len(day), True),
        }
    )
    inverse, (day, provider, service) = keys.group(["day", "provider", "service"])
    service_daily = pd.DataFrame(
        {"day": day, "provider_dept_id": provider, "service_code": service, **counts(inverse, len(day), True)}
    )
    inverse, (month, provider, service) = keys.group(["month", "provider", "service"])
    hist = np.bincount(
        inverse[has] * len(HIST_COLUMNS) + bucket[has], minlength=len(month) * len(HIST_COLUMNS)
    ).reshape(len(month), len(HIST_COLUMNS))
    service_month = pd.DataFrame(
        {
            "month": month,
            "provider_dept_id": provider,
            "service_code": service,
            **counts(inverse, len(month), True),
            **{name: hist[:, i] for i, name in enumerate(HIST_COLUMNS)},
        }
    )
    inverse, (month, provider, consumer) = keys.group(["month", "provider", "consumer"])
    partner_month = pd.DataFrame(
        {
            "month": month,
            "provider_dept_id": provider,
            "consumer_dept_id": consumer,
            **counts(inverse, len(month), False),
        }
    )
    fault_month = pd.DataFrame(columns=[*FAULT_MONTH_KEYS, "failures"])
    if failed.any():
        inverse, (month, provider, service, code) = keys.group(["month", "provider", "service", "fault"], failed)
        fault_month = pd.DataFrame(
            {
                "month": month,
                "provider_dept_id": provider,
                "service_code": service,
                "fault_code": code,
                "failures": np.bincount(inverse, minlength=len(month)),
            }
        )
    return Folds(daily, service_daily, service_month, partner_month, fault_month)


def prune_counted(conn: Connection, cfg: SourceConfig) -> int:
    """Forget call ids counted longer ago than dedupe_keep_days (bounded storage)."""
    t = CallIdBatch.__table__
    cutoff = utcnow() - timedelta(days=cfg.dedupe_keep_days)
    return conn.execute(delete(t).where(t.c.source == cfg.name, t.c.created_at < cutoff)).rowcount
