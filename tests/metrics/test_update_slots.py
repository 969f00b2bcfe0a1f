"""数据更新及时率: slots of every frequency, grace, registration, history start, snapshot rule."""

from __future__ import annotations

from datetime import date, datetime

from metrics.indicators.updates import update_indicators
from tests.metrics.builders import context, counts_of, inputs, local


def run(
    freq: str,
    period: str,
    as_of: str,
    updates=(),
    registered=date(2025, 1, 1),
    first_seen=datetime(2025, 1, 1),
    last_updated=None,
    departments=None,
    note=None,
):
    """(numerator, denominator) of update_on_time for one resource R of department 1, plus the Parts."""
    tables = dict(
        resources=[
            {
                "resource_code": "R",
                "name": "人口库",
                "provider_dept_id": 1,
                "update_frequency": freq,
                "registered_at": registered,
                "first_seen_at": first_seen,
                "last_updated_at": last_updated,
                "update_note": note,
            }
        ],
        updates=[{"resource_code": "R", "updated_at": u} for u in updates],
        first_updates=[{"resource_code": "R", "first_update": min(updates)}] if updates else [],
    )
    if departments:
        tables["departments"] = departments
    inp = inputs(**tables)
    parts = update_indicators(inp, context(inp, period, as_of))
    return counts_of(parts, "update_on_time").get(1, (0.0, 0.0)), parts


def test_daily_slots_with_one_day_grace_and_local_dates():
    # March: 31 daily slots; due when day + 1 ≤ 03-31 → 30 due (03-31 is not yet due).
    # Updates on 03-01 … 03-10, and 03-12: slot 03-11 is covered by grace ([11, 12]) → on time:
    # 1–10, 11, 12 = 12. The 03-01 update at 00:30 local is 02-28 16:30 UTC and still counts for 03-01.
    ups = [local(2026, 3, 1, 0, 30)] + [local(2026, 3, d) for d in range(2, 11)] + [local(2026, 3, 12)]
    (num, den), parts = run("daily", "2026-03", "2026-03-31", ups)
    assert (num, den) == (12, 30)
    assert run("realtime", "2026-03", "2026-03-31", ups)[0] == (12, 30)
    ev = parts.evidence[0]
    assert ev.iloc[0]["detail"]["逾期周期数"] == 18  # 30 − 12
    assert ev.iloc[0]["status"] == "overdue"  # nothing updated after the last missed slot
    assert ev.iloc[0]["due_at"].date() == date(2026, 3, 31)  # slot 03-30 + 1 day


def test_weekly_slots_are_iso_weeks_with_two_days_grace():
    # Q1 2026 holds the ISO weeks ending on Sundays 01-04 … 03-29: 13 slots, all due (03-29 + 2 = 03-31).
    # Update Tue 01-06: week Dec 29–Jan 4 (window to Jan 6) and week Jan 5–11. Update Tue 01-20: week
    # Jan 12–18 (window to Jan 20) and week Jan 19–25. → 4 of 13.
    (num, den), _ = run("weekly", "2026-Q1", "2026-03-31", [local(2026, 1, 6), local(2026, 1, 20)])
    assert (num, den) == (4, 13)


def test_monthly_slots_due_after_grace_and_upcoming_slot():
    # Q2 as of 07-04: April (due 05-05) and May (due 06-05) are due, June (due 07-05) is not.
    # One update on 05-05: April's window [04-01, 05-05] and May's [05-01, 06-05] → 2 of 2.
    (num, den), parts = run("monthly", "2026-Q2", "2026-07-04", [local(2026, 5, 5)])
    assert (num, den) == (2, 2)
    fix = parts.fixes[0]
    assert len(fix) == 1 and fix.iloc[0]["upcoming"] and fix.iloc[0]["deadline"].date() == date(2026, 7, 5)
    # A day later June is due and missed → 2 of 3.
    assert run("monthly", "2026-Q2", "2026-07-05", [local(2026, 5, 5)])[0] == (2, 3)


