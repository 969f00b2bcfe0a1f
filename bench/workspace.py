"""A collector workspace: sources.toml and the drop folders it points at.

Each store gets its own workspace, so that what one store's collector has read never
shows in another's; the big input files are linked, not copied.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from bench.generate import CATALOG_COLUMNS, LOG_COLUMNS, REGISTER_COLUMNS
from bench.world import SOURCE_ALIASES

DEPARTMENT_SOURCE = "bench-departments"
CATALOG_SOURCE = "bench-catalog"
EXCHANGE_SOURCE = "bench-exchange"


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _table(header: str, mapping: dict) -> list[str]:
    lines = [header]
    for key, value in mapping.items():
        rendered = "true" if value is True else "false" if value is False else _toml_str(value)
        lines.append(f"{_toml_str(key)} = {rendered}")
    return lines


def _source(name: str, kind: str, folder: str, columns: dict) -> list[str]:
    return [
        "",
        "[[source]]",
        f"name = {_toml_str(name)}",
        f"kind = {_toml_str(kind)}",
        'reader = "files"',
        f"path = {_toml_str(folder)}",
        'glob = "*.csv"',
        'format = "csv"',
        *_table("[source.columns]", columns),
    ]


def sources_toml() -> str:
    """The config an administrator would write for these files, following docs/sources.md."""
    lines = ["[defaults]", 'timezone = "Asia/Shanghai"']
    lines += _source(DEPARTMENT_SOURCE, "department", "register", REGISTER_COLUMNS)
    lines += _source(CATALOG_SOURCE, "catalog", "catalog", CATALOG_COLUMNS)
    lines += _source(EXCHANGE_SOURCE, "exchange_call", "exchange", LOG_COLUMNS)
    lines += _table("[source.values.succeeded]", {"成功": True, "失败": False})
    lines += _table("[source.aliases]", SOURCE_ALIASES)
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "sources.toml"

    @classmethod
    def create(cls, root: Path, register: Path, catalog: Path) -> Workspace:
        shutil.rmtree(root, ignore_errors=True)
        for folder in ("register", "catalog", "exchange"):
            (root / folder).mkdir(parents=True)
        ws = cls(root)
        ws.config.write_text(sources_toml(), encoding="utf-8")
        ws._link(register, "register")
        ws._link(catalog, "catalog")
        return ws

    def _link(self, file: Path, folder: str) -> None:
        os.symlink(file.resolve(), self.root / folder / file.name)

    def drop_exchange_file(self, file: Path) -> None:
        self._link(file, "exchange")
