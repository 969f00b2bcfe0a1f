"""A small hand-made store for dashboard tests: 5 departments, stored score snapshots,
evidence, 提分清单, call rollups, failed calls and collector bookkeeping.

The numbers are made up (the dashboard must render them, never recompute them), so a
test can compare what a page shows with what is written here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from data.models import (
    CollectorRun,
    Department,
    DeptScore,
    EvidenceItem,
    ExchangeCall,
    ExchangeDaily,
    ExchangePartnerMonth,
    GainItem,
    IndicatorScore,
    Quarantine,
    ScoreSnapshot,
    SourceCursor,
)
from data.service_daily import refold_service_days

CITY = ["市公安局", "市人社局", "市卫健委"]
DISTRICT = ["西湖区", "滨江区"]

# period_key → (kind, start, end, as_of, status)
SNAPSHOTS = {
    "2026-09": ("month", date(2026, 9, 1), date(2026, 9, 30), date(2026, 10, 5), "published"),
    "2026-09 current": ("month", date(2026, 9, 1), date(2026, 9, 30), date(2026, 10, 9), "current"),
    "2026-10": ("month", date(2026, 10, 1), date(2026, 10, 31), date(2026, 11, 5), "current"),
    "2026-11": ("month", date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 20), "current"),
    "2026-Q3": ("quarter", date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 5), "published"),
}

# snapshot → department → (total, tier, rank, prev_total, prev_rank)
TOTALS = {
    "2026-09": {
        "市公安局": (85.0, "良好", 2, None, None),
        "市人社局": (88.0, "良好", 1, None, None),
        "市卫健委": (58.0, "较差", 3, None, None),
        "西湖区": (70.0, "一般", 2, None, None),
        "滨江区": (75.0, "一般", 1, None, None),
    },
    "2026-09 current": {
        "市公安局": (11.0, "较差", 3, None, None),
        "市人社局": (12.0, "较差", 2, None, None),
        "市卫健委": (13.0, "较差", 1, None, None),
        "西湖区": (14.0, "较差", 1, None, None),
        "滨江区": (10.0, "较差", 2, None, None),
    },
    "2026-10": {
        "市公安局": (92.5, "优秀", 1, 85.0, 2),
        "市人社局": (81.25, "良好", 2, 88.0, 1),
        "市卫健委": (55.0, "较差", 3, 58.0, 3),
        "西湖区": (77.0, "一般", 1, 70.0, 2),
        "滨江区": (64.5, "一般", 2, 75.0, 1),
    },
    "2026-11": {
        "市公安局": (90.0, "优秀", 1, 92.5, 1),
        "市人社局": (80.0, "良好", 2, 81.25, 2),
        "市卫健委": (61.0, "一般", 3, 55.0, 3),
        "西湖区": (78.0, "一般", 1, 77.0, 1),
        "滨江区": (66.0, "一般", 2, 64.5, 2),
    },
    "2026-Q3": {
        "市公安局": (84.0, "良好", 2, None, None),
        "市人社局": (86.0, "良好", 1, None, None),
        "市卫健委": (57.0, "较差", 3, None, None),
        "西湖区": (71.0, "一般", 1, None, None),
        "滨江区": (69.0, "一般", 2, None, None),
    },
}

# indicator → (dimension, unit); scores per department in 2026-10 below
INDICATORS = {
    "mount_rate": ("sharing", "%"),
    "call_success": ("sharing", "%"),
    "update_on_time": ("updates", "%"),
    "complaints_per_10k": ("complaints", "件/万件"),
}
# department → indicator → (value, score, numerator, denominator, status); 2026-10
INDICATOR_ROWS = {
    "市公安局": {
        "mount_rate": (95.0, 87.5, 19, 20, "ok"),
        "call_success": (99.6, 100.0, 996, 1000, "ok"),
        "update_on_time": (100.0, 100.0, 30, 30, "ok"),
        "complaints_per_10k": (4.0, 100.0, 2, 5000, "ok"),
    },
    "市人社局": {
        "mount_rate": (90.0, 75.0, 9, 10, "ok"),
        "call_success": (98.0, 84.2, 98, 100, "ok"),
        "update_on_time": (75.0, 37.5, 3, 4, "small"),
        "complaints_per_10k": (None, None, 0, 0, "na"),
    },
    "市卫健委": {
        "mount_rate": (70.0, 25.0, 7, 10, "ok"),
        "call_success": (92.0, 21.1, 92, 100, "ok"),
        "update_on_time": (65.0, 12.5, 13, 20, "ok"),
        "complaints_per_10k": (20.0, 66.7, 10, 5000, "ok"),
    },
    "西湖区": {
        "mount_rate": (85.0, 62.5, 17, 20, "ok"),
        "call_success": (99.0, 94.7, 99, 100, "ok"),
        "update_on_time": (90.0, 75.0, 18, 20, "ok"),
        "complaints_per_10k": (10.0, 88.9, 5, 5000, "ok"),
    },
    "滨江区": {
        "mount_rate": (80.0, 50.0, 8, 10, "ok"),
        "call_success": (97.0, 73.7, 97, 100, "ok"),
        "update_on_time": (80.0, 50.0, 16, 20, "ok"),
        "complaints_per_10k": (30.0, 44.4, 15, 5000, "ok"),
    },
}
# department → dimension → score; 2026-10
DIMENSIONS = {
    "市公安局": {"sharing": 93.1, "updates": 100.0, "complaints": 100.0},
    "市人社局": {"sharing": 79.9, "updates": 37.5, "complaints": None},
    "市卫健委": {"sharing": 23.0, "updates": 12.5, "complaints": 66.7},
    "西湖区": {"sharing": 78.4, "updates": 75.0, "complaints": 88.9},
    "滨江区": {"sharing": 61.6, "updates": 50.0, "complaints": 44.4},
}


@dataclass
class Fixture:
    dept: dict[str, int] = field(default_factory=dict)
    snapshot: dict[str, int] = field(default_factory=dict)


def _uniform(rows: list[dict]) -> list[dict]:
    """Executemany needs the same keys in every row: fill the missing ones with None."""
    keys = {k for r in rows for k in r}
    return [{k: r.get(k) for k in keys} for r in rows]


def _explanation(key: str, value, numerator, denominator) -> str:
    unit = INDICATORS[key][1]
    return json.dumps(
        {
            "formula": f"{key} = 分子 ÷ 分母",
            "inputs": [{"label": "分子", "value": numerator}, {"label": "分母", "value": denominator}],
            "numerator": numerator,
            "denominator": denominator,
            "value": value,
            "unit": unit,
            "scheme_version": "2026.1",
            "notes": ["测试数据"],
        },
        ensure_ascii=False,
    )


def load(engine: Engine) -> Fixture:
    fx = Fixture()
    with engine.begin() as conn:
        for name in CITY + DISTRICT:
            category = "city_dept" if name in CITY else "district"
            fx.dept[name] = conn.execute(
                insert(Department.__table__).values(name=name, category=category).returning(Department.__table__.c.id)
            ).scalar_one()
        for label, (kind, start, end, as_of, status) in SNAPSHOTS.items():
            fx.snapshot[label] = conn.execute(
                insert(ScoreSnapshot.__table__)
                .values(
                    period_key=label.split()[0],
                    period_kind=kind,
                    period_start=start,
                    period_end=end,
                    as_of=as_of,
                    scheme_version="2026.1",
                    input_digest="0" * 64,
                    status=status,
                    computed_at=datetime(2026, 11, 20, 8, 0),
                )
                .returning(ScoreSnapshot.__table__.c.id)
            ).scalar_one()
        for label, rows in TOTALS.items():
            conn.execute(
                insert(DeptScore.__table__),
                [
                    {
                        "snapshot_id": fx.snapshot[label],
                        "dept_id": fx.dept[name],
                        "category": "city_dept" if name in CITY else "district",
                        "total": total,
                        "base_total": total,
                        "tier": tier,
                        "rank": rank,
                        "prev_total": prev_total,
                        "prev_rank": prev_rank,
                        "vetoed": False,
                    }
                    for name, (total, tier, rank, prev_total, prev_rank) in rows.items()
                ],
            )
        _indicators(conn, fx)
        _evidence(conn, fx)
        _calls(conn, fx)
        _collectors(conn)
    return fx


def _indicators(conn, fx: Fixture) -> None:
    rows = []
    for label in ("2026-09", "2026-10", "2026-11"):
        # 2026-09 and 2026-11 scores are the October ones shifted by −5 and +2 (for trends)
        shift = {"2026-09": -5.0, "2026-10": 0.0, "2026-11": 2.0}[label]
        for name, indicators in INDICATOR_ROWS.items():
            for key, (value, score, num, den, status) in indicators.items():
                rows.append(
                    {
                        "snapshot_id": fx.snapshot[label],
                        "dept_id": fx.dept[name],
                        "key": key,
                        "dimension": INDICATORS[key][0],
                        "value": value,
                        "score": None if score is None else min(100.0, score + shift),
                        "numerator": num,
                        "denominator": den,
                        "weight": 8.0,
                        "status": status,
                        "explanation": _explanation(key, value, num, den),
                    }
                )
            for dim, score in DIMENSIONS[name].items():
                rows.append(
                    {
                        "snapshot_id": fx.snapshot[label],
                        "dept_id": fx.dept[name],
                        "key": f"dim:{dim}",
                        "dimension": dim,
                        "value": None,
                        "score": score,
                        "numerator": None,
                        "denominator": None,
                        "weight": None,
                        "status": "ok" if score is not None else "na",
                        "explanation": None,
                    }
                )
    conn.execute(insert(IndicatorScore.__table__), rows)


def _evidence(conn, fx: Fixture) -> None:
    s10 = fx.snapshot["2026-10"]
    conn.execute(
        insert(EvidenceItem.__table__),
        _uniform(
            [
                {
                    "snapshot_id": s10,
                    "dept_id": fx.dept["市卫健委"],
                    "indicator": "update_on_time",
                    "item_type": "resource",
                    "item_key": "WJ-001",
                    "label": "医疗机构执业登记信息",
                    "status": "overdue",
                    "due_at": date(2026, 10, 6),
                    "detail": json.dumps({"更新频率": "每月"}),
                },
                {
                    "snapshot_id": s10,
                    "dept_id": fx.dept["市卫健委"],
                    "indicator": "mount_rate",
                    "item_type": "resource",
                    "item_key": "WJ-002",
                    "label": "=出生医学证明信息",
                    "status": "unmounted",
                    "detail": None,
                },
                {
                    "snapshot_id": s10,
                    "dept_id": fx.dept["市人社局"],
                    "indicator": "update_on_time",
                    "item_type": "resource",
                    "item_key": "RS-009",
                    "label": "社保参保登记信息",
                    "status": "late",
                    "due_at": date(2026, 10, 8),
                    "done_at": datetime(2026, 10, 12, 2, 0),
                    "detail": None,
                },
            ]
        ),
    )
    conn.execute(
        insert(GainItem.__table__),
        [
            {
                "snapshot_id": s10,
                "dept_id": fx.dept["市卫健委"],
                "indicator": "mount_rate",
                "item_type": "resource",
                "item_key": "WJ-002",
                "action": "挂接资源“出生医学证明信息”",
                "points": 2.5,
                "deadline": None,
                "upcoming": False,
            },
            {
                "snapshot_id": s10,
                "dept_id": fx.dept["市卫健委"],
                "indicator": "update_on_time",
                "item_type": "resource",
                "item_key": "WJ-001",
                "action": "按月更新“医疗机构执业登记信息”",
                "points": 1.25,
                "deadline": date(2026, 11, 10),
                "upcoming": True,
            },
            {
                "snapshot_id": s10,
                "dept_id": fx.dept["市人社局"],
                "indicator": "update_on_time",
                "item_type": "resource",
                "item_key": "RS-009",
                "action": "按时更新“社保参保登记信息”",
                "points": 3.0,
                "deadline": date(2026, 11, 8),
                "upcoming": True,
            },
        ],
    )


def _calls(conn, fx: Fixture) -> None:
    police, hr, health = fx.dept["市公安局"], fx.dept["市人社局"], fx.dept["市卫健委"]
    conn.execute(
        insert(ExchangeDaily.__table__),
        [
            {
                "day": date(2026, 10, 10),
                "provider_dept_id": police,
                "consumer_dept_id": hr,
                "service_code": "GA-ID",
                "calls": 1000,
                "failures": 4,
            },
            {
                "day": date(2026, 10, 11),
                "provider_dept_id": police,
                "consumer_dept_id": hr,
                "service_code": "GA-ID",
                "calls": 500,
                "failures": 0,
            },
            {
                "day": date(2026, 10, 11),
                "provider_dept_id": police,
                "consumer_dept_id": health,
                "service_code": "GA-ID",
                "calls": 300,
                "failures": 2,
            },
            {
                "day": date(2026, 10, 12),
                "provider_dept_id": hr,
                "consumer_dept_id": police,
                "service_code": "RS-SB",
                "calls": 200,
                "failures": 1,
            },
            # outside October: must not count for 2026-10
            {
                "day": date(2026, 11, 1),
                "provider_dept_id": police,
                "consumer_dept_id": hr,
                "service_code": "GA-ID",
                "calls": 9999,
                "failures": 999,
            },
        ],
    )
    refold_service_days(conn)  # the collector's per-service fold of the same days
    # the collector's monthly fold of the same days, per provider × consumer
    conn.execute(
        insert(ExchangePartnerMonth.__table__),
        [
            {"month": date(2026, m, 1), "provider_dept_id": p, "consumer_dept_id": c, "calls": n, "failures": f}
            for m, p, c, n, f in (
                (10, police, hr, 1500, 4),
                (10, police, health, 300, 2),
                (10, hr, police, 200, 1),
                (11, police, hr, 9999, 999),
            )
        ],
    )
    calls = [
        # 2026-10-10 09:00 Shanghai = 01:00 UTC
        ("c1", datetime(2026, 10, 10, 1, 0), hr, "GA-ID", "TIMEOUT"),
        ("c2", datetime(2026, 10, 10, 2, 0), hr, "GA-ID", "TIMEOUT"),
        ("c3", datetime(2026, 10, 10, 3, 0), hr, "GA-ID", "TIMEOUT"),
        ("c4", datetime(2026, 10, 10, 4, 0), hr, "GA-ID", "AUTH"),
        ("c5", datetime(2026, 10, 11, 1, 0), health, "GA-ID", "TIMEOUT"),
        ("c6", datetime(2026, 10, 11, 2, 0), health, "GA-ID", "AUTH"),
        # 2026-10-31 17:00 UTC is 2026-11-01 01:00 in Shanghai: outside October
        ("c7", datetime(2026, 10, 31, 17, 0), hr, "GA-ID", "LATE"),
        # 2026-09-30 16:30 UTC is 2026-10-01 00:30 in Shanghai: inside October
        ("c8", datetime(2026, 9, 30, 16, 30), hr, "GA-ID", "EARLY"),
    ]
    conn.execute(
        insert(ExchangeCall.__table__),
        [
            {
                "call_id": cid,
                "requested_at": at,
                "consumer_dept_id": consumer,
                "provider_dept_id": police,
                "service_code": service,
                "succeeded": False,
                "fault_code": fault,
                "duration_ms": 3000,
            }
            for cid, at, consumer, service, fault in calls
        ],
    )


def _collectors(conn) -> None:
    runs = (
        conn.execute(
            insert(CollectorRun.__table__).returning(CollectorRun.__table__.c.id),
            _uniform(
                [
                    {
                        "source": "exchange_log",
                        "started_at": datetime(2026, 11, 19, 1, 0),
                        "finished_at": datetime(2026, 11, 19, 1, 5),
                        "status": "ok",
                        "rows_read": 100,
                        "rows_loaded": 98,
                        "rows_duplicate": 2,
                        "rows_quarantined": 0,
                    },
                    {
                        "source": "exchange_log",
                        "started_at": datetime(2026, 11, 20, 1, 0),
                        "finished_at": datetime(2026, 11, 20, 1, 1),
                        "status": "failed",
                        "rows_read": 0,
                        "rows_loaded": 0,
                        "rows_duplicate": 0,
                        "rows_quarantined": 0,
                        "error": "读取目录 /data/exchange 失败：权限不足",
                    },
                    {
                        "source": "complaints",
                        "started_at": datetime(2026, 11, 20, 2, 0),
                        "finished_at": datetime(2026, 11, 20, 2, 3),
                        "status": "partial",
                        "rows_read": 50,
                        "rows_loaded": 48,
                        "rows_duplicate": 0,
                        "rows_quarantined": 2,
                    },
                ]
            ),
        )
        .scalars()
        .all()
    )
    conn.execute(
        insert(Quarantine.__table__),
        [
            {
                "source": "complaints",
                "run_id": runs[2],
                "kind": "complaint",
                "file": "tickets.csv",
                "line": 7,
                "raw": "=cmd|' /C calc'!A0,市人設局",
                "reason": "未知部门 '市人設局'：请在部门别名中添加",
            },
            {
                "source": "complaints",
                "run_id": runs[2],
                "kind": "complaint",
                "file": "tickets.csv",
                "line": 9,
                "raw": "T9,,",
                "reason": "受理时间为空",
            },
        ],
    )
    conn.execute(
        insert(SourceCursor.__table__),
        [
            {"source": "exchange_log", "cursor": "{}", "updated_at": datetime(2026, 11, 19, 1, 5)},
            {"source": "complaints", "cursor": "{}", "updated_at": datetime(2026, 11, 20, 2, 3)},
        ],
    )
