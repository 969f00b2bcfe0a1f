"""Encodings and header rows of text exports (CSV from Chinese office systems)."""

from __future__ import annotations

import codecs
import csv
import io

from charset_normalizer import from_bytes

from collectors.config import SourceConfig
from collectors.mapping import field_types

BOM = codecs.BOM_UTF8


class UnreadableFile(ValueError):
    """The whole file cannot be read; the message tells a clerk why."""


def detect_encoding(sample: bytes, at_end: bool) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK), then a guess."""
    if sample.startswith(BOM):
        return "utf-8"
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=at_end)
            return encoding
        except UnicodeDecodeError:
            continue
    mixed = mixed_encoding(sample, at_end)
    if mixed:
        return mixed
    best = from_bytes(sample).best()
    if best is None:
        raise UnreadableFile("无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030）：请另存为 UTF-8 编码的 CSV")
    return best.encoding


def mixed_encoding(sample: bytes, at_end: bool) -> str | None:
    """GB18030 for a GBK file with UTF-8 lines pasted in (each line is one or the other):
    the file is read, and the pasted lines' reasons say 疑似编码混用 (collectors.mojibake)."""
    lines = sample.split(b"\n")
    if not at_end:
        lines = lines[:-1]  # may be cut mid-character
    only = {"utf-8": 0, "gb18030": 0}
    for line in lines:
        fits = [enc for enc in only if _decodes(line, enc)]
        if not fits:
            return None
        if len(fits) == 1:
            only[fits[0]] += 1
    return "gb18030" if only["utf-8"] and only["gb18030"] else None


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def wanted_names(cfg: SourceConfig) -> set[str]:
    """Headers that tell the header row: mapped columns, canonical names, extracts' sources."""
    return {*cfg.columns, *field_types(cfg.kind), *(rule.source for rule in cfg.extract.values())}


def find_header(rows: list[list], cfg: SourceConfig) -> int:
    """0-based index of the header row: configured, else the row naming the most known
    columns, else the first of the widest rows (title rows above it are narrower)."""
    if isinstance(cfg.header_row, int):
        if cfg.header_row > len(rows):
            raise UnreadableFile(f"表头行 header_row = {cfg.header_row} 超出文件行数 {len(rows)}")
        return cfg.header_row - 1
    wanted = wanted_names(cfg)
    cells = [[str(c).strip() for c in row if c is not None and str(c).strip()] for row in rows]
    scores = [sum(1 for c in row if c in wanted) for row in cells]
    if scores and max(scores) > 0:
        return scores.index(max(scores))
    widths = [len(row) for row in cells]
    if not widths or max(widths) == 0:
        raise UnreadableFile("文件中没有表头行：请确认文件不是空的")
    return widths.index(max(widths))


def unique_names(names: list) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, raw in enumerate(names):
        name = str(raw).strip().lstrip("\ufeff") if raw is not None and str(raw).strip() else f"列{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def csv_head(sample: bytes, encoding: str, cfg: SourceConfig, at_end: bool) -> tuple[list[str], int, int]:
    """(column names, byte offset where data starts, physical line number of the header)."""
    lines = sample.split(b"\n")
    if not at_end:
        lines = lines[:-1]
    lines = lines[:30]
    rows = []
    for raw in lines:
        text = raw.decode(encoding, errors="replace").lstrip("\ufeff").rstrip("\r")
        rows.append(_head_cells(text))
    if not rows:
        raise UnreadableFile("文件中没有完整的表头行")
    index = find_header(rows, cfg)
    data_start = sum(len(line) + 1 for line in lines[: index + 1])
    return unique_names(rows[index]), data_start, index + 1


def _head_cells(line: str) -> list[str]:
    """One line's cells, for finding the header only: a bare carriage return inside a line
    (which the csv module refuses outside quotes) reads as a space here; the data rows keep it."""
    try:
        return next(csv.reader(io.StringIO(line)), [])
    except csv.Error:
        return next(csv.reader(io.StringIO(line.replace("\r", " "))), [])
