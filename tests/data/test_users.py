"""Accounts on both engines: hashing, lockout with an injected clock, admin acts, CLI, audit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from data.audit import distinct_values, list_events, record
from data.departments import add_departments
from data.models import AppUser, AuditLog
from data.users import (
    DEMO_PASSWORD,
    UserError,
    active_viewer,
    authenticate,
    create_user,
    ensure_demo_users,
    list_users,
    login_by_email,
    record_logout,
    reset_password,
    set_disabled,
    unlock,
)
from data.viewer import AccessDenied, Viewer
from tests.conftest import REPO

T0 = datetime(2026, 11, 2, 1, 0)  # naive UTC, 09:00 in Shanghai
ADMIN = Viewer("root", "admin")


def audit_rows(engine, action: str | None = None) -> list[tuple]:
    t = AuditLog.__table__
    query = select(t.c.actor, t.c.action, t.c.target, t.c.detail).order_by(t.c.id)
    if action:
        query = query.where(t.c.action == action)
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def user_row(engine, username: str):
    t = AppUser.__table__
    with engine.connect() as conn:
        return conn.execute(select(t).where(t.c.username == username)).one()


@pytest.fixture
def store(engine):
    with engine.begin() as conn:
        add_departments(conn, [{"name": "市数据局", "category": "市直部门"}, {"name": "西湖区", "category": "区县"}])
        create_user(
            conn, "alice", "inspector", "correct-horse", actor="test", display_name="张三", email="Alice@Example.gov.cn"
        )
    return engine


def login(engine, password: str, now: datetime, username: str = "alice"):
    with engine.begin() as conn:
        return authenticate(conn, username, password, now=now)


def test_hash_is_argon2_not_the_password_and_verifies(store):
    row = user_row(store, "alice")
    assert row.password_hash.startswith("$argon2id$")
    assert "correct-horse" not in row.password_hash
    result = login(store, "correct-horse", T0)
    assert result.ok and result.viewer == Viewer("alice", "inspector", None, "张三")
    assert user_row(store, "alice").last_login_at == T0
    assert not login(store, "correct-horsf", T0).ok


def test_no_password_or_hash_in_audit(store):
    login(store, "wrong-password-1", T0)
    login(store, "correct-horse", T0)
    with store.begin() as conn:
        reset_password(conn, "alice", "another-secret", actor="root")
    hash_ = user_row(store, "alice").password_hash
    dumped = repr(audit_rows(store))
    for secret in ("wrong-password-1", "correct-horse", "another-secret", hash_):
        assert secret not in dumped


def test_lockout_after_five_failures_and_unlock_after_window(store):
    for i in range(4):
        result = login(store, "bad", T0 + timedelta(seconds=i))
        assert not result.ok and result.locked_until is None
    assert user_row(store, "alice").failed_attempts == 4
    fifth = login(store, "bad", T0 + timedelta(seconds=4))
    until = T0 + timedelta(seconds=4, minutes=15)
    assert fifth.locked_until == until
    assert "已锁定" in fifth.message and "09:15" in fifth.message  # 01:15:04 UTC = 09:15 local
    # the right password does not open a locked account, and is not counted
    during = login(store, "correct-horse", until - timedelta(seconds=1))
    assert not during.ok and "已锁定" in during.message
    assert user_row(store, "alice").locked_until == until
    after = login(store, "correct-horse", until)
    assert after.ok
    row = user_row(store, "alice")
    assert (row.failed_attempts, row.locked_until) == (0, None)
    assert len(audit_rows(store, "user.locked")) == 1
    reasons = [json.loads(r.detail)["reason"] for r in audit_rows(store, "login.failure")]
    assert reasons == ["bad_password"] * 5 + ["locked"]
    assert len(audit_rows(store, "login.success")) == 1


def test_expired_lock_gives_a_fresh_allowance(store):
    for _ in range(5):
        login(store, "bad", T0)
    later = T0 + timedelta(minutes=16)
    for _ in range(4):
        assert login(store, "bad", later).locked_until is None
    assert login(store, "bad", later).locked_until == later + timedelta(minutes=15)


def test_lockout_settings_from_environment(store, monkeypatch):
    monkeypatch.setenv("PAOBAN_LOGIN_MAX_FAILURES", "2")
    monkeypatch.setenv("PAOBAN_LOGIN_LOCK_MINUTES", "3")
    assert login(store, "bad", T0).locked_until is None
    assert login(store, "bad", T0).locked_until == T0 + timedelta(minutes=3)


def test_success_resets_failure_count(store):
    for _ in range(4):
        login(store, "bad", T0)
    assert login(store, "correct-horse", T0).ok
    for _ in range(4):
        assert login(store, "bad", T0).locked_until is None


def test_unknown_user_fails_without_revealing_it(store):
    unknown = login(store, "whatever1", T0, username="mallory")
    wrong = login(store, "whatever1", T0)
    assert not unknown.ok and unknown.message == wrong.message
    assert audit_rows(store, "login.failure")[0][:3] == ("mallory", "login.failure", "mallory")


def test_disable_blocks_login_and_session(store):
    with store.begin() as conn:
        set_disabled(conn, "alice", True, actor="root")
    result = login(store, "correct-horse", T0)
    assert not result.ok and "停用" in result.message
    with store.connect() as conn:
        assert active_viewer(conn, "alice") is None
    with store.begin() as conn:
        set_disabled(conn, "alice", False, actor="root")
    assert login(store, "correct-horse", T0).ok
    assert [r[:3] for r in audit_rows(store) if r.action.startswith("user.")] == [
        ("test", "user.add", "alice"),
        ("root", "user.disable", "alice"),
        ("root", "user.enable", "alice"),
    ]


def test_reset_password_replaces_it_and_lifts_lock(store):
    for _ in range(5):
        login(store, "bad", T0)
    with store.begin() as conn:
        reset_password(conn, "alice", "brand-new-pass", actor="root")
    assert not login(store, "correct-horse", T0).ok
    assert login(store, "brand-new-pass", T0 + timedelta(seconds=1)).ok
    assert audit_rows(store, "user.reset_password")[0][:3] == ("root", "user.reset_password", "alice")


def test_unlock(store):
    for _ in range(5):
        login(store, "bad", T0)
    with store.begin() as conn:
        unlock(conn, "alice", actor="root")
    assert login(store, "correct-horse", T0).ok
    assert len(audit_rows(store, "user.unlock")) == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(username="bob", role="department", password="long-enough"), "必须绑定"),
        (dict(username="bob", role="leader", password="long-enough", dept_id=1), "不应绑定"),
        (dict(username="bob", role="boss", password="long-enough"), "未知角色"),
        (dict(username="bob", role="leader", password="short"), "至少 8 位"),
        (dict(username="b ob", role="leader", password="long-enough"), "空格"),
        (dict(username="alice", role="leader", password="long-enough"), "已存在"),
        (dict(username="bob", role="leader", password="long-enough", email="alice@example.gov.cn"), "已绑定"),
        (dict(username="bob", role="department", password="long-enough", dept_id=999), "不存在"),
    ],
)
def test_create_user_rejects(store, kwargs, message):
    with pytest.raises(UserError, match=message), store.begin() as conn:
        create_user(conn, actor="root", **kwargs)
    with store.connect() as conn:
        assert [u["username"] for u in list_users(conn)] == ["alice"]


def test_department_user_and_list(store):
    with store.begin() as conn:
        create_user(conn, "bob", "department", "long-enough", actor="root", dept_id=2)
    with store.connect() as conn:
        users = list_users(conn)
    bob = next(u for u in users if u["username"] == "bob")
    assert (bob["dept_id"], bob["dept_name"], bob["role"]) == (2, "西湖区", "department")
    assert all("password_hash" not in u for u in users)
    assert login(store, "long-enough", T0, "bob").viewer == Viewer("bob", "department", 2, "bob")


def test_login_by_email(store):
    with store.begin() as conn:
        ok = login_by_email(conn, "alice@example.GOV.cn")
        missing = login_by_email(conn, "eve@example.gov.cn")
    assert ok.viewer.username == "alice"
    assert not missing.ok and "未绑定" in missing.message
    methods = [json.loads(r.detail)["method"] for r in audit_rows(store) if r.action.startswith("login.")]
    assert methods == ["oidc", "oidc"]


def test_logout_is_audited(store):
    with store.begin() as conn:
        record_logout(conn, "alice", reason="idle")
    assert audit_rows(store, "logout")[0][:3] == ("alice", "logout", "alice")


def test_audit_viewer_filters_and_is_admin_only(store):
    login(store, "bad", T0)
    login(store, "correct-horse", T0)
    with store.begin() as conn:
        record(conn, "bob", "export", "ranking 2026-10", fmt="xlsx")
    with store.connect() as conn:
        everything = list_events(conn, ADMIN)
        # user.add, login.failure, login.success, export — newest first
        assert [e["action"] for e in everything] == ["export", "login.success", "login.failure", "user.add"]
        assert [e["action"] for e in list_events(conn, ADMIN, actor="alice")] == ["login.success", "login.failure"]
        assert len(list_events(conn, ADMIN, actions=["export", "user.add"])) == 2
        assert [e["actor"] for e in list_events(conn, ADMIN, text="xlsx")] == ["bob"]
        assert list_events(conn, ADMIN, until=datetime(2000, 1, 1)) == []
        assert distinct_values(conn, ADMIN) == (
            ["alice", "bob", "test"],
            ["export", "login.failure", "login.success", "user.add"],
        )
        for role in ("leader", "inspector", "department"):
            with pytest.raises(AccessDenied):
                list_events(conn, Viewer("x", role, 1))


def test_demo_users_only_in_demo_mode(store, monkeypatch):
    monkeypatch.delenv("PAOBAN_DEMO_MODE", raising=False)
    with pytest.raises(UserError, match="演示模式"):
        ensure_demo_users(store)
    monkeypatch.setenv("PAOBAN_DEMO_MODE", "1")
    accounts = ensure_demo_users(store)
    assert [(u, r) for u, r, _ in accounts] == [
        ("demo_leader", "leader"),
        ("demo_inspector", "inspector"),
        ("demo_admin", "admin"),
        ("demo_dept_1", "department"),
        ("demo_dept_2", "department"),
    ]
    assert ensure_demo_users(store) == accounts  # idempotent
    with store.connect() as conn:
        by_name = {u["username"]: u for u in list_users(conn)}
    assert (by_name["demo_dept_1"]["dept_name"], by_name["demo_dept_2"]["dept_name"]) == ("市数据局", "西湖区")
    assert login(store, DEMO_PASSWORD, T0, "demo_dept_2").viewer.dept_id == 2


def run_cli(db_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "data", "user", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )


@pytest.mark.slow
def test_cli_add_disable_reset_list(db_url, engine):
    with engine.begin() as conn:
        add_departments(conn, [{"name": "市数据局", "category": "市直部门"}])
    added = run_cli(db_url, "add", "root", "--role", "管理员", "--password-stdin", stdin="first-admin-pw\n")
    assert added.returncode == 0, added.stderr
    assert "first-admin-pw" not in added.stdout
    generated = run_cli(db_url, "add", "liaison", "--role", "department", "--dept", "市数据局", "--email", "l@x.cn")
    assert generated.returncode == 0, generated.stderr
    password = generated.stdout.strip().splitlines()[-1].split("：")[-1]
    assert login(engine, password, T0, "liaison").viewer.dept_id == 1
    assert login(engine, "first-admin-pw", T0, "root").viewer.role == "admin"
    hashes = [user_row(engine, u).password_hash for u in ("root", "liaison")]

    bad_dept = run_cli(db_url, "add", "x", "--role", "department", "--dept", "无此部门")
    assert bad_dept.returncode == 2 and "不存在" in bad_dept.stderr
    assert run_cli(db_url, "disable", "liaison").returncode == 0
    assert not login(engine, password, T0, "liaison").ok
    reset = run_cli(db_url, "reset-password", "root", "--password-stdin", stdin="second-pw-99\n")
    assert reset.returncode == 0
    assert login(engine, "second-pw-99", T0, "root").ok
    listed = run_cli(db_url, "list")
    assert listed.returncode == 0
    assert "root" in listed.stdout and "停用" in listed.stdout and "市数据局" in listed.stdout
    for out in (added, generated, reset, listed):
        assert not any(h in out.stdout + out.stderr for h in hashes)
    actions = [(r.action, r.target) for r in audit_rows(engine) if r.action.startswith("user.")]
    assert actions == [
        ("user.add", "root"),
        ("user.add", "liaison"),
        ("user.disable", "liaison"),
        ("user.reset_password", "root"),
    ]
    assert all(r.actor.startswith("cli:") for r in audit_rows(engine, "user.add"))
