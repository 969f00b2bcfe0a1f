"""Collector-health detectors on the collector_run log: a source that has not delivered
for more than max_gaps of its own usual intervals (source_silent), a jump in the share of
rows it quarantines (quarantine_jump), a run that failed (file_failed). Subjects are
"source:<name>", with no department."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from data.clock import local_days, to_local, utc_start
from metrics.alerts.frame import detections, empty
from metrics.alerts.rules import FailedRunRules, QuarantineRules, SilentRules


def _checked(days: list[date]) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(sorted(pd.to_datetime(days)))


def source_silent(runs: pd.DataFrame, days: list[date], read_until: pd.Timestamp, r: SilentRules) -> pd.DataFrame:
    """Days at whose end (or at read_until, for the day being read) a source's last delivery
    (a run that read rows) is older than max_gaps × its usual interval: the median gap
    between its deliveries over the baseline_days up to that last one (at least
    min_deliveries of them), at least min_interval_hours."""
    delivered = runs[runs["rows_read"] > 0]
    window = np.timedelta64(r.baseline_days, "D")
    out = []
    for source, group in delivered.groupby("source"):
        at = np.sort(group["started_at"].to_numpy(dtype="datetime64[s]"))
        for day in _checked(days):
            end = np.datetime64(min(pd.Timestamp(utc_start((day + pd.Timedelta(days=1)).date())), read_until), "s")
            before = at[at < end]
            if not len(before):
                continue
            recent = before[before >= before[-1] - window]
            if len(recent) < r.min_deliveries:
                continue
            interval = max(float(np.median(np.diff(recent).astype("int64"))) / 3600, r.min_interval_hours)
            silent = (end - before[-1]).astype("int64") / 3600
            if silent > r.max_gaps * interval:
                out.append((source, day, silent, interval, pd.Timestamp(before[-1])))
    if not out:
        return empty()
    return detections(
        kind="source_silent",
        subject=[f"source:{o[0]}" for o in out],
        dept_code=None,
        severity="high",
        day=[o[1] for o in out],
        value=[o[2] for o in out],
        baseline=[o[3] for o in out],
        message=[
            f"数据源 {s}：截至 {d:%Y-%m-%d} 已 {h:.1f} 小时没有送来数据（平时约每 {i:.1f} 小时一次，"
            f"最近一次在北京时间 {to_local(last):%Y-%m-%d %H:%M}）：请联系数据提供方或检查采集配置"
            for s, d, h, i, last in out
        ],
        evidence=[
            [{"数据源": s, "最近送数（北京时间）": f"{to_local(last):%Y-%m-%d %H:%M}", "通常间隔（小时）": round(i, 1)}]
            for s, _d, _h, i, last in out
        ],
    )


def quarantine_jump(runs: pd.DataFrame, days: list[date], r: QuarantineRules) -> pd.DataFrame:
    """Days on which a source quarantined at least min_rows rows and a share of the rows it
    read at least min_jump above, and ratio times, its share over the baseline_days before."""
    runs = runs.assign(day=local_days(runs["started_at"]))
    per = runs.groupby(["source", "day"])[["rows_read", "rows_quarantined"]].sum().reset_index()
    out = []
    for source, g in per.groupby("source"):
        g = g.set_index("day").sort_index()
        for day in _checked(days):
            if day not in g.index:
                continue
            read, bad = g.loc[day, "rows_read"], g.loc[day, "rows_quarantined"]
            before = g[(g.index < day) & (g.index >= day - pd.Timedelta(days=r.baseline_days))]
            b_read, b_bad = before["rows_read"].sum(), before["rows_quarantined"].sum()
            if bad < r.min_rows or read <= 0 or b_read < r.min_baseline_rows:
                continue
            share, base = bad / read, b_bad / b_read
            if share >= base + r.min_jump and share >= r.ratio * base:
                out.append((source, day, share, base, int(read), int(bad), int(b_read), int(b_bad)))
    if not out:
        return empty()
    return detections(
        kind="quarantine_jump",
        subject=[f"source:{o[0]}" for o in out],
        dept_code=None,
        severity="medium",
        day=[o[1] for o in out],
        value=[o[2] for o in out],
        baseline=[o[3] for o in out],
        message=[
            f"数据源 {s}：{d:%Y-%m-%d} 读入 {n} 行，隔离 {k} 行（{x:.1%}），此前 {r.baseline_days} 天隔离率 {b:.1%}："
            "请在数据源状态页下载隔离记录，按原因修正后重新送数"
            for s, d, x, b, n, k, _bn, _bk in out
        ],
        evidence=[
            [
                {"日期": f"{d:%Y-%m-%d}", "读入行数": n, "隔离行数": k},
                {"时段": f"此前 {r.baseline_days} 天", "读入行数": bn, "隔离行数": bk},
            ]
            for _s, d, _x, _b, n, k, bn, bk in out
        ],
    )


def file_failed(runs: pd.DataFrame, days: list[date], r: FailedRunRules) -> pd.DataFrame:
    """From the day of a failed run (status failed, or partial with an error) until the day
    of the source's next run that finished without one; at most hold_days days."""
    runs = runs.sort_values("started_at").assign(day=local_days(runs["started_at"]))
    bad = runs["status"].eq("failed") | (runs["status"].eq("partial") & runs["error"].notna())
    out = []
    for source, g in runs.groupby("source", sort=False):
        fails = g[bad[g.index]]
        goods = g[~bad[g.index] & g["status"].isin(["ok", "partial"])]
        for day in _checked(days):
            latest_fail = fails[fails["day"] <= day].tail(1)
            if latest_fail.empty:
                continue
            f = latest_fail.iloc[0]
            cleared = goods[(goods["started_at"] > f["started_at"]) & (goods["day"] <= day)]
            if cleared.empty and (day - f["day"]).days < r.hold_days:
                out.append((source, day, f))
    if not out:
        return empty()
    return detections(
        kind="file_failed",
        subject=[f"source:{o[0]}" for o in out],
        dept_code=None,
        severity="high",
        day=[o[1] for o in out],
        value=np.nan,
        baseline=np.nan,
        message=[
            f"数据源 {s}：北京时间 {to_local(f['started_at']):%Y-%m-%d %H:%M} 的采集失败（{f['error'] or '未记录原因'}），"
            "之后尚未成功采集：请按错误提示修正文件或配置后重新运行"
            for s, _d, f in out
        ],
        evidence=[
            [
                {
                    "数据源": s,
                    "开始（北京时间）": f"{to_local(f['started_at']):%Y-%m-%d %H:%M}",
                    "状态": f["status"],
                    "文件": f["files"],
                    "错误": f["error"],
                }
            ]
            for s, _d, f in out
        ],
    )
