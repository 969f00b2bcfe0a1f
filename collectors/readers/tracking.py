"""Which files of a drop folder were read, and how far: the `files` part of a cursor.

A file is known by its content, not its name, so a copy dropped under another name
changes nothing. Stream formats (CSV, JSON Lines) that keep growing are known by the
hash of their first bytes and resumed at a byte offset; whole-document formats (XLSX,
JSON, X-Road) by the hash of the whole file and resumed at a record count.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES = 64 * 1024
IGNORED_PREFIXES = (".", "~$")
IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload", ".swp")


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
    found = [p for p in folder.glob(pattern) if p.is_file()
             and not p.name.startswith(IGNORED_PREFIXES) and not p.name.endswith(IGNORED_SUFFIXES)]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def is_settled(path: Path, settle_seconds: float) -> bool:
    return time.time() - path.stat().st_mtime >= settle_seconds


@dataclass
class Match:
    key: str
    entry: dict
    known: bool


class FileTracker:
    """Finds a file's cursor entry in `cursor["files"]` (a dict the runner stores)."""

    def __init__(self, cursor: dict):
        self.files: dict[str, dict] = cursor.setdefault("files", {})

    def match_stream(self, path: Path, name: str) -> Match:
        size = path.stat().st_size
        by_len: dict[int, str] = {}

        def head(n: int) -> str:
            if n not in by_len:
                by_len[n] = sha256_of(path, n)
            return by_len[n]

        same_name = [(k, e) for k, e in self.files.items()
                     if e.get("mode") == "stream" and e.get("name") == name]
        others = [(k, e) for k, e in self.files.items()
                  if e.get("mode") == "stream" and e.get("name") != name]
        for key, entry in same_name + others:
            if entry["head_len"] <= size and head(entry["head_len"]) == entry["head"]:
                return Match(key, entry, True)
        head_len = min(size, HEAD_BYTES)
        key = f"s:{head(head_len)}:{head_len}"
        return Match(key, {"mode": "stream", "name": name, "head": head(head_len),
                           "head_len": head_len, "offset": 0}, False)

    def match_whole(self, path: Path, name: str) -> Match:
        key = f"w:{sha256_of(path)}"
        entry = self.files.get(key)
        if entry is not None:
            return Match(key, entry, True)
        return Match(key, {"mode": "whole", "name": name, "records": 0, "complete": False}, False)

    def store(self, match: Match) -> None:
        self.files[match.key] = match.entry


def grow_head(entry: dict, path: Path) -> None:
    """A small stream file that grew: widen its identity to the new first bytes."""
    size = path.stat().st_size
    if entry["head_len"] < HEAD_BYTES and size > entry["head_len"]:
        entry["head_len"] = min(size, HEAD_BYTES)
        entry["head"] = sha256_of(path, entry["head_len"])
