"""The detection frame every detector returns, and the day grids they compute on."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

DETECTION_COLUMNS = ("kind", "subject", "dept_code", "severity", "day", "value", "baseline", "message", "evidence")


def empty() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="float64" if c in ("value", "baseline") else "object") for c in DETECTION_COLUMNS}
    )


def dept_names(names: pd.Series, ids) -> np.ndarray:
    """The names of department ids (names: by dept_id), 未知部门 for an id not registered."""
    return names.reindex(ids).fillna("未知部门").to_numpy()


def pct(x: float) -> str:
    """A rate for a message: 12.3%, or 无数据 for NaN."""
    return "无数据" if x != x else f"{x:.1%}"


def detections(**columns) -> pd.DataFrame:
    """A detection frame from equal-length columns (scalars are repeated); days as datetime.date."""
    n = max((len(v) for v in columns.values() if not np.isscalar(v) and v is not None), default=0)
    if n == 0:
        return empty()
    out = pd.DataFrame({c: _column(columns.get(c), n) for c in DETECTION_COLUMNS})
    out["day"] = [pd.Timestamp(d).date() for d in out["day"]]
    out["dept_code"] = [None if d is None or d != d else int(d) for d in out["dept_code"]]
    out["value"] = out["value"].astype("float64")
    out["baseline"] = out["baseline"].astype("float64")
    return out


def _column(v, n: int):
    if v is None or np.isscalar(v):
        return pd.Series([v] * n, dtype="object")
    return pd.Series(list(v), dtype="object")


class DayGrid:
    """Consecutive local days [first, last] as positions 0…n-1: detectors build dense
    (subject × day) arrays on it and take trailing-window sums with one cumulative sum."""

    def __init__(self, first: date, last: date):
        self.first, self.last = first, last
        self.n = (last - first).days + 1

    def pos(self, days: pd.Series) -> np.ndarray:
        return (pd.to_datetime(days).to_numpy(dtype="datetime64[D]") - np.datetime64(self.first, "D")).astype(np.int64)

    def day(self, pos: np.ndarray) -> np.ndarray:
        return np.datetime64(self.first, "D") + np.asarray(pos, dtype=np.int64)

    def dense(self, keys: pd.Series, days: pd.Series, values: pd.Series, order: pd.Index) -> np.ndarray:
        """Values summed into an array of shape (len(order), n): row = key's place in order."""
        return self.dense_rows(order.get_indexer(keys), days, values, len(order))

    def dense_rows(self, rows: np.ndarray, days: pd.Series, values: pd.Series, n_rows: int) -> np.ndarray:
        """Values summed into an array of shape (n_rows, n) at the given rows (-1: dropped)."""
        p = self.pos(days)
        ok = (p >= 0) & (p < self.n) & (rows >= 0)
        flat = np.bincount(
            rows[ok] * self.n + p[ok], weights=values.to_numpy(dtype="float64")[ok], minlength=n_rows * self.n
        )
        return flat.reshape(n_rows, self.n)

    def positions(self, days: list[date]) -> np.ndarray:
        """Grid positions of the checked days (all inside the grid)."""
        return np.array([(d - self.first).days for d in days], dtype=np.int64)


def trailing(grid: np.ndarray, window: int, gap: int = 0) -> np.ndarray:
    """For each day t, the sum of grid over days [t - gap - window + 1, t - gap] (days before
    the grid count as 0): window=7, gap=0 is the week ending on t; gap=7 the window before it."""
    c = np.concatenate([np.zeros((grid.shape[0], 1)), np.cumsum(grid, axis=1)], axis=1)
    t = np.arange(grid.shape[1])
    hi = np.clip(t - gap + 1, 0, grid.shape[1])
    lo = np.clip(t - gap - window + 1, 0, grid.shape[1])
    return c[:, hi] - c[:, lo]
