"""A department founded mid-period says when it was founded, and its rank is marked 部分年度."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, update

from data.db import get_engine
from data.models import Department
from tests.dashboard.conftest import login
from tests.dashboard.test_pages import open_page, page_text


def test_a_department_founded_inside_the_period_is_marked_part_year(app, dashboard_store):
    fx = dashboard_store.fixture
    with get_engine().begin() as conn:
        conn.execute(
            update(Department.__table__)
            .where(Department.__table__.c.id == fx.dept["市卫健委"])
            .values(active_from=date(2026, 10, 15))
        )
    at = login(app, "leader")  # opens on 2026-10, the latest closed month
    table = at.dataframe[0].value.set_index("部门")
    assert table.loc["市卫健委", "部分年度"] == "自 2026-10-15 起"
    assert table.loc["市公安局", "部分年度"] == ""
    at.session_state["selected_dept_id"] = fx.dept["市卫健委"]
    open_page(at, "department.py")
    assert [m.label for m in at.metric][1] == "排名（部分年度）"
    assert any(
        "部分年度：市卫健委自 2026-10-15 起纳入考核，2026年10月的得分和排名只含此后的记录" in i.value for i in at.info
    ), page_text(at)


def test_a_department_not_yet_founded_says_when_it_will_be(app, dashboard_store):
    with get_engine().begin() as conn:
        new = conn.execute(
            insert(Department.__table__)
            .values(name="市营商局", category="city_dept", active_from=date(2026, 11, 10))
            .returning(Department.__table__.c.id)
        ).scalar_one()
    at = login(app, "leader")
    at.session_state["selected_dept_id"] = new
    open_page(at, "department.py")
    assert any(
        "市营商局自 2026-11-10 起纳入考核，2026年10月尚未设立或尚未纳入考核，没有得分" in i.value for i in at.info
    ), page_text(at)


def test_a_ranking_without_part_year_departments_has_no_such_column(app, dashboard_store):
    at = login(app, "leader")
    assert "部分年度" not in at.dataframe[0].value.columns
