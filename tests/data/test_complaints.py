"""The complaint reads of 部门详情 on both engines: local month edges, 未分类, newest first, scope."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import insert

from data import complaints
from data.models import Complaint, Department
from data.viewer import AccessDenied, Viewer

INSPECTOR = Viewer("i", "inspector")


@pytest.fixture
def depts(engine):
    d = Department.__table__
    with engine.begin() as conn:
        ids = [
            conn.execute(insert(d).values(name=n, category="city_dept").returning(d.c.id)).scalar_one()
            for n in ("市交通运输局", "市公安局")
        ]
        rows = [
            # 15:59 UTC on 31 Jul is 23:59 local (July); 16:30 UTC is 00:30 on 1 Aug local (August)
            ("T1", ids[0], datetime(2026, 7, 31, 15, 59), "公交服务"),
            ("T2", ids[0], datetime(2026, 7, 31, 16, 30), "公交服务"),
            ("T3", ids[0], datetime(2026, 8, 20, 2, 0), ""),
            ("T4", ids[0], datetime(2026, 8, 21, 2, 0), None),
            ("T5", ids[0], datetime(2026, 8, 22, 2, 0), "网约车"),
            ("T6", ids[1], datetime(2026, 8, 22, 2, 0), "户籍"),
            ("T7", ids[0], datetime(2026, 9, 30, 16, 0), "网约车"),  # 1 Oct local: outside the window
        ]
        conn.execute(
            insert(Complaint.__table__),
            [
                {"ticket_id": t, "dept_id": dept, "received_at": at, "category": cat, "summary": f"诉求{t}"}
                for t, dept, at, cat in rows
            ],
        )
    return ids


def test_counts_fall_in_local_months_with_blank_categories_as_uncategorised(engine, depts):
    with engine.connect() as conn:
        counts = complaints.tickets_by_month(conn, INSPECTOR, depts[0], date(2026, 7, 1), date(2026, 9, 30))
    assert counts.to_dict("records") == [
        {"month": date(2026, 7, 1), "category": "公交服务", "tickets": 1},
        {"month": date(2026, 8, 1), "category": "未分类", "tickets": 2},
        {"month": date(2026, 8, 1), "category": "公交服务", "tickets": 1},
        {"month": date(2026, 8, 1), "category": "网约车", "tickets": 1},
    ]


def test_tickets_of_the_days_newest_first_and_only_the_departments_own(engine, depts):
    own = Viewer("d", "department", dept_id=depts[0])
    with engine.connect() as conn:
        rows = complaints.tickets(conn, own, depts[0], date(2026, 8, 1), date(2026, 8, 31))
        assert list(rows["ticket_id"]) == ["T5", "T4", "T3", "T2"]
        with pytest.raises(AccessDenied):
            complaints.tickets_by_month(conn, own, depts[1], date(2026, 8, 1), date(2026, 8, 31))
