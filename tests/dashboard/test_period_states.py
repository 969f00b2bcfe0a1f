"""Periods a clerk must not mistake for real results: a period without data is not ranked
(该期无数据) and no picker opens on it; a closed period inside its grace is 暂定."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert

from data.db import get_engine
from data.models import CatalogResource, DeptScore, ScoreSnapshot
from tests.dashboard.conftest import login
from tests.dashboard.test_pages import open_page, page_text

# 2025: closed, computed before any record (every total empty); 2026: running, with totals
YEARS = {
    "2025": (date(2025, 1, 1), date(2025, 12, 31), date(2025, 12, 31), None),
    "2026": (date(2026, 1, 1), date(2026, 12, 31), date(2026, 11, 20), 66.0),
}


def add_years(store) -> None:
    with get_engine().begin() as conn:
        for key, (start, end, as_of, total) in YEARS.items():
            snap = conn.execute(
                insert(ScoreSnapshot.__table__)
                .values(
                    period_key=key,
                    period_kind="year",
                    period_start=start,
                    period_end=end,
                    as_of=as_of,
                    scheme_version="2026.1",
                    input_digest="0" * 64,
                    status="current",
                    computed_at=datetime(2026, 11, 20, 8, 0),
                )
                .returning(ScoreSnapshot.__table__.c.id)
            ).scalar_one()
            conn.execute(
                insert(DeptScore.__table__),
                [
                    {
                        "snapshot_id": snap,
                        "dept_id": dept_id,
                        "category": "city_dept",
                        "total": total,
                        "base_total": total,
                        "bonus": 0.0,
                        "deduction": 0.0,
                        "vetoed": False,
                        "tier": None if total is None else "一般",
                        "rank": None if total is None else 1,
                    }
                    for name, dept_id in store.fixture.dept.items()
                    if name == "市卫健委"
                ],
            )


def test_the_year_view_opens_on_the_latest_year_with_data(app, dashboard_store):
    add_years(dashboard_store)
    at = login(app, dashboard_store.dept_user("市卫健委"))
    open_page(at, "my_scores.py")
    next(r for r in at.radio if r.label == "考核周期类型").set_value("year").run()
    period = next(s for s in at.selectbox if s.label == "考核周期")
    assert period.value == "2026"  # not 2025, closed but empty
    assert period.options == ["2026年（进行中）", "2025年（无数据）"]
    assert [(m.label, m.value) for m in at.metric][0] == ("总分", "66.00")


def test_a_period_without_data_says_so_and_is_not_ranked(app, dashboard_store):
    add_years(dashboard_store)
    at = login(app, "leader")
    next(r for r in at.radio if r.label == "考核周期类型").set_value("year").run()
    next(s for s in at.selectbox if s.label == "考核周期").set_value("2025").run()
    assert not at.exception
    assert any("2025年该期无数据" in i.value for i in at.info), page_text(at)
    assert not at.dataframe and not at.metric


def test_a_closed_month_inside_its_grace_is_provisional(app, dashboard_store):
    # a 每月 resource: 2026-08 settles on 09-05, so a snapshot as of 09-03 is 暂定;
    # 2026-10 as of 11-05 has settled
    police = dashboard_store.fixture.dept["市公安局"]
    with get_engine().begin() as conn:
        conn.execute(
            insert(CatalogResource.__table__).values(
                resource_code="M1",
                name="月报",
                provider_dept_id=police,
                share_type="unconditional",
                update_frequency="monthly",
                mounted=True,
            )
        )
        snap = conn.execute(
            insert(ScoreSnapshot.__table__)
            .values(
                period_key="2026-08",
                period_kind="month",
                period_start=date(2026, 8, 1),
                period_end=date(2026, 8, 31),
                as_of=date(2026, 9, 3),
                scheme_version="2026.1",
                input_digest="0" * 64,
                status="current",
                computed_at=datetime(2026, 9, 3, 8, 0),
            )
            .returning(ScoreSnapshot.__table__.c.id)
        ).scalar_one()
        conn.execute(
            insert(DeptScore.__table__).values(
                snapshot_id=snap,
                dept_id=police,
                category="city_dept",
                total=70.0,
                base_total=70.0,
                bonus=0.0,
                deduction=0.0,
                vetoed=False,
                tier="一般",
                rank=1,
            )
        )
    at = login(app, "leader")
    period = next(s for s in at.selectbox if s.label == "考核周期")
    assert period.options == ["2026年11月（进行中）", "2026年10月", "2026年9月", "2026年8月（暂定）"]
    period.set_value("2026-08").run()
    assert any("暂定" in c.value for c in at.caption)
