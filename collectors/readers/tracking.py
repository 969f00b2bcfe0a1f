"""Which files of a drop folder were read, and how far: the `files` part of a cursor.

A file is known by its content, not its name, so a copy dropped under another name
changes nothing. Stream formats (CSV, JSON Lines) that keep growing are known by the
hash of their first bytes and resumed at a byte offset; whole-document formats (XLSX,
JSON, X-Road) by the hash of the whole file and resumed at a record count.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

HEAD_BYTES = 64 * 1024
IGNORED_PREFIXES = (".", "~$")
IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload", ".swp")
# SourceConfig fields that only schedule or size a run: changing them re-reads nothing
RUN_ONLY = (
    "name",
    "base_dir",
    "interval_minutes",
    "enabled",
    "batch_rows",
    "settle_seconds",
    "dedupe_keep_days",
    "timeout_seconds",
)
CONFIG_CHANGED = "配置已变更，重新读取"


def config_digest(cfg) -> str:
    """A digest of what decides how a source's files are read, mapped and validated: a file
    that failed under one digest is read again under another."""
    kept = {k: v for k, v in asdict(cfg).items() if k not in RUN_ONLY}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()[:16]


def sha256_of(path: Path, limit: int | None = None) -> str:
    digest = hashlib.sha256()
    remaining = limit
    with path.open("rb") as fh:
        while remaining is None or remaining > 0:
            chunk = fh.read(1 << 20 if remaining is None else min(1 << 20, remaining))
            if not chunk:
                break
            digest.update(chunk)
            if remaining is not None:
                remaining -= len(chunk)
    return digest.hexdigest()


def list_drop_folder(folder: Path, pattern: str) -> list[Path]:
    """Files matching the glob, oldest first (then by name), skipping temp files."""
    if not folder.is_dir():
        return []
    found = [
        p
        for p in folder.glob(pattern)
        if p.is_file() and not p.name.startswith(IGNORED_PREFIXES) and not p.name.endswith(IGNORED_SUFFIXES)
    ]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def is_settled(path: Path, settle_seconds: float) -> bool:
    return time.time() - path.stat().st_mtime >= settle_seconds


@dataclass
class FileEntry:
    """How far one file was read: a cursor's `files` holds one per file, as JSON (to_json,
    from_json). A stream file is resumed at `offset` (the byte after the last stored line,
    `line` its number); a whole document at `records`. `error` marks a file that cannot be
    read until its content or its source's configuration (`config`, config_digest) changes."""

    mode: str  # "stream" or "whole"
    name: str
    head: str | None = None  # stream: sha256 of the first head_len bytes
    head_len: int = 0
    offset: int = 0
    line: int | None = None  # stream: the spreadsheet row number at `offset`
    encoding: str | None = None
    columns: list[str] | None = None  # CSV: the header
    records: int = 0  # whole: records stored
    complete: bool = False
    error: str | None = None
    config: str | None = None  # the config digest the error was found under

    STORED = {
        "stream": ("mode", "name", "head", "head_len", "offset", "encoding", "columns", "line", "error", "config"),
        "whole": ("mode", "name", "records", "complete", "error", "config"),
    }

    def fail(self, reason: str, config: str) -> None:
        self.error, self.config = reason, config

    def to_json(self) -> dict:
        """The stored form: the fields of its mode that are set, as cursors always stored them."""
        return {f: getattr(self, f) for f in self.STORED[self.mode] if getattr(self, f) is not None}

    @classmethod
    def from_json(cls, stored: dict) -> FileEntry:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in stored.items() if k in known})


@dataclass
class Match:
    key: str
    entry: FileEntry
    known: bool


def mark_failed(cursor: dict, file: str, reason: str, config: str) -> None:
    """Remember `file` in the cursor as unreadable until its content or the source's
    configuration changes."""
    for key, stored in cursor.get("files", {}).items():
        entry = FileEntry.from_json(stored)
        if entry.name == file:
            entry.fail(reason, config)
            cursor["files"][key] = entry.to_json()


class FileTracker:
    """Finds a file's entry in `cursor["files"]` (stored by the runner, as JSON)."""

    def __init__(self, cursor: dict, config: str):
        self.config = config
        self.stored: dict[str, dict] = cursor.setdefault("files", {})
        self.files = {key: FileEntry.from_json(entry) for key, entry in self.stored.items()}

    def failed(self, entry: FileEntry) -> bool:
        """Whether the entry failed under the configuration in use."""
        return entry.error is not None and entry.config == self.config

    def forget_failure(self, match: Match, name: str) -> str | None:
        """A file that failed under another configuration starts over (same identity);
        returns why it failed then."""
        old = match.entry
        if old.error is None or self.failed(old):
            return None
        match.entry = FileEntry(old.mode, name, head=old.head, head_len=old.head_len)
        return old.error

    def match_stream(self, path: Path, name: str) -> Match:
        size = path.stat().st_size
        by_len: dict[int, str] = {}

        def head(n: int) -> str:
            if n not in by_len:
                by_len[n] = sha256_of(path, n)
            return by_len[n]

        same_name = [(k, e) for k, e in self.files.items() if e.mode == "stream" and e.name == name]
        others = [(k, e) for k, e in self.files.items() if e.mode == "stream" and e.name != name]
        for key, entry in same_name + others:
            if entry.head_len <= size and head(entry.head_len) == entry.head:
                return Match(key, entry, True)
        head_len = min(size, HEAD_BYTES)
        key = f"s:{head(head_len)}:{head_len}"
        return Match(key, FileEntry("stream", name, head=head(head_len), head_len=head_len), False)

    def match_whole(self, path: Path, name: str) -> Match:
        key = f"w:{sha256_of(path)}"
        entry = self.files.get(key)
        if entry is not None:
            return Match(key, entry, True)
        return Match(key, FileEntry("whole", name), False)

    def store(self, match: Match) -> None:
        """The entry as it stands into the cursor, for the next snapshot of it."""
        self.files[match.key] = match.entry
        self.stored[match.key] = match.entry.to_json()


def grow_head(entry: FileEntry, path: Path) -> None:
    """A small stream file that grew: widen its identity to the new first bytes."""
    size = path.stat().st_size
    if entry.head_len < HEAD_BYTES and size > entry.head_len:
        entry.head_len = min(size, HEAD_BYTES)
        entry.head = sha256_of(path, entry.head_len)
