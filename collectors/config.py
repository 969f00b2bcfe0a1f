"""The sources.toml contract (docs/sources.md): load, validate, resolve paths.

Every error names the file, the key and what was expected, so an administrator can fix
the file without reading code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from collectors.mapping import KIND_FIELDS, VALUE_FIELDS
from data.clock import ZONE_NAME
from data.vocabulary import CATEGORY_SPELLINGS

KINDS = tuple(KIND_FIELDS)
READERS = ("files", "sql", "http", "xroad")
FORMATS = ("auto", "csv", "xlsx", "json", "jsonl")
NAME_RE = re.compile(r"^[a-z0-9_-]{1,100}$")

DEFAULTS: dict[str, Any] = {
    "timezone": ZONE_NAME,
    "interval_minutes": 10,
    "date_formats": [],
    "create_unknown_departments": False,
    "new_department_category": "市直部门",
    "dedupe_window_minutes": 10,
    "dedupe_keep_days": 35,
    "settle_seconds": 2,
    "enabled": True,
    "earliest_time": "2000-01-01",
    "latest_ahead_days": 1,
}
# Rows per batch (one transaction each) unless batch_rows says otherwise. Exchange calls
# take bigger batches: each batch also updates its months' totals per service, partner and
# fault, and at 100,000 rows those updates were a third of a province's ingest time.
BATCH_ROWS = {"exchange_call": 250_000}
DEFAULT_BATCH_ROWS = 100_000
READER_KEYS = {
    "files": {"path", "glob", "format", "encoding", "header_row", "sheet", "records_path"},
    "xroad": {"path", "glob"},
    "sql": {"url", "query", "incremental_column", "initial_cursor"},
    "http": {"url", "records_path", "cursor_param", "next_cursor_path", "params", "headers", "timeout_seconds"},
}
DEFAULT_KEYS = [*DEFAULTS, "batch_rows"]  # what [defaults] may set (batch_rows by kind when unset)
COMMON_KEYS = {
    "name",
    "kind",
    "reader",
    "columns",
    "values",
    "aliases",
    "constants",
    "extract",
    "snapshot_at",
    "snapshot_at_pattern",
    *DEFAULT_KEYS,
}
REQUIRED_BY_READER = {"files": ("path",), "xroad": ("path",), "sql": ("url", "query"), "http": ("url",)}


class ConfigError(ValueError):
    """A sources.toml that cannot be used, explained for the person who wrote it."""


@dataclass(frozen=True)
class Extract:
    """A field taken from another column by a regular expression (its group 1, else the match)."""

    source: str
    pattern: re.Pattern


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: str
    reader: str
    base_dir: Path
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    extract: dict[str, Extract] = field(default_factory=dict)
    snapshot_at: str = ""  # catalogs: the day the listing was taken
    snapshot_at_pattern: re.Pattern | None = None  # … or read from the file name
    timezone: str = ZONE_NAME
    interval_minutes: float = 10
    date_formats: tuple[str, ...] = ()
    create_unknown_departments: bool = False
    new_department_category: str = "市直部门"
    batch_rows: int = 100_000
    dedupe_window_minutes: float = 10
    dedupe_keep_days: float = 35
    settle_seconds: float = 2
    enabled: bool = True
    earliest_time: date = date(2000, 1, 1)  # times before it, or later than latest_ahead_days
    latest_ahead_days: float = 1  # after collection, are quarantined (时间超出合理范围)
    path: Path | None = None
    glob: str = "*"
    format: str = "auto"
    encoding: str = "auto"
    header_row: int | str = "auto"
    sheet: int | str = 0
    records_path: str = ""
    url: str = ""
    query: str = ""
    incremental_column: str = ""
    initial_cursor: Any = None
    cursor_param: str = "cursor"
    next_cursor_path: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    timeout_seconds: float = 30


@dataclass(frozen=True)
class CollectorConfig:
    file: Path
    sources: tuple[SourceConfig, ...]

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        known = "、".join(s.name for s in self.sources) or "（无）"
        raise ConfigError(f"{self.file}：没有名为 {name!r} 的数据源；已配置：{known}")


def load_config(path: str | Path) -> CollectorConfig:
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}：配置文件不存在。请检查 --config 参数或 PAOBAN_SOURCES 环境变量")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}：配置文件不是 UTF-8 编码，请另存为 UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}：TOML 语法错误：{exc}") from exc
    return parse_config(doc, path)


def parse_config(doc: dict, path: Path) -> CollectorConfig:
    unknown_top = set(doc) - {"defaults", "source"}
    if unknown_top:
        raise ConfigError(f"{path}：未知的顶层键 {sorted(unknown_top)}：只允许 [defaults] 与 [[source]]")
    defaults = doc.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ConfigError(f"{path}：键 defaults 应为表 [defaults]")
    for key in defaults:
        if key not in DEFAULT_KEYS:
            raise ConfigError(f"{path}：键 defaults.{key} 未知；可用：{', '.join(DEFAULT_KEYS)}")
    sources = doc.get("source", [])
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        raise ConfigError(f"{path}：键 source 应写成 [[source]] 表数组")
    parsed = [parse_source(raw, i, {**DEFAULTS, **defaults}, path) for i, raw in enumerate(sources)]
    seen: set[str] = set()
    for s in parsed:
        if s.name in seen:
            raise ConfigError(f"{path}：数据源名称 {s.name!r} 重复：每个 [[source]] 的 name 必须唯一")
        seen.add(s.name)
    return CollectorConfig(file=path, sources=tuple(parsed))


def parse_source(raw: dict, index: int, defaults: dict, path: Path) -> SourceConfig:
    where = f"source[{index}]" + (f"（{raw['name']}）" if isinstance(raw.get("name"), str) else "")

    def fail(key: str, expected: str) -> ConfigError:
        return ConfigError(f"{path}：{where} 的键 {key} {expected}")

    for key in ("name", "kind", "reader"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise fail(key, "缺失或不是字符串")
    if not NAME_RE.match(raw["name"]):
        raise fail("name", f"应只含小写字母、数字、-、_，当前为 {raw['name']!r}")
    kind, reader = raw["kind"], raw["reader"]
    if kind not in KINDS:
        raise fail("kind", f"应为 {' | '.join(KINDS)} 之一，当前为 {kind!r}")
    if reader not in READERS:
        raise fail("reader", f"应为 {' | '.join(READERS)} 之一，当前为 {reader!r}")
    if reader == "xroad" and kind != "exchange_call":
        raise fail("kind", '在 reader = "xroad" 时只能是 exchange_call')
    allowed = COMMON_KEYS | READER_KEYS[reader]
    for key in raw:
        if key not in allowed:
            raise fail(key, f"不适用于 reader = {reader!r}；可用：{', '.join(sorted(allowed))}")
    for key in REQUIRED_BY_READER[reader]:
        if not raw.get(key):
            raise fail(key, f"缺失：reader = {reader!r} 必须填写")
    merged = {**defaults, **raw}
    opts: dict[str, Any] = {"name": raw["name"], "kind": kind, "reader": reader, "base_dir": path.parent}
    opts["columns"] = _columns(merged.get("columns", {}), kind, fail)
    opts["values"] = _values(merged.get("values", {}), kind, fail)
    opts["aliases"] = _str_table(merged.get("aliases", {}), "aliases", fail)
    _derived(merged, kind, opts, fail)
    try:
        ZoneInfo(str(merged["timezone"]))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise fail("timezone", f'应为时区名称，如 "Asia/Shanghai"，当前为 {merged["timezone"]!r}') from exc
    opts["timezone"] = str(merged["timezone"])
    opts["earliest_time"] = _date(merged["earliest_time"], "earliest_time", fail)
    for key in (
        "interval_minutes",
        "dedupe_window_minutes",
        "dedupe_keep_days",
        "settle_seconds",
        "timeout_seconds",
        "latest_ahead_days",
    ):
        if key in merged:
            value = merged[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise fail(key, f"应为非负数字，当前为 {value!r}")
            opts[key] = value
    if opts["interval_minutes"] <= 0:
        raise fail("interval_minutes", "应大于 0")
    batch = merged.get("batch_rows", BATCH_ROWS.get(kind, DEFAULT_BATCH_ROWS))
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise fail("batch_rows", f"应为正整数，当前为 {batch!r}")
    opts["batch_rows"] = batch
    for key in ("create_unknown_departments", "enabled"):
        if not isinstance(merged[key], bool):
            raise fail(key, f"应为 true 或 false，当前为 {merged[key]!r}")
        opts[key] = merged[key]
    if merged["new_department_category"] not in CATEGORY_SPELLINGS:
        raise fail("new_department_category", "应为 市直部门 或 区县")
    opts["new_department_category"] = merged["new_department_category"]
    formats = merged["date_formats"]
    if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
        raise fail("date_formats", '应为字符串数组，如 ["%Y.%m.%d %H:%M"]')
    opts["date_formats"] = tuple(formats)
    _reader_options(merged, reader, opts, path, fail)
    return SourceConfig(**opts)


def _date(value: Any, key: str, fail) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise fail(key, f'应为日期，如 "2000-01-01"，当前为 {value!r}') from exc


def _reader_options(merged: dict, reader: str, opts: dict, path: Path, fail) -> None:
    for key in (
        "glob",
        "encoding",
        "records_path",
        "url",
        "query",
        "incremental_column",
        "cursor_param",
        "next_cursor_path",
    ):
        if key in merged:
            if not isinstance(merged[key], str):
                raise fail(key, f"应为字符串，当前为 {merged[key]!r}")
            opts[key] = merged[key]
    if "path" in merged:
        if not isinstance(merged["path"], str):
            raise fail("path", "应为文件夹路径字符串")
        folder = Path(merged["path"])
        opts["path"] = folder if folder.is_absolute() else (path.parent / folder)
    if "format" in merged:
        if merged["format"] not in FORMATS:
            raise fail("format", f"应为 {' | '.join(FORMATS)} 之一，当前为 {merged['format']!r}")
        opts["format"] = merged["format"]
    if opts.get("encoding", "auto").lower() not in ("auto",):
        try:
            "".encode(opts["encoding"])
        except LookupError as exc:
            raise fail("encoding", f"不是可识别的编码名称：{opts['encoding']!r}（可用 auto、utf-8、gb18030）") from exc
    if "header_row" in merged:
        hr = merged["header_row"]
        if not (hr == "auto" or (isinstance(hr, int) and not isinstance(hr, bool) and hr >= 1)):
            raise fail("header_row", f'应为 "auto" 或从 1 开始的行号，当前为 {hr!r}')
        opts["header_row"] = hr
    if "sheet" in merged:
        if not isinstance(merged["sheet"], (int, str)) or isinstance(merged["sheet"], bool):
            raise fail("sheet", "应为工作表序号（从 0 开始）或名称")
        opts["sheet"] = merged["sheet"]
    if reader == "sql" and ":cursor" in merged.get("query", "") and not merged.get("incremental_column"):
        raise fail("incremental_column", "缺失：query 使用了 :cursor，必须指定增量列")
    if "initial_cursor" in merged:
        opts["initial_cursor"] = merged["initial_cursor"]
    for key in ("params", "headers"):
        if key in merged:
            if not isinstance(merged[key], dict):
                raise fail(key, "应为表，如 { page_size = 500 }")
            opts[key] = dict(merged[key])


def _pattern(text: Any, key: str, fail) -> re.Pattern:
    if not isinstance(text, str) or not text:
        raise fail(key, '应为正则表达式字符串，如 "(\\\\d{8})"')
    try:
        return re.compile(text)
    except re.error as exc:
        raise fail(key, f"不是有效的正则表达式：{exc}") from exc


def _derived(merged: dict, kind: str, opts: dict, fail) -> None:
    """[source.constants], [source.extract], snapshot_at and snapshot_at_pattern."""
    fields = set(KIND_FIELDS[kind]["required"]) | set(KIND_FIELDS[kind]["optional"])
    mapped = set(opts["columns"].values())
    constants, extract = merged.get("constants", {}), merged.get("extract", {})
    if not isinstance(constants, dict) or not isinstance(extract, dict):
        raise fail("constants" if not isinstance(constants, dict) else "extract", "应为表，如 [source.constants]")
    for part, table in (("constants", constants), ("extract", extract)):
        for fld in table:
            if fld not in fields:
                raise fail(f"{part}.{fld}", f"不是 {kind} 的字段；可用：{', '.join(sorted(fields))}")
            if fld in mapped:
                raise fail(f"{part}.{fld}", "已由 [source.columns] 中的某列提供：同一字段只能有一个来源")
    both = set(constants) & set(extract)
    if both:
        raise fail(f"extract.{sorted(both)[0]}", "同时出现在 [source.constants] 中：同一字段只能有一个来源")
    for fld, value in constants.items():
        if isinstance(value, (dict, list)) or (isinstance(value, str) and not value.strip()):
            raise fail(f"constants.{fld}", f"应为非空的字符串、数字或 true/false，当前为 {value!r}")
    opts["constants"] = {k: v.strip() if isinstance(v, str) else v for k, v in constants.items()}
    rules = {}
    for fld, rule in extract.items():
        if (
            not isinstance(rule, dict)
            or set(rule) != {"from", "pattern"}
            or not isinstance(rule["from"], str)
            or not rule["from"].strip()
        ):
            raise fail(f"extract.{fld}", '应写成 { from = "源列名", pattern = "正则表达式" }')
        rules[fld] = Extract(rule["from"].strip(), _pattern(rule["pattern"], f"extract.{fld}.pattern", fail))
    opts["extract"] = rules
    for key in ("snapshot_at", "snapshot_at_pattern"):
        if key in merged and kind != "catalog":
            raise fail(key, '只适用于 kind = "catalog"（目录快照的日期）')
    if "snapshot_at" in merged:
        value = merged["snapshot_at"]
        if isinstance(value, date):
            value = value.isoformat()
        if not isinstance(value, str) or not value.strip():
            raise fail("snapshot_at", f'应为日期或时间，如 "2023-06-17"，当前为 {value!r}')
        opts["snapshot_at"] = value.strip()
    if "snapshot_at_pattern" in merged:
        if opts["reader"] != "files":
            raise fail(
                "snapshot_at_pattern", '只适用于 reader = "files"（从文件名读取快照日期）；其他读取方式请用 snapshot_at'
            )
        opts["snapshot_at_pattern"] = _pattern(merged["snapshot_at_pattern"], "snapshot_at_pattern", fail)


def _columns(raw: Any, kind: str, fail) -> dict[str, str]:
    table = _str_table(raw, "columns", fail)
    fields = KIND_FIELDS[kind]
    allowed = set(fields["required"]) | set(fields["optional"])
    for source_col, canonical in table.items():
        if canonical not in allowed:
            raise fail(
                f"columns.{source_col!r}",
                f"的目标字段 {canonical!r} 不属于 {kind}；可用：{', '.join(sorted(allowed))}",
            )
    return table


def _values(raw: Any, kind: str, fail) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise fail("values", "应为表，如 [source.values.succeeded]")
    allowed = VALUE_FIELDS & (set(KIND_FIELDS[kind]["required"]) | set(KIND_FIELDS[kind]["optional"]))
    out = {}
    for fld, mapping in raw.items():
        if fld not in allowed:
            raise fail(f"values.{fld}", f"不可映射；{kind} 可映射的字段：{', '.join(sorted(allowed)) or '无'}")
        if not isinstance(mapping, dict):
            raise fail(f"values.{fld}", "应为表：源取值 = 规范取值")
        out[fld] = {str(k).strip(): v for k, v in mapping.items()}
    return out


def _str_table(raw: Any, key: str, fail) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise fail(key, "应为表（键 = 值）")
    for k, v in raw.items():
        if not isinstance(v, str) or not v.strip():
            raise fail(f"{key}.{k!r}", f"应为非空字符串，当前为 {v!r}")
    return {str(k).strip(): v.strip() for k, v in raw.items()}
