"""`python -m data user add|disable|reset-password|unlock|list`: accounts from the shell.

This is how the first administrator is made: there is no default password outside demo
mode. A password is typed at a prompt, read from stdin (--password-stdin), or generated
and shown once. Hashes are never printed.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy import select

from data.migrate import ready_engine
from data.models import ROLES, Department
from data.users import (
    UserError,
    check_password,
    create_user,
    generate_password,
    list_users,
    reset_password,
    set_disabled,
    unlock,
)

ROLE_BY_LABEL = {**{label: key for key, label in ROLES.items()}, **{k: k for k in ROLES}}


def cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


def obtain_password(args) -> tuple[str, bool]:
    """(password, generated): from stdin, an interactive prompt, or freshly generated."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        check_password(password)
        return password, False
    if sys.stdin.isatty():
        password = getpass.getpass("新密码（留空则自动生成）：")
        if not password:
            return generate_password(), True
        check_password(password)
        if getpass.getpass("再次输入新密码：") != password:
            raise UserError("两次输入的密码不一致")
        return password, False
    return generate_password(), True


def resolve_dept(conn, name: str | None) -> int | None:
    if not name:
        return None
    dept_id = conn.execute(select(Department.id).where(Department.name == name)).scalar()
    if dept_id is None:
        raise UserError(
            f"部门 {name!r} 不存在：请先用 python -m data dept add 登记，或用 python -m data dept list 查看准确名称"
        )
    return dept_id


def cmd_user(args) -> int:
    engine = ready_engine()
    if args.user_cmd == "list":
        with engine.connect() as conn:
            for u in list_users(conn):
                state = "停用" if u["disabled"] else ("锁定" if u["locked_until"] else "正常")
                print(
                    f"{u['username']:<20} {ROLES[u['role']]:<6} {u['display_name']:<16} "
                    f"{u['dept_name'] or '-':<16} {u['email'] or '-':<24} {state}"
                )
        return 0
    actor = cli_actor()
    with engine.begin() as conn:
        if args.user_cmd == "add":
            role = ROLE_BY_LABEL.get(args.role)
            if role is None:
                raise UserError(f"未知角色 {args.role!r}：应为 {'、'.join(ROLES)}")
            password, generated = obtain_password(args)
            create_user(
                conn,
                args.username,
                role,
                password,
                actor=actor,
                display_name=args.display_name,
                dept_id=resolve_dept(conn, args.dept),
                email=args.email,
            )
            print(f"已创建用户 {args.username}（{ROLES[role]}）")
        elif args.user_cmd == "disable":
            set_disabled(conn, args.username, not args.enable, actor=actor)
            print(f"已{'启用' if args.enable else '停用'}用户 {args.username}")
        elif args.user_cmd == "unlock":
            unlock(conn, args.username, actor=actor)
            print(f"已解除用户 {args.username} 的锁定")
        else:
            password, generated = obtain_password(args)
            reset_password(conn, args.username, password, actor=actor)
            print(f"已重置用户 {args.username} 的密码")
    if args.user_cmd in ("add", "reset-password") and generated:
        print(f"初始密码（只显示这一次，请转交本人并提醒登录后妥善保管）：{password}")
    return 0


def add_user_parser(sub: argparse._SubParsersAction) -> None:
    user = sub.add_parser("user", help="dashboard accounts")
    usub = user.add_subparsers(dest="user_cmd", required=True)
    add = usub.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument(
        "--role", required=True, help="leader|inspector|department|admin (or 领导小组/督察组/部门联络员/管理员)"
    )
    add.add_argument("--dept", help="department name, required for --role department")
    add.add_argument("--display-name")
    add.add_argument("--email", help="e-mail used by single sign-on")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    disable = usub.add_parser("disable", help="disable an account (--enable to undo)")
    disable.add_argument("username")
    disable.add_argument("--enable", action="store_true")
    reset = usub.add_parser("reset-password", help="set a new password and lift a lockout")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    usub.add_parser("unlock", help="lift a lockout").add_argument("username")
    usub.add_parser("list", help="list accounts")
    user.set_defaults(func=cmd_user)
