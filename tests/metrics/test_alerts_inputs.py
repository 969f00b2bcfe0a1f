"""load_alert_inputs on a real store, both engines: the rollup summed over consumers, the
update events with their source, the catalog sources, complaints and collector runs, and
the detectors run on what it read."""

from __future__ import annotations

from datetime import date, datetime

from data.alert_inputs import load_alert_inputs
from data.models import CatalogResource, CollectorRun, Complaint, Department, ExchangeDaily, ResourceUpdate
from data.service_daily import refold_service_days
from metrics.alerts import detect, load_rules

DAY = date(2026, 9, 15)


def fill(engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            Department.__table__.insert(),
            [
                {"id": 1, "name": "市甲局", "category": "city_dept"},
                {"id": 2, "name": "市乙局", "category": "city_dept"},
            ],
        )
        conn.execute(
            ExchangeDaily.__table__.insert(),
            [
                # provider 1's services a and b, called by consumers 2 and 3 … on DAY all fail
                {
                    "day": d,
                    "provider_dept_id": 1,
                    "consumer_dept_id": c,
                    "service_code": s,
                    "calls": 5,
                    "failures": 5 if d == DAY else 0,
                    "duration_sum_ms": 0,
                    "duration_count": 0,
                }
                for d in (date(2026, 9, 14), DAY)
                for c in (2, 3)
                for s in ("a", "b")
            ],
        )
        refold_service_days(conn)
        conn.execute(
            CatalogResource.__table__.insert(),
            [
                {
                    "resource_code": "R1",
                    "name": "人口",
                    "provider_dept_id": 1,
                    "share_type": "unconditional",
                    "update_frequency": "monthly",
                    "mounted": True,
                    "source": "目录",
                    "first_seen_at": datetime(2026, 1, 1),
                    "snapshot_at": datetime(2026, 9, 1),
                }
            ],
        )
        conn.execute(
            ResourceUpdate.__table__.insert(),
            [
                {
                    "resource_code": "R1",
                    "provider_dept_id": 1,
                    "updated_at": datetime(2026, 9, 1, 2),
                    "source": "目录",
                    "recorded_at": datetime(2026, 9, 2),
                },
                {
                    "resource_code": "R1",
                    "provider_dept_id": 1,
                    "updated_at": datetime(2026, 8, 1, 2),
                    "source": "更新日志",
                    "recorded_at": datetime(2026, 8, 1, 3),
                },
            ],
        )
        conn.execute(
            Complaint.__table__.insert(),
            [{"ticket_id": "T1", "dept_id": 2, "received_at": datetime(2026, 9, 10), "satisfaction": "unrated"}],
        )
        conn.execute(
            CollectorRun.__table__.insert(),
            [{"source": "目录", "started_at": datetime(2026, 9, 14, 1), "status": "ok", "rows_read": 1}],
        )


def test_inputs_and_an_outage_on_both_engines(engine):
    fill(engine)
    rules = load_rules()
    inputs = load_alert_inputs(engine, [DAY], rules)
    sd = inputs.service_days.sort_values(["day", "service_code"])
    # summed over the two consumers: 10 calls per service and day
    assert sd[["service_code", "calls", "failures"]].values.tolist() == [
        ["a", 10, 0],
        ["b", 10, 0],
        ["a", 10, 10],
        ["b", 10, 10],
    ]
    assert inputs.catalog_sources == ["目录"]
    assert sorted(inputs.updates["source"]) == ["更新日志", "目录"]
    assert list(inputs.resources["source"]) == ["目录"]
    assert len(inputs.complaints) == 1 and list(inputs.runs["source"]) == ["目录"]
    found = detect(inputs, [DAY], rules)
    assert list(zip(found["kind"], found["subject"], found["day"])) == [("provider_outage", "dept:1", DAY)]
