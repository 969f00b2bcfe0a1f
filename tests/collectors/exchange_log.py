"""Generated exchange-log CSVs for the volume, crash and idempotency tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = {
    "调用流水号": "call_id",
    "调用时间": "requested_at",
    "调用方部门": "consumer_dept",
    "提供方部门": "provider_dept",
    "服务编码": "service_code",
    "调用结果": "succeeded",
    "错误码": "fault_code",
    "响应时长(毫秒)": "duration_ms",
}
UNKNOWN = "市未登记局"


def department_names(n: int) -> list[str]:
    return [f"测试部门{i:03d}" for i in range(n)]


def write_exchange_log(
    path: Path,
    rows: int,
    departments: int = 20,
    services: int = 200,
    start: str = "2026-03-01",
    days: int = 30,
    seed: int = 7,
    id_prefix: str = "C",
    encoding: str = "utf-8",
    unknown_every: int = 0,
    first_id: int = 0,
) -> pd.DataFrame:
    """Calls in time order; 2 % fail; every `unknown_every`-th call names an unregistered
    department. Returns the frame written (for expected counts)."""
    rng = np.random.default_rng(seed)
    names = np.array(department_names(departments))
    owner = rng.integers(0, departments, services)
    service = rng.integers(0, services, rows)
    seconds = np.sort(rng.integers(0, days * 86400, rows))
    times = pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s")
    ok = rng.random(rows) >= 0.02
    frame = pd.DataFrame(
        {
            "调用流水号": [f"{id_prefix}{i:09d}" for i in range(first_id, first_id + rows)],
            "调用时间": times.strftime("%Y-%m-%d %H:%M:%S"),
            "调用方部门": names[rng.integers(0, departments, rows)],
            "提供方部门": names[owner[service]],
            "服务编码": np.char.add("S", service.astype(str)),
            "调用结果": np.where(ok, "成功", "失败"),
            "错误码": np.where(ok, "", "E500"),
            "响应时长(毫秒)": rng.integers(1, 3000, rows),
        }
    )
    if unknown_every:
        frame.loc[frame.index[::unknown_every], "调用方部门"] = UNKNOWN
    frame.to_csv(path, index=False, encoding=encoding)
    return frame
