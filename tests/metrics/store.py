"""A small city in the store for the metrics integration tests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert

from data.departments import add_departments
from data.models import (
    CatalogResource,
    Complaint,
    DataObjection,
    ExchangeCall,
    ExchangeDaily,
    ExchangeFaultMonth,
    ExchangeServiceMonth,
    OfficeKpi,
    ResourceUpdate,
    SharingRequest,
)
from tests.metrics.builders import local


def seed(engine) -> None:
    """Two city departments and a district with a little of every record kind in 2026."""
    with engine.begin() as conn:
        add_departments(
            conn,
            [
                {"name": "市数据局", "category": "市直部门", "aliases": ["数据局"]},
                {"name": "市人社局", "category": "市直部门"},
                {"name": "甲区", "category": "区县", "active_from": date(2026, 3, 1)},
            ],
        )
        conn.execute(
            insert(CatalogResource.__table__),
            [
                {
                    "resource_code": "R1",
                    "name": "企业登记信息",
                    "provider_dept_id": 1,
                    "share_type": "unconditional",
                    "update_frequency": "monthly",
                    "mounted": True,
                    "service_code": "S1",
                    "registered_at": date(2025, 6, 1),
                    "first_seen_at": datetime(2025, 6, 1),
                    "snapshot_at": datetime(2026, 11, 1),
                    "last_updated_at": local(2026, 10, 3),
                },
                {
                    "resource_code": "R2",
                    "name": "社保缴费信息",
                    "provider_dept_id": 2,
                    "share_type": "conditional",
                    "update_frequency": "quarterly",
                    "mounted": False,
                    "service_code": None,
                    "registered_at": date(2025, 1, 1),
                    "first_seen_at": datetime(2025, 1, 1),
                    "snapshot_at": datetime(2026, 11, 1),
                    "last_updated_at": None,
                },
                {
                    "resource_code": "R3",
                    "name": "区人口信息",
                    "provider_dept_id": 3,
                    "share_type": "not_shared",
                    "update_frequency": "irregular",
                    "mounted": False,
                    "service_code": None,
                    "registered_at": date(2026, 3, 1),
                    "first_seen_at": datetime(2026, 3, 1),
                    "snapshot_at": datetime(2026, 11, 1),
                    "last_updated_at": None,
                },
            ],
        )
        conn.execute(
            insert(ResourceUpdate.__table__),
            [{"resource_code": "R1", "provider_dept_id": 1, "updated_at": local(2026, m, 3)} for m in range(1, 11)]
            + [{"resource_code": "R2", "provider_dept_id": 2, "updated_at": local(2026, 1, 5)}],
        )
        conn.execute(
            insert(ExchangeDaily.__table__),
            [
                {
                    "day": date(2026, 5, d),
                    "provider_dept_id": 1,
                    "consumer_dept_id": 2,
                    "service_code": "S1",
                    "calls": 100,
                    "failures": 2,
                }
                for d in range(1, 11)
            ],
        )
        conn.execute(
            insert(ExchangeCall.__table__),
            [
                {
                    "call_id": f"C{i}",
                    "requested_at": local(2026, 5, 10),
                    "consumer_dept_id": 2,
                    "provider_dept_id": 1,
                    "service_code": "S1",
                    "succeeded": False,
                    "fault_code": code,
                }
                for i, code in enumerate(["E503", "E503", "E404"])
            ],
        )
        # the collector's monthly folds of the same calls: May = 10 days × 100 calls, 10 × 2 failures
        conn.execute(
            insert(ExchangeServiceMonth.__table__),
            [{"month": date(2026, 5, 1), "provider_dept_id": 1, "service_code": "S1", "calls": 1000, "failures": 20}],
        )
        conn.execute(
            insert(ExchangeFaultMonth.__table__),
            [
                {
                    "month": date(2026, 5, 1),
                    "provider_dept_id": 1,
                    "service_code": "S1",
                    "fault_code": code,
                    "failures": n,
                }
                for code, n in (("E503", 2), ("E404", 1))
            ],
        )
        conn.execute(
            insert(SharingRequest.__table__),
            [
                {
                    "request_id": "Q1",
                    "requester_dept_id": 2,
                    "provider_dept_id": 1,
                    "resource_code": "R1",
                    "submitted_at": local(2026, 2, 10),
                    "answered_at": local(2026, 2, 24, 16),
                },
                {
                    "request_id": "Q2",
                    "requester_dept_id": 1,
                    "provider_dept_id": 2,
                    "resource_code": "R2",
                    "submitted_at": local(2026, 4, 1),
                    "answered_at": None,
                },
            ],
        )
        conn.execute(
            insert(DataObjection.__table__),
            [
                {
                    "objection_id": "O1",
                    "raised_by_dept_id": 2,
                    "provider_dept_id": 1,
                    "resource_code": "R1",
                    "raised_at": local(2026, 6, 1),
                    "resolved_at": local(2026, 6, 3),
                }
            ],
        )
        conn.execute(
            insert(Complaint.__table__),
            [
                {
                    "ticket_id": f"T{i}",
                    "dept_id": 3,
                    "received_at": local(2026, 4, 1 + i),
                    "closed_at": local(2026, 4, 3 + i),
                    "satisfaction": "satisfied" if i % 2 else "dissatisfied",
                }
                for i in range(6)
            ],
        )
        conn.execute(
            insert(OfficeKpi.__table__),
            [
                {
                    "dept_id": d,
                    "month": date(2026, m, 1),
                    "cases_received": 1000,
                    "cases_completed": 950,
                    "cases_on_time": 940,
                    "cases_online": 600,
                    "reviews_good": 95,
                    "reviews_bad": 2,
                }
                for d in (1, 2, 3)
                for m in range(1, 11)
            ],
        )
