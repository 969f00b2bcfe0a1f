"""Pages show Chinese labels, not codes: audit targets and login methods on 审计日志."""

from __future__ import annotations

from data import audit
from data.db import get_engine
from tests.dashboard.conftest import login
from tests.dashboard.test_pages import open_page


def test_audit_log_names_targets_and_login_methods_in_chinese(app, dashboard_store):
    fx = dashboard_store.fixture
    with get_engine().begin() as conn:
        audit.record(conn, "leader", "export", "ranking:city_dept", period="2026-10", kind="xlsx")
        audit.record(conn, "leader", "export", f"evidence:{fx.dept['市卫健委']}", period="2026-10", kind="csv")
    at = login(app, "root")
    open_page(at, "admin_audit.py")
    log = at.dataframe[0].value
    assert {"排名（市直部门）", "部门证据（市卫健委）"} <= set(log["对象"])
    details = set(log["详情"])
    assert "考核周期：2026-10；格式：Excel 工作簿" in details
    assert any("方式：密码" in d for d in details), details  # root's own login just now
