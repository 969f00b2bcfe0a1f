"""Shared dashboard fixtures: the hand-made score store plus users of every role, and an
AppTest of dashboard/app.py pointed at that store (SQLite and PostgreSQL).

Each department also gets catalog resources and complaint tickets with codes that name
it, so an access test can look for another department's identifying data by string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import insert
from streamlit.testing.v1 import AppTest

from data.db import forget_engines, get_engine
from data.models import AppUser, CatalogResource, Complaint
from data.users import hash_password
from tests.dashboard import score_fixture

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
PASSWORD = "test-password-1"


@lru_cache(maxsize=1)
def password_hash() -> str:
    """Hashed once per test process: argon2 is slow on purpose."""
    return hash_password(PASSWORD)


@dataclass
class DashboardStore:
    url: str
    fixture: score_fixture.Fixture
    # username → (role, dept_id)
    users: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    def dept_user(self, dept_name: str) -> str:
        dept_id = self.fixture.dept[dept_name]
        return next(u for u, (role, d) in self.users.items() if role == "department" and d == dept_id)


def _identifying_rows(conn, fx: score_fixture.Fixture) -> None:
    for n, (name, dept_id) in enumerate(fx.dept.items(), start=1):
        conn.execute(
            insert(CatalogResource.__table__),
            [
                {
                    "resource_code": f"ZY-{n:02d}-{k:03d}",
                    "name": f"{name}目录资源{k}",
                    "provider_dept_id": dept_id,
                    "share_type": "conditional",
                    "update_frequency": "每月",
                    "mounted": k == 1,
                }
                for k in (1, 2)
            ],
        )
        conn.execute(
            insert(Complaint.__table__),
            [
                {
                    "ticket_id": f"GD-{n:02d}-{k:04d}",
                    "dept_id": dept_id,
                    "received_at": datetime(2026, 10, 9 + k, 2, 0),
                    "satisfaction": "unrated",
                    "summary": f"{name}办事排队时间长",
                }
                for k in (1, 2)
            ],
        )


@pytest.fixture
def dashboard_store(db_url, monkeypatch) -> DashboardStore:
    """The score fixture plus root (admin), leader, inspector and one user per department."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    forget_engines()
    st.cache_data.clear()
    engine = get_engine()
    fx = score_fixture.load(engine)
    store = DashboardStore(db_url, fx)
    accounts = [("root", "admin", None), ("leader", "leader", None), ("inspector", "inspector", None)]
    accounts += [(f"dept_{n}", "department", dept_id) for n, dept_id in enumerate(fx.dept.values(), start=1)]
    with engine.begin() as conn:
        _identifying_rows(conn, fx)
        conn.execute(
            insert(AppUser.__table__),
            [
                {
                    "username": username,
                    "display_name": username,
                    "role": role,
                    "dept_id": dept_id,
                    "email": f"{username}@example.gov.cn",
                    "password_hash": password_hash(),
                    "disabled": False,
                    "failed_attempts": 0,
                    "created_at": datetime(2026, 11, 1),
                }
                for username, role, dept_id in accounts
            ],
        )
    store.users = {username: (role, dept_id) for username, role, dept_id in accounts}
    yield store
    st.cache_data.clear()
    forget_engines()


@pytest.fixture
def app(dashboard_store) -> AppTest:
    """dashboard/app.py, not yet run, on the dashboard store."""
    return AppTest.from_file(APP, default_timeout=30)


def submit_login(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    """Fill the real login form and press 登录."""
    next(t for t in at.text_input if t.label == "用户名").input(username)
    next(t for t in at.text_input if t.label == "密码").input(password)
    return next(b for b in at.button if b.label == "登录").click().run()


def login(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    at.run()
    submit_login(at, username, password)
    assert not at.exception, [e.value for e in at.exception]
    assert "viewer" in at.session_state, [e.value for e in at.error]
    return at
