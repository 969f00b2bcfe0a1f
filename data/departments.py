"""The department register: names, categories and the aliases sources use for them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Connection

from data.load import insert_ignore
from data.models import Department, DepartmentAlias
from data.vocabulary import CATEGORIES, CATEGORY_SPELLINGS


class DepartmentError(ValueError):
    pass


def parse_category(raw: str) -> str:
    key = CATEGORY_SPELLINGS.get((raw or "").strip())
    if key is None:
        raise DepartmentError(f"未知部门类别 {raw!r}：应为 市直部门 或 区县")
    return key


def name_index(conn: Connection) -> dict[str, int]:
    """Every known spelling (name or alias) → department id."""
    index = {name: i for i, name in conn.execute(select(Department.id, Department.name)).all()}
    for alias, dept_id in conn.execute(select(DepartmentAlias.alias, DepartmentAlias.department_id)):
        index.setdefault(alias, dept_id)
    return index


def add_departments(conn: Connection, rows: Iterable[dict], source: str | None = None) -> tuple[int, int]:
    """Add departments (name, category, aliases, active_from); return (new depts, new aliases).

    An existing department keeps its category; new aliases are added to it.
    """
    rows = list(rows)
    new_depts = insert_ignore(
        conn,
        Department,
        [
            {
                "name": r["name"].strip(),
                "category": parse_category(r["category"]),
                "active_from": r.get("active_from"),
                "source": source,
            }
            for r in rows
        ],
        ["name"],
    )
    ids = name_index(conn)
    alias_rows = []
    for r in rows:
        for alias in r.get("aliases") or []:
            alias = alias.strip()
            if alias and alias != r["name"].strip():
                alias_rows.append({"alias": alias, "department_id": ids[r["name"].strip()]})
    new_aliases = insert_ignore(conn, DepartmentAlias, alias_rows, ["alias"])
    return new_depts, new_aliases


def list_departments(conn: Connection) -> list[dict]:
    aliases: dict[int, list[str]] = {}
    for alias, dept_id in conn.execute(select(DepartmentAlias.alias, DepartmentAlias.department_id)):
        aliases.setdefault(dept_id, []).append(alias)
    out = []
    table = Department.__table__
    for d in conn.execute(select(table).order_by(table.c.category, table.c.name)).mappings():
        out.append(
            {
                "id": d["id"],
                "name": d["name"],
                "category": d["category"],
                "category_label": CATEGORIES[d["category"]],
                "active_from": d["active_from"],
                "aliases": sorted(aliases.get(d["id"], [])),
            }
        )
    return out


def parse_active_from(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise DepartmentError(f"起始日期 {raw!r} 无法识别：请写成 2026-03-01") from exc
