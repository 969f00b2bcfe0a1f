"""Department names in source files → register ids, through the register's names and
aliases and the source's own [source.aliases]; unknown names are created only when
the source opted in, and each creation is logged."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from collectors.config import SourceConfig
from collectors.limits import visible
from collectors.mapping import name_key
from collectors.mojibake import RESAVE, mixed_encoding_note
from data.departments import add_departments, name_index

log = logging.getLogger(__name__)


class DepartmentResolver:
    """Built once per batch transaction so names added in it are seen at once."""

    def __init__(self, conn: Connection, cfg: SourceConfig, member_fallback: bool = False):
        self.conn = conn
        self.cfg = cfg
        self.member_fallback = member_fallback
        self.created: list[str] = []
        self._load()

    def _load(self) -> None:
        index = {name_key(k): v for k, v in name_index(self.conn).items()}
        for spelling, target in self.cfg.aliases.items():
            if name_key(target) in index:
                index.setdefault(name_key(spelling), index[name_key(target)])
        self.index = index

    def alias_target(self, spelling: str) -> str | None:
        for s, target in self.cfg.aliases.items():
            if name_key(s) == name_key(spelling):
                return target
        return None

    def resolve(self, names: pd.Series) -> pd.Series:
        """Ids (nullable Int64) for each spelling; NA where the department is unknown."""
        codes, raw = pd.factorize(names)
        uniques = [str(u).strip() for u in raw]
        codes[np.isin(codes, [i for i, u in enumerate(uniques) if not u])] = -1
        uniques = [u or None for u in uniques]
        if self.cfg.create_unknown_departments:
            missing = list(dict.fromkeys(u for u in uniques if u and self._lookup(u) is None))
            if missing:
                self._create(missing)
        ids = pd.array([self._lookup(u) if u else None for u in uniques] + [None], dtype="Int64")
        return pd.Series(ids[codes], index=names.index)

    def _lookup(self, spelling: str) -> int | None:
        key = name_key(spelling)
        found = self.index.get(key)
        if found is None and self.member_fallback and key.count(":") >= 3:  # INSTANCE:CLASS:CODE:SUBSYSTEM
            found = self.index.get(key.rsplit(":", 1)[0])
        return found

    def _create(self, spellings: list[str]) -> None:
        rows = []
        for spelling in spellings:
            name = self.alias_target(spelling) or spelling
            rows.append(
                {
                    "name": name,
                    "category": self.cfg.new_department_category,
                    "aliases": [spelling] if name != spelling else [],
                }
            )
        add_departments(self.conn, rows, source=self.cfg.name)
        for r in rows:
            log.info(
                "source %s: created department %r (category %s)",
                self.cfg.name,
                r["name"],
                self.cfg.new_department_category,
            )
        self.created.extend(r["name"] for r in rows)
        self._load()

    def unknown_reason(self, spelling: str) -> str:
        target = self.alias_target(spelling)
        if target is not None:
            return (
                f"部门别名 '{visible(spelling)}' 指向的 '{target}' 不在部门名录中：请先用 "
                f"python -m data dept add 添加该部门，或更正 [source.aliases]"
            )
        mixed = mixed_encoding_note(spelling)
        if mixed is not None:
            return f"未知部门 '{visible(spelling)}'：{mixed}：{RESAVE}，不要为乱码添加别名"
        return (
            f"未知部门 '{visible(spelling)}'：请在部门别名中添加（[source.aliases] 或 python -m data dept add --alias）"
        )
