"""Sharing, deadline, complaint and office indicators on hand-built frames."""

from __future__ import annotations

from datetime import date, datetime

from metrics.indicators.complaints import complaint_indicators
from metrics.indicators.office import office_indicators
from metrics.indicators.sharing import call_indicators, catalog_indicators, objection_indicators, request_indicators
from tests.metrics.builders import context, counts_of, inputs, local

RESOURCES = [
    # dept 1: four resources; R4 is not_shared (excluded from mount_rate), R5 registered after as_of.
    {
        "resource_code": "R1",
        "provider_dept_id": 1,
        "share_type": "unconditional",
        "mounted": True,
        "service_code": "S1",
    },
    {"resource_code": "R2", "provider_dept_id": 1, "share_type": "conditional", "mounted": True, "service_code": "S2"},
    {"resource_code": "R3", "provider_dept_id": 1, "share_type": "conditional", "mounted": False},
    {"resource_code": "R4", "provider_dept_id": 1, "share_type": "not_shared", "mounted": False},
    {
        "resource_code": "R5",
        "provider_dept_id": 1,
        "share_type": "unconditional",
        "mounted": False,
        "registered_at": date(2026, 7, 1),
    },
    # dept 2: one mounted resource without a service code (cannot be matched to calls)
    {"resource_code": "R6", "provider_dept_id": 2, "share_type": "unconditional", "mounted": True},
]


def test_catalog_indicators_count_resources_registered_by_as_of():
    inp = inputs(resources=RESOURCES)
    parts = catalog_indicators(inp, context(inp, "2026-Q2", "2026-06-30"))
    # dept 1 (R5 registered 07-01 is not counted): mount = mounted R1, R2 ÷ shareable R1, R2, R3 = 2/3;
    # open = R1, R2, R3 ÷ R1…R4 = 3/4. dept 2: 1/1 and 1/1.
    assert counts_of(parts, "mount_rate") == {1: (2, 3), 2: (1, 1)}
    assert counts_of(parts, "open_rate") == {1: (3, 4), 2: (1, 1)}
    assert list(parts.evidence[0]["item_key"]) == ["R3"]
    assert list(parts.evidence[0]["status"]) == ["unmounted"]
    # as of the year end R5 counts too: mount 2/4, open 4/5
    later = catalog_indicators(inp, context(inp, "2026", "2026-12-31"))
    assert counts_of(later, "mount_rate")[1] == (2, 4) and counts_of(later, "open_rate")[1] == (4, 5)


def test_unknown_frequency_still_counts_in_every_catalog_indicator():
    # the same catalog with every frequency unknown (blank or unreadable in the source): the counts do not move
    unknown = [{**r, "update_frequency": "unknown"} for r in RESOURCES]
    parts = catalog_indicators(inp := inputs(resources=unknown), context(inp, "2026-Q2", "2026-06-30"))
    assert counts_of(parts, "mount_rate") == {1: (2, 3), 2: (1, 1)}
    assert counts_of(parts, "open_rate") == {1: (3, 4), 2: (1, 1)}


def test_call_success_and_usage_from_the_rollup():
    inp = inputs(
        resources=RESOURCES,
        calls=[
            {"provider_dept_id": 1, "service_code": "S1", "calls": 1000, "failures": 10},
            {"provider_dept_id": 1, "service_code": "S2", "calls": 5, "failures": 5},  # all failed: unused
            {"provider_dept_id": 1, "service_code": "S9", "calls": 95, "failures": 0},  # unregistered service
        ],
        faults=[
            {"provider_dept_id": 1, "service_code": "S2", "fault_code": "E500", "failed": 4},
            {"provider_dept_id": 1, "service_code": "S2", "fault_code": "E404", "failed": 1},
        ],
        # S1: 1000 timed calls, 600 ≤ 50 ms (h2), 340 ≤ 100 ms (h3), 60 ≤ 1000 ms (h6).
        latency=[
            {
                "provider_dept_id": 1,
                "service_code": "S1",
                "duration_count": 1000,
                "duration_sum_ms": 90_000,
                "h2": 600,
                "h3": 340,
                "h6": 60,
            }
        ],
    )
    parts = call_indicators(inp, context(inp, "2026-Q2", "2026-06-30"))
    # call_success dept 1: (1000 − 10 + 5 − 5 + 95) ÷ (1000 + 5 + 95) = 1085/1100; dept 2 has no calls.
    assert counts_of(parts, "call_success") == {1: (1085, 1100)}
    # usage: dept 1 mounted R1 (S1 had successes), R2 (S2 only failures) → 1/2; dept 2: R6 has no code → 0/1.
    assert counts_of(parts, "usage_rate") == {1: (1, 2), 2: (0, 1)}
    services = parts.evidence[0]
    assert list(services["item_key"]) == ["S1", "S2"]  # most failures first
    assert services.iloc[1]["detail"]["主要错误码"] == "E500"
    # S1: mean 90,000 / 1,000 = 90 ms; 95 % of 1,000 is 950, reached in h6 (600 + 340 = 940 < 950).
    assert services.iloc[0]["detail"]["平均响应毫秒（整月）"] == 90
    assert services.iloc[0]["detail"]["P95响应毫秒（整月）"] == "≤ 1,000"
    assert services.iloc[1]["detail"]["P95响应毫秒（整月）"] is None  # S2: no durations kept
    unused = parts.evidence[1]
    assert sorted(unused["item_key"]) == ["R2", "R6"]
    assert "未登记服务编码" in unused[unused["item_key"] == "R6"].iloc[0]["detail"]["说明"]
    fixes = parts.fixes[0]
    assert list(fixes["fix_num"]) == [10, 5]


