"""Exchange calls, the volume path: a batch of validated calls is deduplicated against the
calls already counted, folded into the daily rollup and the monthly totals scoring and
the department page read, and only the failed calls are kept raw (the evidence an inspector cites).
All column-at-a-time; no Python loop per call.
"""
from __future__ import annotations

import io
from datetime import timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from collectors.config import SourceConfig
from data.models import DURATION_BUCKETS_MS, NO_FAULT_CODE, CallIdBatch, utcnow

ROLLUP_KEYS = ["day", "provider_dept_id", "consumer_dept_id", "service_code"]
HIST = [f"h{i}" for i in range(len(DURATION_BUCKETS_MS) + 1)]
ROLLUP_ADD = ["calls", "failures", "duration_sum_ms", "duration_count", *HIST]
SERVICE_MONTH_KEYS = ["month", "provider_dept_id", "service_code"]
PARTNER_MONTH_KEYS = ["month", "provider_dept_id", "consumer_dept_id"]
FAULT_MONTH_KEYS = [*SERVICE_MONTH_KEYS, "fault_code"]


def id_hashes(call_ids: pd.Series) -> np.ndarray:
    """64-bit keyed SipHash of each call id: the same id hashes alike in every process, so
    batches committed by earlier runs can be compared with this one."""
    return pd.util.hash_pandas_object(call_ids, index=False,
                                      hash_key="paoban-callids01").to_numpy(dtype=np.uint64)


def already_counted(conn: Connection, hashes: np.ndarray, lo, hi, window: timedelta) -> np.ndarray:
    """Mask of hashes counted by a committed batch whose time range meets [lo, hi] ± window."""
    t = CallIdBatch.__table__
    seen = np.zeros(len(hashes), dtype=bool)
    rows = conn.execute(select(t.c.id_hashes).where(t.c.max_requested_at >= lo - window,
                                                    t.c.min_requested_at <= hi + window))
    for (blob,) in rows:
        stored = np.frombuffer(blob, dtype=np.uint64)
        pos = np.searchsorted(stored, hashes)
        pos[pos == len(stored)] = 0
        seen |= stored[pos] == hashes
    return seen


def load_calls(conn: Connection, cfg: SourceConfig, calls: pd.DataFrame) -> tuple[int, int]:
    """Count each new call once; return (loaded, duplicate)."""
    if calls.empty:
        return 0, 0
    all_hashes = id_hashes(calls["call_id"])
    first = ~pd.Series(all_hashes).duplicated().to_numpy()
    unique, hashes = calls[first], all_hashes[first]
    duplicate = len(calls) - len(unique)
    at = unique["requested_at"]
    lo, hi = at.min().to_pydatetime(), at.max().to_pydatetime()
    seen = already_counted(conn, hashes, lo, hi, timedelta(minutes=cfg.dedupe_window_minutes))
    new = unique[~seen]
    duplicate += int(seen.sum())
    if new.empty:
        return 0, duplicate
    new_hashes = np.sort(hashes[~seen])
    conn.execute(insert(CallIdBatch.__table__), [{
        "source": cfg.name, "min_requested_at": new["requested_at"].min().to_pydatetime(),
        "max_requested_at": new["requested_at"].max().to_pydatetime(), "rows": len(new),
        "id_hashes": new_hashes.tobytes(), "created_at": utcnow()}])
    keep_failed(conn, cfg, new)
    daily = rollup(new, cfg.timezone)
    merge_rows(conn, "exchange_daily", daily, ROLLUP_KEYS, ROLLUP_ADD)
    tables = {"exchange_service_month": SERVICE_MONTH_KEYS, "exchange_partner_month": PARTNER_MONTH_KEYS}
    for (table, keys), totals in zip(tables.items(), month_totals(daily, *tables.values())):
        merge_rows(conn, table, totals, keys, ["calls", "failures"])
    faults = fault_months(new, cfg.timezone)
    if not faults.empty:
        merge_rows(conn, "exchange_fault_month", faults, FAULT_MONTH_KEYS, ["failures"])
    return len(new), duplicate


def keep_failed(conn: Connection, cfg: SourceConfig, calls: pd.DataFrame) -> None:
    failed = calls[~calls["succeeded"].astype(bool)]
    if failed.empty:
        return
    frame = pd.DataFrame({
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
    })
    merge_rows(conn, "exchange_call", frame, ["call_id"])


def local_days(requested_at: pd.Series, tz: str) -> pd.Series:
    """Naive UTC instants → the local day (midnight) each falls on in `tz`."""
    return requested_at.dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None).dt.floor("D")


