"""File drop folder: CSV, XLSX, JSON and JSON Lines, each file resumed where it stopped."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from collectors.config import SourceConfig
from collectors.readers.base import (
    ALREADY_READ,
    NOTHING_NEW,
    Batch,
    FileNote,
    FileProblem,
    FileSkipped,
    frame_of,
    records_in,
    snapshot,
)
from collectors.readers.spreadsheet import read_xlsx
from collectors.readers.text import UnreadableFile, csv_head, detect_encoding
from collectors.readers.tracking import (
    CONFIG_CHANGED,
    HEAD_BYTES,
    FileEntry,
    FileTracker,
    Match,
    config_digest,
    grow_head,
    is_settled,
    list_drop_folder,
)

FORMAT_BY_SUFFIX = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
STREAM_FORMATS = ("csv", "jsonl")
MIN_BLOCK = 1 << 16
# A run's first blocks are 1/8, 1/4 and 1/2 of a batch: its first rows are stored sooner,
# and the two processes of a pipelined source (collectors.pipeline) start working together
# sooner instead of one waiting for a whole first batch.
RAMP_STEPS = 3


def file_format(path: Path, cfg: SourceConfig) -> str:
    if cfg.format != "auto":
        return cfg.format
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise UnreadableFile("旧版 .xls 格式不支持：请在 Excel 中另存为 .xlsx")
    if suffix not in FORMAT_BY_SUFFIX:
        raise UnreadableFile(f"无法按扩展名 {suffix or '（无）'} 判断文件格式：请在配置中指定 format")
    return FORMAT_BY_SUFFIX[suffix]


class FileReader:
    """Reads every new or grown file of the drop folder, oldest first."""

    def __init__(self, cfg: SourceConfig, cursor: dict):
        self.cfg = cfg
        self.cursor = cursor
        self.tracker = FileTracker(cursor, config_digest(cfg))
        self.paths = list_drop_folder(cfg.path, cfg.glob)
        self.total = sum(p.stat().st_size for p in self.paths)

    def name_of(self, path: Path) -> str:
        return path.relative_to(self.cfg.path).as_posix()

    def unread_bytes(self) -> int:
        """Bytes this run would read, before reading any: the new part of each stream file
        (found by its first bytes, as `items` finds it) and the whole of a new document."""
        unread = 0
        for path in self.paths:
            size = path.stat().st_size
            try:
                fmt = file_format(path, self.cfg)
            except UnreadableFile:
                continue
            if fmt in STREAM_FORMATS:
                entry = self.tracker.match_stream(path, self.name_of(path)).entry
                unread += 0 if self.tracker.failed(entry) else max(0, size - entry.offset)
            else:
                match = self.tracker.match_whole(path, self.name_of(path))
                stale = match.entry.error is not None and not self.tracker.failed(match.entry)
                unread += size if stale or not match.known else 0
        return unread

    def items(self) -> Iterator[Batch | FileProblem | FileSkipped]:
        for path in self.paths:
            name = self.name_of(path)
            try:
                fmt = file_format(path, self.cfg)
                if path.stat().st_size == 0:
                    raise UnreadableFile("文件为空：请确认导出是否成功后重新放入")
                if fmt in STREAM_FORMATS:
                    yield from self.stream(path, name, fmt)
                else:
                    yield from self.whole(path, name, fmt)
            except UnreadableFile as exc:
                yield FileProblem(name, str(exc))

    # Whole documents: XLSX and JSON ---------------------------------------------------

    def whole(self, path: Path, name: str, fmt: str) -> Iterator[Batch | FileProblem | FileSkipped]:
        match = self.tracker.match_whole(path, name)
        yield from self.retry_after_change(match, name)
        entry = match.entry
        if entry.complete or entry.error:
            same = ALREADY_READ if entry.name == name else f"内容与已导入的文件 {entry.name} 相同"
            yield FileSkipped(name, entry.error or same, path.stat().st_size)
            return
        try:
            frame, lines, bad, raw = self.parse_whole(path, fmt)
        except UnreadableFile as exc:
            entry.fail(str(exc), self.tracker.config)
            self.tracker.store(match)
            yield FileProblem(name, str(exc), snapshot(self.cursor))
            return
        size = path.stat().st_size
        done, total, step = entry.records, len(frame), self.cfg.batch_rows
        for start in range(done, total, step) if total > done else [done]:
            stop = min(start + step, total)
            entry.records, entry.complete = stop, stop >= total
            self.tracker.store(match)
            yield Batch(
                frame.iloc[start:stop],
                lines[start:stop],
                snapshot(self.cursor),
                name,
                "json",
                size if entry.complete else 0,
                bad if start == 0 else [],
                raw[start:stop] if raw is not None else None,
            )

    def retry_after_change(self, match: Match, name: str) -> Iterator[FileNote]:
        """A file that failed under another configuration is read again, and the run says so."""
        before = self.tracker.forget_failure(match, name)
        if before is not None:
            self.tracker.store(match)
            yield FileNote(name, f"{CONFIG_CHANGED}（上次失败原因：{before}）")

    def parse_whole(self, path: Path, fmt: str):
        data = path.read_bytes()
        if fmt == "xlsx":
            frame, lines = read_xlsx(data, self.cfg)
            return frame, lines, [], None
        return (*parse_json_document(data, self.cfg.records_path), None)

    # Streams: CSV and JSON Lines --------------------------------------------------------

    def stream(self, path: Path, name: str, fmt: str) -> Iterator[Batch | FileProblem | FileSkipped]:
        match = self.tracker.match_stream(path, name)
        yield from self.retry_after_change(match, name)
        entry = match.entry
        size = path.stat().st_size
        settled = is_settled(path, self.cfg.settle_seconds)
        if entry.error:
            yield FileSkipped(name, entry.error, size)
            return
        if match.known and entry.offset >= size:
            yield FileSkipped(
                name, NOTHING_NEW if entry.name == name else f"内容与已导入的文件 {entry.name} 相同", size
            )
            return
        entry.name = name
        with path.open("rb") as fh:
            if entry.encoding is None:
                sample = fh.read(HEAD_BYTES)
                at_end = len(sample) == size
                entry.encoding = self.cfg.encoding if self.cfg.encoding != "auto" else detect_encoding(sample, at_end)
                if fmt == "csv":
                    if b"\n" not in sample and not (at_end and settled):
                        yield FileSkipped(name, "表头尚未写完，下次再读", size)
                        return
                    columns, data_start, header_line = csv_head(sample, entry.encoding, self.cfg, at_end)
                    entry.columns, entry.offset, entry.line = columns, data_start, header_line + 1
                else:
                    entry.offset, entry.line = (3 if sample.startswith(b"\xef\xbb\xbf") else 0), 1
            grow_head(entry, path)
            yield from self.stream_blocks(fh, match, size, settled, name, fmt)

    def stream_blocks(self, fh, match: Match, size: int, settled: bool, name: str, fmt: str):
        entry = match.entry
        full = max(MIN_BLOCK, self.cfg.batch_rows * self.row_bytes_estimate(fh, entry))
        block_size = max(MIN_BLOCK, full >> RAMP_STEPS)
        done_before = entry.offset  # bytes an earlier run read: progress shown at once
        while entry.offset < size:
            fh.seek(entry.offset)
            block = fh.read(min(block_size, size - entry.offset))
            at_eof = entry.offset + len(block) >= size
            cut = complete_lines(block, at_eof and settled, quoted=fmt == "csv")
            if cut == 0:
                if at_eof:
                    return
                block_size *= 2
                continue
            block = block[:cut]
            parse = parse_csv_block if fmt == "csv" else parse_jsonl_block
            frame, lines, bad, rows = parse(block, entry)
            entry.offset += cut
            entry.line += rows
            self.tracker.store(match)
            yield Batch(
                frame, lines, snapshot(self.cursor), name, "csv" if fmt == "csv" else "json", cut + done_before, bad
            )
            done_before = 0
            block_size = max(block_size, min(full, 2 * block_size))

    @staticmethod
    def row_bytes_estimate(fh, entry: FileEntry) -> int:
        fh.seek(entry.offset)
        sample = fh.read(MIN_BLOCK)
        rows = max(1, sample.count(b"\n"))
        return max(16, len(sample) // rows + 1)


def complete_lines(block: bytes, take_tail: bool, quoted: bool) -> int:
    """Bytes of `block` that end on a record boundary (a newline outside quotes)."""
    if take_tail:
        return len(block)
    end = block.rfind(b"\n")
    while end >= 0 and quoted and block.count(b'"', 0, end) % 2:
        end = block.rfind(b"\n", 0, end)
    return end + 1


def transcode(block: bytes, encoding: str) -> bytes:
    if encoding in ("utf-8", "utf_8", "utf8", "ascii"):
        return block
    return block.decode(encoding, errors="replace").encode("utf-8")


def parse_csv_block(block: bytes, entry: FileEntry):
    """One block of complete CSV lines → (frame of strings, row numbers, malformed rows,
    rows in the block). Rows are numbered as a spreadsheet shows them: a quoted field
    spanning two lines is one row."""
    return parse_csv_rows(transcode(block, entry.encoding), entry.columns, entry.line)


UNCLOSED_QUOTE = "该行的引号未闭合：请补全该行的引号（其后各行已照常读取）"


def parse_csv_rows(data: bytes, columns: list[str], first: int):
    """`parse_csv_block` on UTF-8 text whose first row is row `first`. A quote left open
    would swallow every line after it into its last field: that line alone is malformed,
    and the lines before and after it are read as usual."""
    if data.count(b'"') % 2:
        lines = data.split(b"\n")
        parity = np.cumsum([line.count(b'"') % 2 for line in lines]) % 2
        opened = int(np.flatnonzero((parity == 1) & (np.r_[0, parity[:-1]] == 0))[-1])
        before = b"".join(line + b"\n" for line in lines[:opened])
        after = b"\n".join(lines[opened + 1 :])
        head = parse_csv_rows(before, columns, first) if before else None
        at = first + (head[3] if head else 0)
        tail = parse_csv_rows(after, columns, at + 1) if after.strip() else None
        parts = [p for p in (head, tail) if p is not None]
        bad = [
            *(head[2] if head else []),
            (at, lines[opened].decode("utf-8", errors="replace").rstrip("\r"), UNCLOSED_QUOTE),
            *(tail[2] if tail else []),
        ]
        frame = pd.concat([p[0] for p in parts], ignore_index=True) if parts else pd.DataFrame(columns=columns)
        numbers = np.concatenate([p[1] for p in parts]) if parts else np.array([], dtype=np.int64)
        return frame, numbers, bad, sum(p[3] for p in parts) + 1
    bad: list[tuple[int | None, str, str]] = []
    bad_numbers: list[int] = []
    expected = len(columns)

    def on_invalid(row) -> str:
        bad_numbers.append(row.number)
        if row.text.strip():
            bad.append(
                (
                    first + row.number - 1,
                    row.text,
                    f"该行有 {row.actual_columns} 列，表头有 {expected} 列：请检查是否多了或少了逗号、引号未闭合",
                )
            )
        return "skip"

    try:
        table = _read_csv(data, columns, on_invalid)
    except pa.ArrowInvalid:
        bad.clear()
        bad_numbers.clear()
        data = data.decode("utf-8", errors="replace").encode("utf-8")
        table = _read_csv(data, columns, on_invalid)
    frame = table.to_pandas()
    rows = table.num_rows + len(bad_numbers)
    keep = np.ones(rows, dtype=bool)
    keep[np.asarray(bad_numbers, dtype=np.int64) - 1] = False
    numbers = np.flatnonzero(keep) + 1
    return frame, first + numbers - 1, bad, rows


def _read_csv(data: bytes, columns: list[str], on_invalid) -> pa.Table:
    return pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=columns, use_threads=False, block_size=max(1 << 20, len(data) + 1)),
        parse_options=pacsv.ParseOptions(
            invalid_row_handler=on_invalid, newlines_in_values=True, ignore_empty_lines=False
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in columns}, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )


def parse_jsonl_block(block: bytes, entry: FileEntry):
    text = block.decode(entry.encoding, errors="replace")
    records, lines, bad = [], [], []
    for i, line in enumerate(text.split("\n")):
        if not line.strip():
            continue
        number = entry.line + i
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append((number, line, f"该行不是有效的 JSON（{exc.msg}，第 {exc.colno} 列）：请检查是否被截断"))
            continue
        if not isinstance(record, dict):
            bad.append((number, line, "该行不是 JSON 对象（{...}）：每行应是一条记录"))
            continue
        records.append(record)
        lines.append(number)
    rows = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    return frame_of(records), np.array(lines, dtype=np.int64), bad, rows


def parse_json_document(data: bytes, records_path: str):
    encoding = detect_encoding(data[:HEAD_BYTES], len(data) <= HEAD_BYTES)
    try:
        doc = json.loads(data.decode(encoding, errors="strict").lstrip("\ufeff"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f"（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）" if isinstance(exc, json.JSONDecodeError) else ""
        raise UnreadableFile(f"文件不是完整的 JSON{where}：文件可能被截断或格式错误，请重新导出") from exc
    records = records_in(doc, records_path)
    if records is None:
        hint = f"records_path = {records_path!r} 处" if records_path else "文件顶层"
        raise UnreadableFile(f"在{hint}找不到记录列表：请检查 records_path")
    good, lines, bad = [], [], []
    for i, rec in enumerate(records, start=1):
        if isinstance(rec, dict):
            good.append(rec)
            lines.append(i)
        else:
            bad.append((i, json.dumps(rec, ensure_ascii=False), "该记录不是 JSON 对象：每条记录应是 {...}"))
    return frame_of(good), np.array(lines, dtype=np.int64), bad