REQUESTS = [
    # submitted Tue 02-10: 5 working days across Spring Festival (14 Sat is 调休) → deadline 02-24.
    {
        "request_id": "A",
        "provider_dept_id": 1,
        "submitted_at": local(2026, 2, 10),
        "answered_at": local(2026, 2, 24, 23, 59),
    },
    {
        "request_id": "B",
        "provider_dept_id": 1,
        "submitted_at": local(2026, 2, 10),
        "answered_at": local(2026, 2, 25, 9),
    },
    {"request_id": "C", "provider_dept_id": 1, "submitted_at": local(2026, 2, 10)},  # open, overdue
    # submitted 03-25 (Wed): deadline 04-01 → belongs to Q2, not Q1
    {"request_id": "D", "provider_dept_id": 1, "submitted_at": local(2026, 3, 25), "answered_at": local(2026, 3, 26)},
    # the source gives the deadline: 03-31
    {"request_id": "E", "provider_dept_id": 1, "submitted_at": local(2026, 3, 2), "due_at": local(2026, 3, 31, 12)},
    # submitted Mon 03-23 → deadline Mon 03-30; answered 03-27 → due and on time already
    {"request_id": "F", "provider_dept_id": 2, "submitted_at": local(2026, 3, 23), "answered_at": local(2026, 3, 27)},
    # submitted Tue 03-24 → deadline Tue 03-31, unanswered: not yet due on 03-27
    {"request_id": "G", "provider_dept_id": 2, "submitted_at": local(2026, 3, 24)},
]


def test_request_deadlines_in_working_days():
    inp = inputs(requests=REQUESTS)
    parts = request_indicators(inp, context(inp, "2026-Q1", "2026-03-31"))
    # dept 1 in Q1: A on time (end of the deadline day), B late, C open, E open (its own due_at 03-31
    # has passed by the end of 03-31) → 1/4; D's deadline 04-01 is in Q2. dept 2: F on time, G due
    # 03-31 and unanswered → 1/2.
    assert counts_of(parts, "request_on_time") == {1: (1, 4), 2: (1, 2)}
    ev = parts.evidence[0].set_index("item_key")
    assert ev.loc["B", "status"] == "late" and ev.loc["C", "status"] == "open"
    assert ev.loc["C", "due_at"].date() == date(2026, 2, 24)
    # as of 03-27 G is not yet due (deadline 03-31), E not yet due either
    early = request_indicators(inp, context(inp, "2026-Q1", "2026-03-27"))
    assert counts_of(early, "request_on_time") == {1: (1, 3), 2: (1, 1)}
    fixes = early.fixes[0].set_index("item_key")
    # G and E are open with deadlines within 14 days → upcoming, compared with missing them
    assert fixes.loc["G", "upcoming"] and (fixes.loc["G", "fix_num"], fixes.loc["G", "fix_den"]) == (1, 1)
    assert fixes.loc["G", "base_den"] == 1
    assert not fixes.loc["C", "upcoming"] and (fixes.loc["C", "fix_num"], fixes.loc["C", "fix_den"]) == (1, 0)
    assert "B" not in fixes.index  # answered late: nothing left to do
    q2 = request_indicators(inp, context(inp, "2026-Q2", "2026-06-30"))
    assert counts_of(q2, "request_on_time") == {1: (1, 1)}


