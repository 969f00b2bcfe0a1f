"""The page cache is shared by viewers of one scope (role and department), never across
scopes, and only queries that depend on nothing but the scope go through it."""

from __future__ import annotations

import ast
import importlib
import inspect
import shutil
import time
from datetime import date, datetime
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import insert

from dashboard import reads
from data.db import get_engine
from data.models import ScoreSnapshot
from data.viewer import AccessDenied, Viewer

ROOT = Path(__file__).resolve().parents[2]
calls: list[str] = []


def counted(conn, viewer: Viewer, dept_id: int) -> tuple:
    """A query as data.queries writes them: the answer depends on the scope only."""
    viewer.require_dept(dept_id)
    calls.append(viewer.username)
    return (viewer.role, dept_id)


@pytest.fixture
def fresh(monkeypatch, tmp_path, sqlite_template):
    shutil.copy(sqlite_template, tmp_path / "reads.db")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'reads.db'}")
    st.cache_data.clear()
    calls.clear()
    yield
    st.cache_data.clear()


def test_viewers_of_one_scope_share_an_entry_and_scopes_never_do(fresh):
    leaders = [Viewer(f"leader{i}", "leader") for i in range(3)]
    assert [reads.read(counted, v, 7) for v in leaders] == [("leader", 7)] * 3
    assert calls == ["leader0"]  # one query for three leaders
    assert reads.read(counted, Viewer("insp", "inspector"), 7) == ("inspector", 7)
    own = [Viewer(f"liaison{i}", "department", dept_id=7) for i in range(2)]
    assert [reads.read(counted, v, 7) for v in own] == [("department", 7)] * 2
    assert calls == ["leader0", "insp", "liaison0"]
    with pytest.raises(AccessDenied, match="other 无权查看该部门的数据"):  # refusals are the viewer's own, not cached
        reads.read(counted, Viewer("other", "department", dept_id=8), 7)


def test_a_new_computation_shows_at_once_not_after_the_ttl(fresh):
    """An exemption's recompute on any replica stores a new snapshot: the next read after the
    version's second must see it, though the cached answer is younger than CACHE_SECONDS."""
    leader = Viewer("leader", "leader")
    assert reads.read(counted, leader, 7) == ("leader", 7)
    assert reads.read(counted, leader, 7) == ("leader", 7)
    assert calls == ["leader"]
    with get_engine().begin() as conn:
        conn.execute(
            insert(ScoreSnapshot.__table__).values(
                period_key="2026-09",
                period_kind="month",
                period_start=date(2026, 9, 1),
                period_end=date(2026, 9, 30),
                as_of=date(2026, 10, 10),
                scheme_version="2026.1",
                input_digest="d" * 64,
                computed_at=datetime(2026, 11, 2, 8, 30),
            )
        )
    time.sleep(reads.VERSION_SECONDS + 0.2)
    assert reads.read(counted, leader, 7) == ("leader", 7)
    assert calls == ["leader", "leader"]


def _read_queries() -> set[str]:
    """module.function of every query the pages pass to read()."""
    found = set()
    for path in (ROOT / "dashboard").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.asname or alias.name: f"{node.module}.{alias.name}" if node.module else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "read" and node.args:
                target = ast.unparse(node.args[0])
                head, _, tail = target.partition(".")
                if head in imported:
                    found.add(f"{imported[head]}.{tail}" if tail else imported[head])
    return found


def test_no_query_read_through_the_cache_depends_on_who_the_user_is():
    queries = _read_queries()
    assert "data.queries.ranking" in queries and len(queries) > 15
    for dotted in sorted(queries):
        module, _, name = dotted.rpartition(".")
        source = inspect.getsource(getattr(importlib.import_module(module), name))
        personal = [
            line.strip()
            for line in source.splitlines()
            if ("viewer.username" in line or "viewer.display_name" in line) and "AccessDenied" not in line
        ]
        assert not personal, f"{dotted} reads who the user is, so it cannot share a cache entry: {personal}"
