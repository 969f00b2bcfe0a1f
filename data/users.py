"""Dashboard accounts: argon2 password hashes, login with lockout, and admin changes.

Every function takes an open Connection so the change and its audit row commit together
(`with engine.begin() as conn`). The CLI (`python -m data user …`) and the 用户管理 page
call the same functions. Passwords are never stored, printed or logged in clear; a hash
never leaves this module.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from data.audit import record
from data.clock import to_local, utcnow
from data.models import ROLES, AppUser, Department
from data.settings import get_settings
from data.viewer import Viewer

MIN_PASSWORD_LENGTH = 8
DEMO_PASSWORD = "paoban-demo"

_hasher = PasswordHash.recommended()
# Verified when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_users = AppUser.__table__


class UserError(ValueError):
    """A user change that cannot be made, explained for the person making it."""


@dataclass(frozen=True)
class LoginResult:
    viewer: Viewer | None
    message: str = ""
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.viewer is not None


def hash_password(password: str) -> str:
    check_password(password)
    return _hasher.hash(password)


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _viewer(row) -> Viewer:
    return Viewer(username=row.username, role=row.role, dept_id=row.dept_id, display_name=row.display_name)


def _get(conn: Connection, username: str):
    row = conn.execute(select(_users).where(_users.c.username == username)).first()
    if row is None:
        raise UserError(f"用户 {username!r} 不存在")
    return row


def create_user(
    conn: Connection,
    username: str,
    role: str,
    password: str,
    *,
    actor: str,
    display_name: str | None = None,
    dept_id: int | None = None,
    email: str | None = None,
) -> int:
    """Add an account; a department user must name its department, no other role may."""
    username = (username or "").strip()
    if not username or any(ch.isspace() for ch in username) or len(username) > 100:
        raise UserError("用户名不能为空、不能含空格，且不超过 100 个字符")
    if role not in ROLES:
        raise UserError(f"未知角色 {role!r}：应为 {'、'.join(ROLES)}")
    if role == "department":
        if dept_id is None:
            raise UserError("部门联络员必须绑定一个部门")
        if conn.execute(select(Department.id).where(Department.id == dept_id)).first() is None:
            raise UserError(f"部门编号 {dept_id} 不存在")
    elif dept_id is not None:
        raise UserError(f"{ROLES[role]}可查看全部部门，不应绑定部门")
    if conn.execute(select(_users.c.id).where(_users.c.username == username)).first():
        raise UserError(f"用户名 {username!r} 已存在")
    email = (email or "").strip().lower() or None
    if email and conn.execute(select(_users.c.id).where(_users.c.email == email)).first():
        raise UserError(f"邮箱 {email} 已绑定其他用户")
    user_id = conn.execute(
        insert(_users)
        .values(
            username=username,
            display_name=(display_name or "").strip() or username,
            role=role,
            dept_id=dept_id,
            email=email,
            password_hash=hash_password(password),
            disabled=False,
            failed_attempts=0,
            created_at=utcnow(),
        )
        .returning(_users.c.id)
    ).scalar_one()
    record(conn, actor, "user.add", username, role=role, dept_id=dept_id, email=email)
    return user_id


def set_disabled(conn: Connection, username: str, disabled: bool, *, actor: str) -> None:
    """Disable (or re-enable) an account; a disabled account cannot log in."""
    _get(conn, username)
    if disabled and username == actor:
        raise UserError("不能停用自己正在使用的账号，请由另一位管理员操作")
    conn.execute(update(_users).where(_users.c.username == username).values(disabled=disabled))
    record(conn, actor, "user.disable" if disabled else "user.enable", username)


def reset_password(conn: Connection, username: str, password: str, *, actor: str) -> None:
    """Set a new password and lift any lockout."""
    _get(conn, username)
    conn.execute(
        update(_users)
        .where(_users.c.username == username)
        .values(password_hash=hash_password(password), failed_attempts=0, locked_until=None)
    )
    record(conn, actor, "user.reset_password", username)


def unlock(conn: Connection, username: str, *, actor: str) -> None:
    _get(conn, username)
    conn.execute(update(_users).where(_users.c.username == username).values(failed_attempts=0, locked_until=None))
    record(conn, actor, "user.unlock", username)


def list_users(conn: Connection) -> list[dict]:
    """Every account with its department name; never the hash."""
    rows = (
        conn.execute(
            select(
                _users.c.username,
                _users.c.display_name,
                _users.c.role,
                _users.c.dept_id,
                Department.name.label("dept_name"),
                _users.c.email,
                _users.c.disabled,
                _users.c.failed_attempts,
                _users.c.locked_until,
                _users.c.created_at,
                _users.c.last_login_at,
            )
            .select_from(_users.outerjoin(Department.__table__, Department.id == _users.c.dept_id))
            .order_by(_users.c.username)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def active_viewer(conn: Connection, username: str) -> Viewer | None:
    """The account as it is now, or None if it was removed or disabled since login."""
    row = conn.execute(select(_users).where(_users.c.username == username)).first()
    return None if row is None or row.disabled else _viewer(row)


def local_time(at: datetime, fmt: str = "%H:%M") -> str:
    """A stored naive-UTC time as the clock on the office wall shows it."""
    return to_local(at).strftime(fmt)


def _locked_message(until: datetime) -> str:
    return f"账号因多次密码错误已锁定，请于 {local_time(until)} 后再试，或联系管理员解锁"


def authenticate(
    conn: Connection, username: str, password: str, now: datetime | None = None, method: str = "password"
) -> LoginResult:
    """Check a password; count failures, lock after the configured number, audit each try.

    `now` (naive UTC) is injectable so tests move the clock instead of sleeping.
    """
    settings = get_settings()
    now = now or utcnow()
    username = (username or "").strip()
    bad = LoginResult(
        None, f"用户名或密码错误。连续输错 {settings.login_max_failures} 次将锁定 {settings.login_lock_minutes} 分钟"
    )
    row = conn.execute(select(_users).where(_users.c.username == username)).first()
    if row is None:
        _hasher.verify(password or "", _DUMMY_HASH)
        record(conn, username or "(空)", "login.failure", username, reason="unknown_user")
        return bad
    if row.disabled:
        record(conn, username, "login.failure", username, reason="disabled")
        return LoginResult(None, "账号已停用，请联系管理员")
    if row.locked_until is not None and row.locked_until > now:
        record(conn, username, "login.failure", username, reason="locked")
        return LoginResult(None, _locked_message(row.locked_until), row.locked_until)
    valid, new_hash = _hasher.verify_and_update(password or "", row.password_hash)
    if not valid:
        return _count_failure(conn, row, now, bad)
    values = dict(failed_attempts=0, locked_until=None, last_login_at=now)
    if new_hash:
        values["password_hash"] = new_hash
    conn.execute(update(_users).where(_users.c.id == row.id).values(**values))
    record(conn, username, "login.success", username, method=method)
    return LoginResult(_viewer(row))


def _count_failure(conn: Connection, row, now: datetime, bad: LoginResult) -> LoginResult:
    settings = get_settings()
    failures = conn.execute(
        update(_users)
        .where(_users.c.id == row.id)
        .values(failed_attempts=_users.c.failed_attempts + 1, locked_until=None)
        .returning(_users.c.failed_attempts)
    ).scalar_one()
    record(conn, row.username, "login.failure", row.username, reason="bad_password", failures=failures)
    if failures < settings.login_max_failures:
        return bad
    until = now + timedelta(minutes=settings.login_lock_minutes)
    # The count restarts with the lock, so after it expires the user has a fresh allowance.
    conn.execute(update(_users).where(_users.c.id == row.id).values(failed_attempts=0, locked_until=until))
    record(conn, row.username, "user.locked", row.username, until=until, failures=failures)
    return LoginResult(None, _locked_message(until), until)


def login_by_email(conn: Connection, email: str) -> LoginResult:
    """Single sign-on: the identity provider vouched for `email`; map it to an account."""
    email = (email or "").strip().lower()
    row = conn.execute(select(_users).where(func.lower(_users.c.email) == email)).first() if email else None
    if row is None:
        record(conn, email or "(无邮箱)", "login.failure", email, reason="unknown_email", method="oidc")
        return LoginResult(
            None, f"统一身份认证账号 {email or '（无邮箱）'} 未绑定本系统用户，请联系管理员在用户管理中登记该邮箱"
        )
    if row.disabled:
        record(conn, row.username, "login.failure", row.username, reason="disabled", method="oidc")
        return LoginResult(None, "账号已停用，请联系管理员")
    conn.execute(update(_users).where(_users.c.id == row.id).values(last_login_at=utcnow()))
    record(conn, row.username, "login.success", row.username, method="oidc")
    return LoginResult(_viewer(row))


def record_logout(conn: Connection, username: str, reason: str = "user") -> None:
    record(conn, username, "logout", username, reason=reason)


def ensure_demo_users(engine: Engine) -> list[tuple[str, str, str]]:
    """Create the demo accounts that are missing; return every demo (username, role, password).

    Demo mode only (PAOBAN_DEMO_MODE=1): a real deployment never gets a known password.
    Department users are bound to the first 市直部门 and the first 区县 of the register.
    """
    if not get_settings().demo_mode:
        raise UserError(
            "演示账号只能在演示模式下创建（PAOBAN_DEMO_MODE=1）；正式环境请用 python -m data user add 创建账号"
        )
    with engine.begin() as conn:
        accounts = [
            ("demo_leader", "leader", None, "演示-领导小组"),
            ("demo_inspector", "inspector", None, "演示-督察组"),
            ("demo_admin", "admin", None, "演示-管理员"),
        ]
        for n, category in enumerate(("city_dept", "district"), start=1):
            dept = conn.execute(
                select(Department.id, Department.name)
                .where(Department.category == category)
                .order_by(Department.id)
                .limit(1)
            ).first()
            if dept is not None:
                accounts.append((f"demo_dept_{n}", "department", dept.id, f"演示-{dept.name}联络员"))
        existing = set(conn.execute(select(_users.c.username)).scalars())
        for username, role, dept_id, display_name in accounts:
            if username not in existing:
                create_user(
                    conn, username, role, DEMO_PASSWORD, actor="demo", display_name=display_name, dept_id=dept_id
                )
    return [(username, role, DEMO_PASSWORD) for username, role, _, _ in accounts]