def test_objection_deadlines():
    inp = inputs(
        objections=[
            # raised Mon 2026-09-28: deadline Sat 10-10 (National Day, 调休 Saturday)
            {
                "objection_id": "X",
                "provider_dept_id": 2,
                "raised_at": local(2026, 9, 28),
                "resolved_at": local(2026, 10, 10, 18),
            },
            {
                "objection_id": "Y",
                "provider_dept_id": 2,
                "raised_at": local(2026, 9, 28),
                "resolved_at": local(2026, 10, 11, 9),
            },
        ]
    )
    parts = objection_indicators(inp, context(inp, "2026-10", "2026-10-31"))
    assert counts_of(parts, "objection_on_time") == {2: (1, 2)}
    assert parts.evidence[0].iloc[0]["due_at"].date() == date(2026, 10, 10)


def test_complaint_indicators():
    office = [{"dept_id": 1, "month": datetime(2026, m, 1), "cases_received": 2000} for m in (4, 5, 6)]
    complaints = [
        # received 04-01 (Wed), own limit 2 working days → 04-03; closed 04-03 → on time, 满意
        {
            "ticket_id": "T1",
            "dept_id": 1,
            "received_at": local(2026, 4, 1),
            "limit_workdays": 2,
            "closed_at": local(2026, 4, 3),
            "satisfaction": "satisfied",
        },
        # default 5 working days from Wed 04-01: 2, 3, (4–6 Qingming holiday), 7, 8, 9 → 04-09; closed 04-10 → late
        {
            "ticket_id": "T2",
            "dept_id": 1,
            "received_at": local(2026, 4, 1),
            "closed_at": local(2026, 4, 10),
            "satisfaction": "dissatisfied",
        },
        # given due_at 05-10, open → overdue
        {
            "ticket_id": "T3",
            "dept_id": 1,
            "received_at": local(2026, 5, 1),
            "due_at": local(2026, 5, 10),
            "satisfaction": "basically_satisfied",
        },
        {"ticket_id": "T4", "dept_id": 1, "received_at": local(2026, 6, 1), "closed_at": local(2026, 6, 2)},
        # received in March (Q1): not counted in Q2's complaint count or satisfaction
        {
            "ticket_id": "T0",
            "dept_id": 1,
            "received_at": local(2026, 3, 2),
            "closed_at": local(2026, 3, 3),
            "satisfaction": "dissatisfied",
        },
    ]
    inp = inputs(office=office, complaints=complaints)
    parts = complaint_indicators(inp, context(inp, "2026-Q2", "2026-06-30"))
    # per 10k: 4 complaints received in Q2 ÷ 6000 cases × 10000 = 6.67
    assert counts_of(parts, "complaints_per_10k") == {1: (4, 6000)}
    # on time: T1, T4 of T1–T4 → 2/4
    assert counts_of(parts, "complaint_on_time") == {1: (2, 4)}
    # satisfaction: rated T1 (满意), T2 (不满意), T3 (基本满意); T4 unrated → 2/3
    assert counts_of(parts, "satisfaction") == {1: (2, 3)}
    ev = parts.evidence[0].set_index("item_key")
    assert ev.loc["T2", "due_at"].date() == date(2026, 4, 9) and ev.loc["T2", "status"] == "late"
    assert ev.loc["T3", "status"] == "open"


def test_office_kpis_sum_the_period_months_known_by_as_of():
    rows = [
        {
            "dept_id": 1,
            "month": datetime(2026, m, 1),
            "cases_received": 100,
            "cases_completed": 80,
            "cases_on_time": 76,
            "cases_online": 50,
            "reviews_good": 9,
            "reviews_bad": 1,
        }
        for m in (3, 4, 5, 6)
    ]
    inp = inputs(office=rows)
    parts = office_indicators(inp, context(inp, "2026-Q2", "2026-05-15"))
    # April and May (June has not begun by 05-15; March is outside): 152/160, 100/200, 18/20
    assert counts_of(parts, "case_on_time") == {1: (152, 160)}
    assert counts_of(parts, "online_rate") == {1: (100, 200)}
    assert counts_of(parts, "good_review_rate") == {1: (18, 20)}


def test_department_created_mid_year():
    depts = [
        {"dept_id": 1, "name": "新设局", "category": "city_dept", "active_from": datetime(2026, 5, 1)},
        {"dept_id": 2, "name": "未来局", "category": "city_dept", "active_from": datetime(2026, 8, 1)},
    ]
    rows = [
        {
            "dept_id": d,
            "month": datetime(2026, m, 1),
            "cases_received": 100,
            "cases_completed": 100,
            "cases_on_time": 100,
        }
        for d in (1, 2)
        for m in (4, 5, 6)
    ]
    inp = inputs(departments=depts, office=rows)
    ctx = context(inp, "2026-Q2", "2026-06-30")
    # dept 2 does not exist yet in Q2; dept 1 counts May and June only
    assert list(ctx.departments["dept_id"]) == [1]
    assert counts_of(office_indicators(inp, ctx), "case_on_time") == {1: (200, 200)}
