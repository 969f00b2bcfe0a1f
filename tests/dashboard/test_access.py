"""Access control through the real login form (AppTest), on SQLite and PostgreSQL.

The matrix logs in as every role, opens every page the role may open, and reads the
whole rendered element tree (text, tables, chart specs, widget options) plus every
download the page offers. A department user must never receive another department's
identifying data, not even when it asks for another department by query parameter or
by planting values in session state. Pages are checked generically, so a page added
later is covered without touching this file.
"""

from __future__ import annotations

import html
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.state.common import TESTING_KEY
from streamlit.testing.v1 import AppTest

from dashboard.auth import LAST_SEEN_KEY, PAGE_ACCESS, VIEWER_KEY
from data.db import get_engine
from data.models import (
    AuditLog,
    CatalogResource,
    Complaint,
    Department,
    DepartmentAlias,
    EvidenceItem,
    ExchangeCall,
    ExchangeDaily,
    GainItem,
    WebSession,
    utcnow,
)
from data.users import set_disabled
from data.viewer import Viewer
from tests.dashboard.conftest import APP, login, submit_login

PAGES_DIR = APP.parent / "views"
ROLES = ("leader", "inspector", "admin", "department")
EXPLORE_LIMIT = 40


def existing_pages() -> list[str]:
    return [name for name in PAGE_ACCESS if (PAGES_DIR / name).is_file()]


def allowed(role: str) -> list[str]:
    return [name for name in existing_pages() if role in PAGE_ACCESS[name][3]]


# ---- what a page delivered: every string in the element tree, and every download ----


def _proto_strings(message) -> Iterator[str]:
    for _field, value in message.ListFields():
        for item in value if hasattr(value, "extend") else [value]:
            if hasattr(item, "ListFields"):
                yield from _proto_strings(item)
            elif isinstance(item, str):
                yield item


def _readable(text: str) -> str:
    """JSON specs (plotly, vega) escape Chinese as \\uXXXX; decode them so names match."""
    if text[:1] in "[{":
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def rendered_text(at: AppTest) -> str:
    parts = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if hasattr(proto, "ListFields"):
            parts.extend(_readable(s) for s in _proto_strings(proto))
        if node.type in ("arrow_data_frame", "table"):
            parts.append(node.value.to_csv())
    return "\n".join(parts)


def file_text(data: bytes) -> str:
    """Text of a download: the XML parts of xlsx/docx, or decoded CSV/plain text."""
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(
                html.unescape(archive.read(n).decode("utf-8", "replace"))
                for n in archive.namelist()
                if n.endswith(".xml")
            )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


