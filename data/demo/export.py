"""Write the demo city as a real platform would export it, plus the sources.toml that
tells the collectors how to read it (docs/sources.md).

Each kind goes to `<out>/drop/<kind>/` in the format its platform would use: CSV in
UTF-8, UTF-8 with BOM or GBK; XLSX with a title row above a Chinese header; JSON Lines.
Department names are spelled inconsistently, as in real exports: the register name,
a register alias, or a long form only the source's own alias table knows.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from data.clock import ZONE_NAME
from data.demo.calls import call_months
from data.demo.generate import City
from data.demo.streams import rng_for
from data.vocabulary import SHARE_TYPES

KINDS = (
    "department",
    "catalog",
    "resource_update",
    "exchange_call",
    "sharing_request",
    "data_objection",
    "complaint",
    "office_kpi",
)
# Share of rows, per kind, whose department is not spelled with its register name.
ALIAS_RATE = {
    "catalog": 0.1,
    "resource_update": 0.05,
    "exchange_call": 0.15,
    "sharing_request": 0.2,
    "data_objection": 0.1,
    "complaint": 0.3,
    "office_kpi": 0.1,
}


@dataclass
class Export:
    """What was written: rows per kind and, per kind, the non-register spellings used."""

    out: Path
    rows: Counter = field(default_factory=Counter)
    files: Counter = field(default_factory=Counter)
    spellings: dict[str, dict[str, str]] = field(default_factory=dict)
    staged: list[tuple[Path, Path]] = field(default_factory=list)


class Speller:
    """Spells department codes as names or aliases, remembering which aliases it used."""

    def __init__(self, city: City, kind: str, export: Export):
        spellings = city.departments["spellings"].tolist()
        width = max(len(s) for s in spellings)
        self.table = np.array([list(s) + [s[0]] * (width - len(s)) for s in spellings], dtype=object)
        self.count = np.array([len(s) for s in spellings])
        self.rng = rng_for(city.seed, "spelling", KINDS.index(kind))
        self.rate = ALIAS_RATE[kind]
        self.used = export.spellings.setdefault(kind, {})

    def __call__(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes, dtype=np.int64)
        alias = self.rng.random(len(codes)) < self.rate
        pick = 1 + (self.rng.random(len(codes)) * (self.count[codes] - 1)).astype(int)
        chosen = np.where(alias, pick, 0)
        names = self.table[codes, chosen]
        for code, k in set(zip(codes[alias].tolist(), chosen[alias].tolist())):
            self.used[self.table[code, k]] = self.table[code, 0]
        return names


def export_at(city: City) -> datetime:
    """The moment the platforms 'exported' the files: the morning after the window."""
    return datetime.combine(city.window.end + timedelta(days=1), time(8, 30))


def write_city(city: City, n_calls: int, out: Path) -> Export:
    """Write every file into a staging folder, then move them into the drop folders
    (replacing the previous demo's), so a collector never sees a half-written file."""
    export = Export(out)
    staging = out / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    for kind in KINDS:
        (staging / kind).mkdir(parents=True)
    write_departments(city, export)
    write_catalog(city, export)
    write_updates(city, export)
    write_calls(city, n_calls, export)
    write_requests(city, export)
    write_objections(city, export)
    write_complaints(city, export)
    write_kpis(city, export)
    (staging / "sources.toml").write_text(sources_toml(city, export), encoding="utf-8")
    for kind in KINDS:
        folder = out / "drop" / kind
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            if old.is_file():
                old.unlink()
    for staged, final in export.staged:
        os.replace(staged, final)
    os.replace(staging / "sources.toml", out / "sources.toml")
    shutil.rmtree(staging)
    return export


def _new_file(export: Export, kind: str, name: str) -> Path:
    """Where to write a new file of `kind` (in staging), counted in the export."""
    export.files[kind] += 1
    staged = export.out / ".staging" / kind / name
    export.staged.append((staged, export.out / "drop" / kind / name))
    return staged


def _text(ts: Any, fmt: str) -> str | None:
    return None if pd.isna(ts) else pd.Timestamp(ts).strftime(fmt)


# -- CSV ----------------------------------------------------------------------------


def write_departments(city: City, export: Export) -> None:
    d = city.departments
    frame = pd.DataFrame(
        {
            "名称": d["name"],
            "类别": d["category"],
            "别名": d["aliases"].map("、".join),
            "起始日期": d["active_from"].map(lambda a: a.isoformat() if a else ""),
        }
    )
    frame.to_csv(_new_file(export, "department", "departments.csv"), index=False, encoding="utf-8")
    export.rows["department"] = len(frame)


def write_calls(city: City, n_calls: int, export: Export) -> None:
    """One GBK file per month, written as each month is generated."""
    spell = Speller(city, "exchange_call", export)
    for month, calls in call_months(city, n_calls):
        frame = pd.DataFrame(
            {
                "调用流水号": calls["call_id"],
                "调用时间": calls["requested_at"],
                "调用方部门": spell(calls["consumer"]),
                "提供方部门": spell(calls["provider"]),
                "服务编码": calls["service_code"],
                "调用结果": np.where(calls["succeeded"], "成功", "失败"),
                "状态码": calls["status_code"],
                "错误码": calls["fault_code"],
                "响应时长(毫秒)": calls["duration_ms"],
            }
        )
        frame.to_csv(
            _new_file(export, "exchange_call", f"exchange_{month:%Y-%m}.csv"),
            index=False,
            encoding="gbk",
            lineterminator="\r\n",
            date_format="%Y-%m-%d %H:%M:%S",
        )
        export.rows["exchange_call"] += len(frame)


def write_requests(city: City, export: Export) -> None:
    r = city.requests
    spell = Speller(city, "sharing_request", export)
    frame = pd.DataFrame(
        {
            "申请编号": r["request_id"],
            "申请部门": spell(r["requester"]),
            "提供部门": spell(r["provider"]),
            "资源代码": r["resource_code"],
            "申请时间": r["submitted_at"],
            "答复时间": r["answered_at"],
            "答复结果": r["decision"],
        }
    )
    frame.to_csv(
        _new_file(export, "sharing_request", f"sharing_requests_{city.window.end:%Y%m%d}.csv"),
        index=False,
        encoding="utf-8-sig",
        date_format="%Y-%m-%d %H:%M:%S",
    )
    export.rows["sharing_request"] = len(frame)


# -- JSON Lines ---------------------------------------------------------------------


def _write_jsonl(path: Path, records: Iterable[dict]) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n


def write_updates(city: City, export: Export) -> None:
    """The catalog platform's update log, one file per month, camelCase keys."""
    u = city.updates
    spell = Speller(city, "resource_update", export)
    org = spell(u["provider"])
    stamp = u["updated_at"].dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy()
    month = u["updated_at"].dt.strftime("%Y-%m").to_numpy()
    codes, rows = u["resource_code"].to_numpy(), u["rows"].to_numpy()
    for m in np.unique(month):
        idx = np.flatnonzero(month == m)
        export.rows["resource_update"] += _write_jsonl(
            _new_file(export, "resource_update", f"update_log_{m}.jsonl"),
            (
                {"resourceCode": codes[i], "orgName": org[i], "updateTime": stamp[i], "rowCount": int(rows[i])}
                for i in idx
            ),
        )


def write_objections(city: City, export: Export) -> None:
    """Objections from the sharing platform's API: Chinese keys, ISO times with offset."""
    o = city.objections
    spell = Speller(city, "data_objection", export)
    raised_by, provider = spell(o["raised_by"]), spell(o["provider"])
    iso = "%Y-%m-%dT%H:%M:%S+08:00"
    export.rows["data_objection"] = _write_jsonl(
        _new_file(export, "data_objection", f"objections_{city.window.end:%Y%m%d}.jsonl"),
        (
            {
                "异议编号": r.objection_id,
                "提出部门": raised_by[i],
                "数据提供部门": provider[i],
                "资源代码": r.resource_code,
                "异议类型": r.kind,
                "提出时间": _text(r.raised_at, iso),
                "办结时间": _text(r.resolved_at, iso),
            }
            for i, r in enumerate(o.itertuples())
        ),
    )


# -- XLSX ---------------------------------------------------------------------------


def write_xlsx(
    path: Path, created: datetime, title: str, header: list[str], rows: Iterable[list], widths: list[int]
) -> int:
    """A sheet with a merged title row above the header, like office exports."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"created": created, "author": "示例市大数据发展管理局"})
    ws = wb.add_worksheet("Sheet1")
    bold = wb.add_format({"bold": True})
    fmt_date = wb.add_format({"num_format": "yyyy-mm-dd"})
    fmt_time = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.merge_range(0, 0, 0, len(header) - 1, title, wb.add_format({"bold": True, "font_size": 14}))
    ws.write_row(1, 0, header, bold)
    n = 0
    for n, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            if isinstance(value, str):
                ws.write_string(n + 1, col, value)
            elif isinstance(value, datetime):
                ws.write_datetime(n + 1, col, value, fmt_time)
            elif isinstance(value, date):
                ws.write_datetime(n + 1, col, datetime.combine(value, time()), fmt_date)
            else:
                ws.write_number(n + 1, col, value)
    wb.close()
    return n


def _cn_minute(ts) -> str | None:
    """2026年3月5日 9:32, as the hotline system prints it."""
    if pd.isna(ts):
        return None
    t = pd.Timestamp(ts)
    return f"{t.year}年{t.month}月{t.day}日 {t.hour}:{t.minute:02d}"


def _slash_second(ts) -> str | None:
    """2026/3/5 9:32:09."""
    if pd.isna(ts):
        return None
    t = pd.Timestamp(ts)
    return f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}:{t.second:02d}"


def _py(ts) -> datetime | None:
    return None if pd.isna(ts) else pd.Timestamp(ts).to_pydatetime()


def write_catalog(city: City, export: Export) -> None:
    c = city.catalog
    at = export_at(city)
    provider = Speller(city, "catalog", export)(c["provider"])
    rows = (
        [
            r.resource_code,
            r.name,
            provider[i],
            SHARE_TYPES[r.share_type],
            r.update_frequency,
            "已挂接" if r.mounted else "未挂接",
            r.service_code if r.mounted else None,
            _py(r.registered_at).date(),
            _py(r.last_updated_at),
            at,
        ]
        for i, r in enumerate(c.itertuples())
    )
    export.rows["catalog"] = write_xlsx(
        _new_file(export, "catalog", f"catalog_{city.window.end:%Y%m%d}.xlsx"),
        at,
        f"示例市政务数据共享目录（导出时间：{at:%Y-%m-%d %H:%M}）",
        [
            "资源代码",
            "资源名称",
            "提供部门",
            "共享类型",
            "更新频率",
            "是否挂接",
            "服务编码",
            "登记日期",
            "最近更新时间",
            "导出时间",
        ],
        rows,
        [14, 36, 24, 12, 10, 10, 16, 12, 20, 20],
    )


def write_complaints(city: City, export: Export) -> None:
    c = city.complaints
    dept = Speller(city, "complaint", export)(c["dept"])
    w = city.window
    rows = (
        [
            r.ticket_id,
            r.channel,
            dept[i],
            r.category,
            r.summary,
            _cn_minute(r.received_at),
            _cn_minute(r.due_at),
            _slash_second(r.closed_at),
            r.satisfaction,
        ]
        for i, r in enumerate(c.itertuples())
    )
    export.rows["complaint"] = write_xlsx(
        _new_file(export, "complaint", f"complaints_{w.end:%Y%m%d}.xlsx"),
        export_at(city),
        f"示例市12345热线及好差评工单明细（{w.start.year}年{w.start.month}月{w.start.day}日至"
        f"{w.end.year}年{w.end.month}月{w.end.day}日）",
        ["工单编号", "来源渠道", "承办单位", "诉求类别", "诉求摘要", "受理时间", "办理时限", "办结时间", "满意度"],
        rows,
        [18, 10, 24, 10, 48, 18, 18, 18, 8],
    )


def write_kpis(city: City, export: Export) -> None:
    k = city.kpis
    dept = Speller(city, "office_kpi", export)(k["dept"])
    w = city.window
    rows = (
        [
            f"{r.month.year}年{r.month.month}月",
            dept[i],
            r.cases_received,
            r.cases_completed,
            r.cases_on_time,
            r.cases_online,
            r.reviews_good,
            r.reviews_bad,
        ]
        for i, r in enumerate(k.itertuples())
    )
    export.rows["office_kpi"] = write_xlsx(
        _new_file(export, "office_kpi", f"office_kpi_{w.end:%Y%m}.xlsx"),
        export_at(city),
        f"示例市政务服务中心部门办件情况统计表（{w.start:%Y年%m月}—{w.end:%Y年%m月}）",
        ["统计月份", "部门名称", "受理量", "办结量", "按时办结量", "全程网办量", "好评数", "差评数"],
        rows,
        [12, 24, 10, 10, 12, 12, 10, 10],
    )


# -- sources.toml -------------------------------------------------------------------

SOURCES: dict[str, dict[str, Any]] = {
    "department": {
        "name": "demo-departments",
        "glob": "*.csv",
        "encoding": "utf-8",
        "columns": {"名称": "name", "类别": "category", "别名": "aliases", "起始日期": "active_from"},
    },
    "catalog": {
        "name": "demo-catalog",
        "glob": "*.xlsx",
        "columns": {
            "资源代码": "resource_code",
            "资源名称": "name",
            "提供部门": "provider_dept",
            "共享类型": "share_type",
            "更新频率": "update_frequency",
            "是否挂接": "mounted",
            "服务编码": "service_code",
            "登记日期": "registered_at",
            "最近更新时间": "last_updated_at",
            "导出时间": "snapshot_at",
        },
        "values": {
            "mounted": {"已挂接": True, "未挂接": False},
            "share_type": {label: key for key, label in SHARE_TYPES.items()},
        },
    },
    "resource_update": {
        "name": "demo-update-log",
        "glob": "*.jsonl",
        "columns": {"resourceCode": "resource_code", "updateTime": "updated_at", "orgName": "provider_dept"},
    },
    "exchange_call": {
        "name": "demo-exchange-log",
        "glob": "*.csv",
        "encoding": "gb18030",
        "columns": {
            "调用流水号": "call_id",
            "调用时间": "requested_at",
            "调用方部门": "consumer_dept",
            "提供方部门": "provider_dept",
            "服务编码": "service_code",
            "调用结果": "succeeded",
            "状态码": "status_code",
            "错误码": "fault_code",
            "响应时长(毫秒)": "duration_ms",
        },
        "values": {"succeeded": {"成功": True, "失败": False}},
    },
    "sharing_request": {
        "name": "demo-sharing-requests",
        "glob": "*.csv",
        "columns": {
            "申请编号": "request_id",
            "申请部门": "requester_dept",
            "提供部门": "provider_dept",
            "资源代码": "resource_code",
            "申请时间": "submitted_at",
            "答复时间": "answered_at",
            "答复结果": "decision",
        },
        "values": {"decision": {"同意": "approved", "不同意": "rejected"}},
    },
    "data_objection": {
        "name": "demo-objections",
        "glob": "*.jsonl",
        "columns": {
            "异议编号": "objection_id",
            "提出部门": "raised_by",
            "数据提供部门": "provider_dept",
            "资源代码": "resource_code",
            "异议类型": "kind",
            "提出时间": "raised_at",
            "办结时间": "resolved_at",
        },
    },
    "complaint": {
        "name": "demo-complaints",
        "glob": "*.xlsx",
        "date_formats": ["%Y年%m月%d日 %H:%M", "%Y/%m/%d %H:%M:%S"],
        "columns": {
            "工单编号": "ticket_id",
            "来源渠道": "channel",
            "承办单位": "dept",
            "诉求类别": "category",
            "诉求摘要": "summary",
            "受理时间": "received_at",
            "办理时限": "due_at",
            "办结时间": "closed_at",
            "满意度": "satisfaction",
        },
    },
    "office_kpi": {
        "name": "demo-office-kpi",
        "glob": "*.xlsx",
        "columns": {
            "统计月份": "month",
            "部门名称": "dept",
            "受理量": "cases_received",
            "办结量": "cases_completed",
            "按时办结量": "cases_on_time",
            "全程网办量": "cases_online",
            "好评数": "reviews_good",
            "差评数": "reviews_bad",
        },
    },
}


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def sources_toml(city: City, export: Export) -> str:
    lines = [
        f"# 示例市 demo sources, written by `python -m data demo --seed {city.seed} --end {city.window.end}`.",
        "# Paths are relative to this file; see docs/sources.md.",
        "",
        "[defaults]",
        f'timezone = "{ZONE_NAME}"',
        "interval_minutes = 10",
        "settle_seconds = 0  # files are moved into place complete: no last line is ever mid-write",
    ]
    for kind in KINDS:
        spec = SOURCES[kind]
        lines += [
            "",
            "[[source]]",
            f"name = {_toml(spec['name'])}",
            f"kind = {_toml(kind)}",
            'reader = "files"',
            f"path = {_toml(f'drop/{kind}')}",
        ]
        for key in ("glob", "encoding", "date_formats"):
            if key in spec:
                lines.append(f"{key} = {_toml(spec[key])}")
        lines += ["", "[source.columns]"] + [f"{_toml(k)} = {_toml(v)}" for k, v in spec["columns"].items()]
        for fld, mapping in spec.get("values", {}).items():
            lines += ["", f"[source.values.{fld}]"] + [f"{_toml(k)} = {_toml(v)}" for k, v in mapping.items()]
        aliases = export.spellings.get(kind)
        if aliases:
            lines += ["", "[source.aliases]"] + [f"{_toml(k)} = {_toml(v)}" for k, v in sorted(aliases.items())]
    return "\n".join(lines) + "\n"