def rollup(calls: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Calls → one row per local day × provider × consumer × service, with the duration
    histogram of data.models.DURATION_BUCKETS_MS (bucket i holds durations ≤ bound i)."""
    day = local_days(calls["requested_at"], tz)
    keys = pd.DataFrame({"day": day, "provider_dept_id": calls["provider_dept_id"].astype("int64"),
                         "consumer_dept_id": calls["consumer_dept_id"].astype("int64"),
                         "service_code": calls["service_code"].astype("string")})
    codes = keys.groupby(ROLLUP_KEYS, sort=True, observed=True).ngroup().to_numpy()
    groups = int(codes.max()) + 1
    failed = (~calls["succeeded"].astype(bool)).to_numpy()
    duration = pd.to_numeric(calls["duration_ms"], errors="coerce").astype("float64").to_numpy()
    has = ~np.isnan(duration)
    out = keys.iloc[np.unique(codes, return_index=True)[1]].reset_index(drop=True)
    out["calls"] = np.bincount(codes, minlength=groups)
    out["failures"] = np.bincount(codes, weights=failed, minlength=groups).astype(np.int64)
    out["duration_sum_ms"] = np.bincount(codes[has], weights=duration[has], minlength=groups).round().astype(np.int64)
    out["duration_count"] = np.bincount(codes[has], minlength=groups)
    bucket = np.searchsorted(np.asarray(DURATION_BUCKETS_MS), duration[has], side="left")
    hist = np.bincount(codes[has] * len(HIST) + bucket, minlength=groups * len(HIST)).reshape(groups, len(HIST))
    for i, name in enumerate(HIST):
        out[name] = hist[:, i]
    out["day"] = out["day"].dt.strftime("%Y-%m-%d")
    return out


def month_totals(daily: pd.DataFrame, *key_sets: list[str]) -> list[pd.DataFrame]:
    """The day rollup of a batch (days as 'YYYY-MM-DD') → for each key set, calls and
    failures per local month (its first day) × its other keys."""
    months = daily.assign(month=daily["day"].str.slice(0, 8) + "01")
    return [months.groupby(keys, sort=True, as_index=False)[["calls", "failures"]].sum() for keys in key_sets]


def fault_months(calls: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Failed calls → failures per local month × provider × service × fault code
    (NO_FAULT_CODE for a failure without one)."""
    failed = calls[~calls["succeeded"].astype(bool)]
    keys = pd.DataFrame({"month": local_days(failed["requested_at"], tz).dt.strftime("%Y-%m-01"),
                         "provider_dept_id": failed["provider_dept_id"].astype("int64"),
                         "service_code": failed["service_code"].astype("string"),
                         "fault_code": failed["fault_code"].astype("string").fillna(NO_FAULT_CODE)})
    return keys.groupby(FAULT_MONTH_KEYS, sort=True, as_index=False).size().rename(columns={"size": "failures"})


def merge_rows(conn: Connection, table: str, frame: pd.DataFrame, keys: list[str],
               add: list[str] = ()) -> None:
    """Insert rows; on a key conflict add the `add` columns (or keep the stored row).

    data.load's helpers build one Python dict per row, which at a province's volume (a
    batch folds into ~100 k rollup rows) costs more than the rest of the batch; here
    SQLite gets plain tuples through executemany and PostgreSQL a CSV through COPY.
    """
    cols = list(frame.columns)
    collist = ", ".join(cols)
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in add)
    conflict = f"ON CONFLICT ({', '.join(keys)}) " + (f"DO UPDATE SET {sets}" if add else "DO NOTHING")
    if conn.dialect.name == "postgresql":
        tmp = f"tmp_merge_{table}"
        conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {tmp} (LIKE {table} INCLUDING DEFAULTS) "
                             "ON COMMIT DROP")
        conn.exec_driver_sql(f"TRUNCATE {tmp}")
        buf = io.BytesIO()
        pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), buf,
                        pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        with conn.connection.driver_connection.cursor() as cur:
            with cur.copy(f"COPY {tmp} ({collist}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(buf.getvalue())
        conn.exec_driver_sql(f"INSERT INTO {table} ({collist}) SELECT {collist} FROM {tmp} {conflict}")
        return
    conn.exec_driver_sql("PRAGMA cache_size=-65536")
    columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist()
               if frame[c].dtype == object or str(frame[c].dtype) in ("Int64", "string", "str")
               else frame[c].tolist() for c in cols]
    marks = ", ".join("?" for _ in cols)
    conn.exec_driver_sql(f"INSERT INTO {table} ({collist}) VALUES ({marks}) {conflict}", list(zip(*columns)))


def prune_counted(conn: Connection, cfg: SourceConfig) -> int:
    """Forget call ids counted longer ago than dedupe_keep_days (bounded storage)."""
    t = CallIdBatch.__table__
    cutoff = utcnow() - timedelta(days=cfg.dedupe_keep_days)
    return conn.execute(delete(t).where(t.c.source == cfg.name, t.c.created_at < cutoff)).rowcount