def test_quarterly_half_yearly_and_yearly_slots():
    # 2025 quarters due 04-10, 07-10, 10-10, 2026-01-10. Updates 04-10 (Q1 and Q2 windows) and
    # 10-11 (Q4 window [10-01, 01-10], one day too late for Q3's [07-01, 10-10]) → 3 of 4.
    q = [local(2025, 4, 10), local(2025, 10, 11)]
    assert run("quarterly", "2025", "2026-01-10", q)[0] == (3, 4)
    # half-years due 07-15 and 2026-01-15; one update on 07-15 is in both windows → 2 of 2.
    assert run("half_yearly", "2025", "2026-01-15", [local(2025, 7, 15)])[0] == (2, 2)
    # the year 2025 is due 2026-01-30 (30 days' grace): updated that day → 1 of 1 …
    assert run("yearly", "2025", "2026-01-30", [local(2026, 1, 30)])[0] == (1, 1)
    # … a day later it is late, and the evidence says it was updated afterwards.
    (num, den), parts = run("yearly", "2025", "2026-01-31", [local(2026, 1, 31)])
    assert (num, den) == (0, 1) and parts.evidence[0].iloc[0]["status"] == "late"


def test_yearly_resource_does_not_count_in_a_quarter():
    assert run("yearly", "2026-Q1", "2026-03-31", [local(2026, 1, 5)])[0] == (0, 0)


def test_every_n_days_counted_from_registration():
    # every 2 days from 03-01: slots [1,2], [3,4], …, [29,30] end in March (15); [31, 04-01] does not.
    # All due (30 + 1 = 31). One update on 03-03: window of [1,2] is [1,3] → on time; [3,4] → on time. 2 of 15.
    assert run("every_2_days", "2026-03", "2026-03-31", [local(2026, 3, 3)], registered=date(2026, 3, 1))[0] == (2, 15)


def test_every_121_days_takes_ten_days_grace():
    # from 01-01, the first slot is 01-01 … 05-01 (121 days), due 05-01 + 10 = 05-11.
    reg = date(2026, 1, 1)
    assert run("every_121_days", "2026-05", "2026-05-10", [local(2026, 5, 11)], registered=reg)[0] == (0, 0)
    assert run("every_121_days", "2026-05", "2026-05-11", [local(2026, 5, 11)], registered=reg)[0] == (1, 1)
    assert run("every_121_days", "2026-05", "2026-05-12", [local(2026, 5, 12)], registered=reg)[0] == (0, 1)


def test_every_n_weeks_and_months():
    # every 2 weeks from Mon 03-02: [03-02, 03-15] due 03-17, [03-16, 03-29] due 03-31 (weekly grace 2).
    # An update on 03-17 falls in both windows → 2 of 2.
    assert run("every_2_weeks", "2026-03", "2026-03-31", [local(2026, 3, 17)], registered=date(2026, 3, 2))[0] == (2, 2)
    # every 3 months from 02-15: [02-15, 05-14], due 05-24 (quarterly grace 10).
    reg = date(2026, 2, 15)
    assert run("every_3_months", "2026-05", "2026-05-31", [local(2026, 5, 24)], registered=reg)[0] == (1, 1)
    assert run("every_3_months", "2026-05", "2026-05-31", [local(2026, 5, 25)], registered=reg)[0] == (0, 1)


def test_every_n_without_registration_is_judged_by_the_snapshot_rule():
    # every 3 months, no registration date, first listed 2025-01-01, last updated 2024-01-10 (local):
    # on time while as_of ≤ 2024-01-10 + 3 months + 10 days = 2024-04-20; in March 2026 it is late → 0 of 1,
    # not 无数据 as when its slots counted from the first observation.
    (num, den), parts = run(
        "every_3_months",
        "2026-03",
        "2026-03-31",
        registered=None,
        last_updated=local(2024, 1, 10),
        note="更新说明:暂无新业务数据产生",
    )
    assert (num, den) == (0, 1)
    ev = parts.evidence[1].iloc[0]
    assert ev["detail"]["判定方式"] == "目录快照规则" and ev["detail"]["更新说明"] == "更新说明:暂无新业务数据产生"
    assert ev["due_at"].date() == date(2024, 4, 20)
    assert "缺少登记日期，按目录快照规则" in parts.notes[0].iloc[0]["note"]
    # last updated 2026-01-15: bound 04-15 + 10 = 04-25 ≥ 03-31 → on time, in every period up to then.
    kw = dict(registered=None, last_updated=local(2026, 1, 15))
    assert run("every_3_months", "2026-03", "2026-03-31", **kw)[0] == (1, 1)
    assert run("every_3_months", "2026-04", "2026-04-25", **kw)[0] == (1, 1)
    assert run("every_3_months", "2026-04", "2026-04-26", **kw)[0] == (0, 1)