@pytest.fixture
def downloads(monkeypatch) -> list[tuple[str, Callable[[], object]]]:
    """Records the data of every download button (fixed bytes or a build-on-click callable).

    The real media manager still stores them; this only keeps a reference for the test.
    """
    captured: list[tuple[str, Callable[[], object]]] = []
    real_add, real_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        captured.append((file_name or "", lambda: path_or_data))
        return real_add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        captured.append((file_name or "", data_callable))
        return real_deferred(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add", add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return captured


def delivered(at: AppTest, downloads: list) -> str:
    """Everything the last run sent: the element tree and, as if clicked, every download."""
    texts = [rendered_text(at)]
    for _name, build in downloads:
        data = build()
        if isinstance(data, str):
            data = data.encode()
        texts.append(file_text(data if isinstance(data, bytes) else data.read()))
    downloads.clear()
    return "\n".join(texts)


# ---- what a department must not see ----


def foreign_identifiers(dept_id: int) -> dict[str, str]:
    """Strings that identify another department's data → whose they are.

    A department's own exchange partners (who calls its services, whose services it
    calls) are part of its own records, so their names and service codes are allowed;
    their evidence, tickets and catalog entries are not. Strings under 4 bytes ("c1") are
    too short to search for without false alarms; a Chinese name is never that short.
    """
    with get_engine().connect() as conn:
        names = dict(conn.execute(select(Department.id, Department.name)).all())
        partners = set()
        for table in (ExchangeDaily, ExchangeCall):
            for provider, consumer in conn.execute(select(table.provider_dept_id, table.consumer_dept_id).distinct()):
                if dept_id in (provider, consumer):
                    partners |= {provider, consumer}
        found: dict[str, str] = {}

        def add(owner: int, *values) -> None:
            if owner != dept_id:
                for value in values:
                    if value and len(str(value).encode()) >= 4:
                        found[str(value)] = names[owner]

        for owner, name in names.items():
            if owner not in partners:
                add(owner, name)
        for owner, alias in conn.execute(select(DepartmentAlias.department_id, DepartmentAlias.alias)):
            if owner not in partners:
                add(owner, alias)
        for row in conn.execute(select(EvidenceItem.dept_id, EvidenceItem.item_key, EvidenceItem.label)):
            add(*row)
        for row in conn.execute(select(GainItem.dept_id, GainItem.item_key, GainItem.action)):
            add(*row)
        for row in conn.execute(select(Complaint.dept_id, Complaint.ticket_id, Complaint.summary)):
            add(*row)
        for owner, code, name, service in conn.execute(
            select(
                CatalogResource.provider_dept_id,
                CatalogResource.resource_code,
                CatalogResource.name,
                CatalogResource.service_code,
            )
        ):
            add(owner, code, name, None if owner in partners else service)
        for owner, service in conn.execute(
            select(ExchangeDaily.provider_dept_id, ExchangeDaily.service_code).distinct()
        ):
            if owner not in partners:
                add(owner, service)
    return found


def assert_no_leak(text: str, forbidden: dict[str, str], where: str) -> None:
    leaks = sorted(f"{s!r}（属于{owner}）" for s, owner in forbidden.items() if s in text)
    assert not leaks, f"{where}: another department's data reached the page: {leaks}"


def check_page(at: AppTest, downloads: list, forbidden: dict[str, str] | None, where: str) -> str:
    assert not at.exception, f"{where}: {[e.value for e in at.exception]}"
    text = delivered(at, downloads)
    if forbidden is not None:
        assert_no_leak(text, forbidden, where)
    return text


def _choose(widget, index: int) -> None:
    """Pick an option by its position, as a click would.

    A click sends the option's displayed label; AppTest's own setters need the raw value
    and a format function to re-derive that label, so the label is passed through as is.
    """
    widget.root.session_state[TESTING_KEY][widget.id] = lambda v: v
    widget.set_value(widget.options[index])


def explore(at: AppTest, downloads: list, forbidden, where: str) -> int:
    """Try every option of every select box and radio on the page, one widget at a time."""
    runs = 0
    seen: set[tuple] = set()
    queue = [(w.type, w.key or w.label) for kind in ("radio", "selectbox") for w in getattr(at, kind)]
    while queue and runs < EXPLORE_LIMIT:
        ident = queue.pop(0)
        widget = next((w for w in list(at.radio) + list(at.selectbox) if (w.type, w.key or w.label) == ident), None)
        if widget is None:
            continue
        for index in range(len(widget.options)):
            if (ident, widget.options[index]) in seen or runs >= EXPLORE_LIMIT:
                continue
            seen.add((ident, widget.options[index]))
            label = widget.options[index]
            _choose(widget, index)
            at.run()
            runs += 1
            check_page(at, downloads, forbidden, f"{where} [{ident[1]}={label}]")
            queue += [
                (w.type, w.key or w.label)
                for w in list(at.radio) + list(at.selectbox)
                if (w.type, w.key or w.label) not in queue
            ]
            widget = next((w for w in list(at.radio) + list(at.selectbox) if (w.type, w.key or w.label) == ident), None)
            if widget is None:
                break
    return runs


# ---- the matrix ----


def page_ran(at: AppTest) -> str | None:
    """File name of the page the last run executed (None for the login form)."""
    info = at._registered_pages.get(at._finished_page_script_hash) or {}
    return Path(info["script_path"]).name if info.get("script_path") else None


def denied(at: AppTest) -> bool:
    return any("无权访问" in e.value for e in at.error)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_opens_its_pages_and_no_other(app, dashboard_store, downloads, role):
    username = next(u for u, (r, _) in dashboard_store.users.items() if r == role)
    login(app, username)
    # the navigation app.py declared after login holds exactly the role's pages
    assert sorted(
        Path(i["script_path"]).name for i in app._registered_pages.values() if i.get("script_path")
    ) == sorted(allowed(role))
    forbidden = foreign_identifiers(dashboard_store.users[username][1]) if role == "department" else None
    for page in allowed(role):
        app.switch_page(f"views/{page}").run()
        check_page(app, downloads, forbidden, f"{role} {page}")
        assert page_ran(app) == page and not denied(app)
    # a page outside the role's navigation cannot be reached at all
    for page in sorted(set(existing_pages()) - set(allowed(role))):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(f"views/{page}")


@pytest.mark.parametrize("role", ROLES)
def test_a_page_run_without_the_navigation_refuses_the_wrong_role(dashboard_store, downloads, role):
    """Defence in depth: a page file run on its own (no app.py) checks the role itself."""
    username, dept_id = next((u, d) for u, (r, d) in dashboard_store.users.items() if r == role)
    forbidden = foreign_identifiers(dept_id) if role == "department" else None
    for page in sorted(set(existing_pages()) - set(allowed(role))):
        at = AppTest.from_file(str(PAGES_DIR / page), default_timeout=60)
        at.session_state[VIEWER_KEY] = Viewer(username, role, dept_id, username)
        at.session_state[LAST_SEEN_KEY] = utcnow()
        at.run()
        check_page(at, downloads, forbidden, f"{role} ran {page} directly")
        assert denied(at), page
        assert len(at.main.children) <= 2, f"{page} rendered more than the refusal"


# (own, other): `other` has evidence or is not an exchange partner of `own`
DEPT_CASES = [
    ("市卫健委", "市人社局"),
    ("市人社局", "西湖区"),
    ("西湖区", "市卫健委"),
    ("滨江区", "西湖区"),
    ("市公安局", "滨江区"),
]


@pytest.mark.parametrize("own, other", DEPT_CASES)
def test_department_never_sees_another_department(app, dashboard_store, downloads, own, other):
    username = dashboard_store.dept_user(own)
    own_id, other_id = dashboard_store.fixture.dept[own], dashboard_store.fixture.dept[other]
    forbidden = foreign_identifiers(own_id)
    assert other in forbidden
    login(app, username)
    pages = allowed("department")
    assert pages, "no page registered for the department role"
    for page in pages:
        where = f"{own} {page}"
        app.switch_page(f"views/{page}").run()
        check_page(app, downloads, forbidden, where)
        choices = len(app.radio) + len(app.selectbox)
        assert explore(app, downloads, forbidden, where) >= min(choices, 1)
        for param in ("dept", "dept_id", "department", "id"):
            app.query_params = {param: str(other_id)}
            app.switch_page(f"views/{page}").run()
            check_page(app, downloads, forbidden, f"{where} ?{param}={other_id}")
        app.query_params = {}
        for key in ("selected_dept_id", "dept_id", "dept"):
            app.session_state[key] = other_id
            app.switch_page(f"views/{page}").run()
            check_page(app, downloads, forbidden, f"{where} session_state[{key}]={other_id}")
        # a forged viewer in session state: the store's account decides, not the session
        app.session_state["viewer"] = Viewer(username, "admin", other_id, "伪造")
        app.switch_page(f"views/{page}").run()
        check_page(app, downloads, forbidden, f"{where} forged viewer")
        assert app.session_state["viewer"] == Viewer(username, "department", own_id, username)
    assert allowed("department") == pages


# ---- login, lockout, expiry, logout ----


def login_form_shown(at: AppTest) -> bool:
    return "用户名" in [t.label for t in at.text_input] and "viewer" not in at.session_state


def audit_actions(username: str) -> list[tuple[str, str | None]]:
    with get_engine().connect() as conn:
        rows = conn.execute(
            select(AuditLog.action, AuditLog.detail).where(AuditLog.actor == username).order_by(AuditLog.id)
        ).all()
    return [(a, json.loads(d).get("reason") if d else None) for a, d in rows]


def test_login_form_rejects_then_locks(app, dashboard_store):
    app.run()
    assert login_form_shown(app)
    for attempt in range(1, 6):
        submit_login(app, "inspector", "not-the-password")
        assert login_form_shown(app)
        assert not app.exception
        if attempt < 5:
            assert "用户名或密码错误" in app.error[0].value
    assert "已锁定" in app.error[0].value
    submit_login(app, "inspector")  # the right password, but locked
    assert login_form_shown(app) and "已锁定" in app.error[0].value
    assert audit_actions("inspector") == [("login.failure", "bad_password")] * 5 + [
        ("user.locked", None),
        ("login.failure", "locked"),
    ]


def idle_for(app: AppTest, minutes: int) -> None:
    """The tab and its session record (shared by the browser's tabs) last active `minutes` ago."""
    app.session_state["last_seen"] = utcnow() - timedelta(minutes=minutes)
    with get_engine().begin() as conn:
        conn.execute(update(WebSession.__table__).values(last_seen_at=utcnow() - timedelta(minutes=minutes)))


def test_expired_session_goes_back_to_login(app, dashboard_store, monkeypatch):
    monkeypatch.setenv("PAOBAN_SESSION_IDLE_MINUTES", "7")
    login(app, "leader")
    idle_for(app, 6)
    app.run()
    assert "viewer" in app.session_state  # 6 idle minutes of 7: still in
    idle_for(app, 8)
    app.run()
    assert login_form_shown(app)
    assert "自动退出" in app.warning[0].value
    for page in existing_pages():  # after expiry the navigation holds only the login page
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(f"views/{page}")
    assert audit_actions("leader")[-1] == ("logout", "idle")


def test_logout(app, dashboard_store):
    login(app, "inspector")
    next(b for b in app.sidebar.button if b.label == "退出登录").click().run()
    assert login_form_shown(app)
    assert audit_actions("inspector") == [("login.success", None), ("logout", "user")]


def test_disabled_account_is_sent_back_to_login(app, dashboard_store):
    login(app, "leader")
    with get_engine().begin() as conn:
        set_disabled(conn, "leader", True, actor="root")
    app.run()
    assert login_form_shown(app) and "停用" in app.warning[0].value


def test_single_sign_on_maps_email_to_user(app, dashboard_store):
    app.secrets = {
        "auth": {
            "redirect_uri": "http://localhost:8501/oauth2callback",
            "cookie_secret": "x" * 32,
            "client_id": "c",
            "client_secret": "s",
            "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
        }
    }
    app.user = {"is_logged_in": False}
    app.run()
    assert "使用统一身份认证登录" in [b.label for b in app.button]
    app.user = {"is_logged_in": True, "email": "Inspector@Example.gov.cn"}
    app.run()
    assert app.session_state["viewer"].username == "inspector"
    stranger = AppTest.from_file(APP, default_timeout=30)
    stranger.secrets, stranger.user = app.secrets, {"is_logged_in": True, "email": "eve@x.cn"}
    stranger.run()
    assert login_form_shown(stranger) and "未绑定" in stranger.warning[0].value


def test_without_sso_config_identity_claims_are_ignored(app, dashboard_store):
    app.user = {"is_logged_in": True, "email": "root@example.gov.cn"}
    app.run()
    assert login_form_shown(app)
    assert "使用统一身份认证登录" not in [b.label for b in app.button]


# ---- the admin pages ----


def test_admin_adds_user_and_resets_password_with_audit(app, dashboard_store):
    login(app, "root")
    app.switch_page("views/admin_users.py").run()
    app.selectbox(key="new_role").set_value("department").run()
    app.selectbox(key="new_dept").set_value(dashboard_store.fixture.dept["西湖区"])
    inputs = {t.label.split("（")[0]: t for t in app.text_input}
    inputs["用户名"].input("xihu_liaison")
    inputs["姓名"].input("李四")
    inputs["初始密码"].input("liaison-pass-1")
    next(b for b in app.button if b.label == "创建用户").click().run()
    assert not app.exception and "已创建用户 xihu_liaison" in app.success[0].value
    assert "xihu_liaison" in set(app.dataframe[0].value["用户名"])
    app.selectbox(key="chosen_user").set_value("xihu_liaison").run()
    next(b for b in app.button if b.label == "重置密码").click().run()
    new_password = app.code[0].value
    assert len(new_password) >= 12 and new_password != "liaison-pass-1"
    fresh = AppTest.from_file(APP, default_timeout=30)
    login(fresh, "xihu_liaison", new_password)
    assert fresh.session_state["viewer"] == Viewer(
        "xihu_liaison", "department", dashboard_store.fixture.dept["西湖区"], "李四"
    )
    assert [a for a, _ in audit_actions("root")][-2:] == ["user.add", "user.reset_password"]
    with get_engine().connect() as conn:
        dumped = repr(conn.execute(select(AuditLog)).all())
    assert "liaison-pass-1" not in dumped and new_password not in dumped


def test_admin_cannot_disable_itself(app, dashboard_store):
    login(app, "root")
    app.switch_page("views/admin_users.py").run()
    app.selectbox(key="chosen_user").set_value("root").run()
    next(b for b in app.button if b.label == "停用账号").click().run()
    assert "不能停用自己" in app.error[0].value


def test_audit_page_filters(app, dashboard_store):
    failed = AppTest.from_file(APP, default_timeout=30).run()
    submit_login(failed, "leader", "wrong-password")
    login(app, "root")
    app.switch_page("views/admin_audit.py").run()
    table = app.dataframe[0].value
    assert {"登录失败", "登录成功"} <= set(table["操作"])
    app.selectbox(key="audit_actor").set_value("leader").run()
    assert list(app.dataframe[0].value["操作"]) == ["登录失败"]
    assert "密码错误" in app.dataframe[0].value["详情"][0]
    app.text_input(key="audit_text").input("没有这样的记录").run()
    assert "没有审计记录" in app.info[0].value


def test_app_starts_when_page_files_are_missing(app, dashboard_store, monkeypatch, tmp_path):
    monkeypatch.setattr("dashboard.auth.PAGES_DIR", tmp_path)
    login(app, "leader")
    assert not app.exception
    assert "没有可访问的页面" in app.info[0].value
    assert "退出登录" in [b.label for b in app.sidebar.button]