def test_unknown_frequency_is_flagged_and_not_counted():
    (num, den), parts = run("unknown", "2026-03", "2026-03-31", note="偶尔")
    assert (num, den) == (0, 0)
    flagged = parts.evidence[2].iloc[0]
    assert flagged["status"] == "flagged" and flagged["item_key"] == "R"
    assert flagged["detail"] == {"说明": "更新频率缺失或无法识别：请在目录中登记更新频率", "目录原文": "偶尔"}
    assert parts.notes[0].iloc[0]["note"] == "1 个资源更新频率缺失或无法识别，未计入更新及时率"


def test_slots_starting_before_registration_are_not_expected():
    # registered 03-15: January, February and March (starts 03-01) are not expected in Q1 …
    assert run("monthly", "2026-Q1", "2026-04-30", [], registered=date(2026, 3, 15))[0] == (0, 0)
    # … April is (due 05-05, missed) → 0 of 1.
    assert run("monthly", "2026-04", "2026-05-05", [], registered=date(2026, 3, 15))[0] == (0, 1)


def test_department_created_mid_year_is_expected_from_its_start():
    depts = [{"dept_id": 1, "name": "新设局", "category": "city_dept", "active_from": datetime(2026, 5, 1)}]
    # Q2 as of 07-05 without updates: only May (due 06-05) and June (due 07-05), not April → 0 of 2.
    assert run("monthly", "2026-Q2", "2026-07-05", [], departments=depts)[0] == (0, 2)


def test_history_begins_at_the_first_observation():
    # registered 2025, first listed by a snapshot on 05-20; updates 06-10, 07-03, 08-03, 09-03.
    # Slots ending before 05-20 (Jan–Apr) are not judged. May [05-01, 06-05] missed; June, July,
    # August on time; September is due 10-05, after as_of 09-30 → 3 of 4.
    ups = [local(2026, m, d) for m, d in ((6, 10), (7, 3), (8, 3), (9, 3))]
    assert run("monthly", "2026", "2026-09-30", ups, first_seen=datetime(2026, 5, 20))[0] == (3, 4)


def test_snapshot_rule_for_a_catalog_imported_once():
    # Q1 slots all end before the first snapshot (04-10), no events: judged once, on time while
    # as_of ≤ last updated (03-20) + one month + 5 days = 04-25.
    kw = dict(first_seen=datetime(2026, 4, 10), last_updated=local(2026, 3, 20))
    (num, den), parts = run("monthly", "2026-Q1", "2026-04-25", **kw)
    assert (num, den) == (1, 1)
    assert "目录快照规则" in parts.notes[0].iloc[0]["note"]
    (num, den), parts = run("monthly", "2026-Q1", "2026-04-26", **kw)
    assert (num, den) == (0, 1)
    ev = parts.evidence[1].iloc[0]
    assert ev["status"] == "overdue" and ev["due_at"].date() == date(2026, 4, 25)


def test_snapshot_rule_flags_missing_or_future_last_updated():
    (num, den), parts = run("quarterly", "2026-Q1", "2026-04-20", first_seen=datetime(2026, 4, 10))
    assert (num, den) == (0, 1) and parts.evidence[1].iloc[0]["status"] == "flagged"
    future = dict(first_seen=datetime(2026, 4, 10), last_updated=local(2026, 4, 22))
    (num, den), parts = run("quarterly", "2026-Q1", "2026-04-20", **future)
    assert (num, den) == (0, 1) and parts.evidence[1].iloc[0]["status"] == "flagged"
