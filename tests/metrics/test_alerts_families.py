"""Update, complaint and collector-health detectors on hand-built frames with hand-placed anomalies."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from metrics.alerts import detect
from tests.metrics.alert_frames import RULES, days, frame, inputs

D0 = date(2026, 1, 1)


def at(day: date, hour: int = 2) -> datetime:
    """A naive-UTC instant on local day `day` (02:00 UTC = 10:00 in Shanghai)."""
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)


def test_update_missed_from_the_day_after_grace_until_the_next_update():
    """A monthly resource updated on Jan/Feb/Mar 10 (three slots on time) misses April: the
    April slot's grace (5 days) ends 05-05, so it is alerted from 05-06; the update of 05-20
    clears it (last alerted 05-19)."""
    res = frame(
        "resources",
        [
            (
                "R1",
                "人口月报",
                1,
                "unconditional",
                "monthly",
                True,
                None,
                pd.Timestamp(D0),
                pd.NaT,
                at(D0),
                None,
                "catalog",
            )
        ],
    )
    ups = frame(
        "updates",
        [("R1", at(date(2026, m, d)), at(date(2026, m, d)), "log") for m, d in ((1, 10), (2, 10), (3, 10), (5, 20))],
    )
    first = frame("first_updates", [("R1", at(date(2026, 1, 10)))])
    checked = days(date(2026, 5, 4), 18)
    out = detect(inputs(D0, checked[-1], resources=res, updates=ups, first_updates=first), checked, RULES)
    out = out[out["kind"] == "update_missed"]
    assert list(out["day"]) == days(date(2026, 5, 6), 14)
    assert set(out["subject"]) == {"resource:R1"}
    assert list(out["value"][:2]) == [1.0, 2.0]  # days overdue
    assert "2026-04-01 至 2026-04-30 的周期应于 2026-05-05 前更新" in out.iloc[0]["message"]


def test_complaint_surge_against_the_weekly_baseline():
    """One complaint every 7 days (days 0…84), then 6 on day 95. The week ending day 95 holds
    6; its baseline (days 5…88) holds 12 complaints in 84 days = 1.0 a week; 6 ≥ 5, ≥ 2 × 1.0,
    P(X ≥ 6 | 1.0) ≈ 5.9e-4 < 0.001 → alerted, 高 (≥ 3 ×). The week ending day 94 holds none."""
    rows = [(1, at(D0 + timedelta(days=7 * k)), pd.NaT, "unrated") for k in range(13)]
    rows += [(1, at(D0 + timedelta(days=95)), pd.NaT, "unrated")] * 6
    checked = [D0 + timedelta(days=94), D0 + timedelta(days=95)]
    out = detect(inputs(D0, checked[-1], complaints=frame("complaints", rows)), checked, RULES)
    out = out[out["kind"] == "complaint_surge"]
    assert list(zip(out["subject"], out["day"])) == [("dept:1", D0 + timedelta(days=95))]
    assert (out.iloc[0]["value"], round(out.iloc[0]["baseline"], 6), out.iloc[0]["severity"]) == (6.0, 1.0, "high")
    assert "收到投诉 6 件" in out.iloc[0]["message"]


def test_failed_run_until_the_next_good_run_and_a_silent_source():
    """Source a delivers at 02:00 on days 0, 1 and 4; its run of day 2 fails; day 4's run is
    good again: file_failed on days 2 and 3. Source b delivers daily on days 0–2 and then stops:
    its usual interval is 24 h, so at the end of day 4 (62 h after 02:00 on day 2, > 48 h) it is
    silent; at the end of day 3 (38 h) not yet."""
    runs = [
        (
            "a",
            at(D0 + timedelta(days=k)),
            at(D0 + timedelta(days=k)),
            "failed" if k == 2 else "ok",
            0 if k == 2 else 10,
            0,
            "f.csv",
            "无法读取" if k == 2 else None,
        )
        for k in (0, 1, 2, 4)
    ]
    runs += [("b", at(D0 + timedelta(days=k)), at(D0 + timedelta(days=k)), "ok", 10, 0, None, None) for k in range(3)]
    checked = days(D0, 5)
    out = detect(inputs(D0, checked[-1], runs=frame("runs", runs)), checked, RULES)
    failed = out[out["kind"] == "file_failed"]
    assert list(zip(failed["subject"], failed["day"])) == [
        ("source:a", D0 + timedelta(days=2)),
        ("source:a", D0 + timedelta(days=3)),
    ]
    silent = out[out["kind"] == "source_silent"]
    assert list(zip(silent["subject"], silent["day"])) == [("source:b", D0 + timedelta(days=4))]
    assert silent.iloc[0]["dept_code"] is None and round(silent.iloc[0]["value"], 1) == 62.0
    # times in the messages are the office's: 02:00 UTC is 10:00 in Beijing
    assert "北京时间 2026-01-03 10:00 的采集失败（无法读取）" in failed.iloc[0]["message"]
    assert "最近一次在北京时间 2026-01-03 10:00" in silent.iloc[0]["message"]


def monthly(code: str, dept: int = 1, freq: str = "monthly", source: str = "catalog") -> tuple:
    return (
        code,
        f"资源{code}",
        dept,
        "unconditional",
        freq,
        True,
        None,
        pd.Timestamp(D0),
        pd.NaT,
        at(D0),
        None,
        source,
    )


def test_overdue_share_jump():
    """Five monthly resources updated on the 10th of January to April; in May only R4 and R5
    are. The May slot's grace ends 06-05: on 06-06, 3 of 5 are overdue (60 %), 28 days before
    (05-09) none were: +60 points, 3 more → alerted; on 06-05 nothing is overdue yet."""
    res = frame("resources", [monthly(f"R{i}") for i in range(1, 6)])
    rows = [(f"R{i}", at(date(2026, m, 10)), at(date(2026, m, 10)), "log") for i in range(1, 6) for m in (1, 2, 3, 4)]
    rows += [(f"R{i}", at(date(2026, 5, 10)), at(date(2026, 5, 10)), "log") for i in (4, 5)]
    first = frame("first_updates", [(f"R{i}", at(date(2026, 1, 10))) for i in range(1, 6)])
    checked = [date(2026, 6, 5), date(2026, 6, 6)]
    out = detect(
        inputs(D0, checked[-1], resources=res, updates=frame("updates", rows), first_updates=first), checked, RULES
    )
    jump = out[out["kind"] == "overdue_jump"]
    assert list(zip(jump["subject"], jump["day"], jump["value"], jump["baseline"])) == [
        ("dept:1", date(2026, 6, 6), 0.6, 0.0)
    ]
    assert "3/5 个按频率更新的资源逾期未更新（60%）" in jump.iloc[0]["message"]
    missed = out[out["kind"] == "update_missed"]
    assert sorted(missed["subject"]) == ["resource:R1", "resource:R2", "resource:R3"]


def test_suspicious_bulk_date_moves_without_update_log():
    """12 resources of provider 1 move their catalog date to 03-03 (seen by the snapshot of
    03-04); only R1 has an update-log event that day: 11 unbacked ≥ 10 and ≥ 30 % of 12 →
    flagged on 03-04, 低, never scored."""
    res = frame("resources", [monthly(f"R{i}", freq="yearly") for i in range(1, 13)])
    rows = [(f"R{i}", at(date(2026, 3, 3), 1), at(date(2026, 3, 4)), "catalog") for i in range(1, 13)]
    rows.append(("R1", at(date(2026, 3, 3), 3), at(date(2026, 3, 3), 3), "log"))
    checked = [date(2026, 3, 3), date(2026, 3, 4)]
    out = detect(inputs(D0, checked[-1], resources=res, updates=frame("updates", rows)), checked, RULES)
    out = out[out["kind"] == "suspicious_updates"]
    assert list(zip(out["subject"], out["day"], out["value"], out["baseline"])) == [
        ("dept:1", date(2026, 3, 4), 11.0, 12.0)
    ]
    assert out.iloc[0]["severity"] == "low" and "不计入得分" in out.iloc[0]["message"]
    assert len(out.iloc[0]["evidence"]) == 11


def test_suspicious_yearly_resource_moving_every_snapshot():
    """A yearly resource whose catalog date moved in the snapshots of 02-01, 03-01 and 04-01
    (4 snapshots: 3 moves in the 3 after the first) is flagged from 04-01."""
    res = frame("resources", [monthly("Y1", freq="yearly")])
    rows = [("Y1", at(date(2026, m, 1), 1), at(date(2026, m, 1)), "catalog") for m in (2, 3, 4)]
    runs = [("catalog", at(date(2026, m, 1)), at(date(2026, m, 1)), "ok", 100, 0, None, None) for m in (1, 2, 3, 4)]
    checked = [date(2026, 3, 31), date(2026, 4, 1)]
    out = detect(
        inputs(D0, checked[-1], resources=res, updates=frame("updates", rows), runs=frame("runs", runs)), checked, RULES
    )
    out = out[out["kind"] == "suspicious_updates"]
    assert list(zip(out["subject"], out["day"], out["value"], out["baseline"])) == [
        ("resource:Y1", date(2026, 4, 1), 3.0, 4.0)
    ]


def test_quarantine_rate_jump():
    """Source s reads 1,000 rows a day and quarantines 5 (0.5 %) for 10 days, then 100 (10 %):
    +9.5 points and 20 × → alerted on day 10 only."""
    runs = [
        ("s", at(D0 + timedelta(days=k)), at(D0 + timedelta(days=k)), "ok", 1000, 100 if k == 10 else 5, None, None)
        for k in range(11)
    ]
    checked = days(D0 + timedelta(days=9), 2)
    out = detect(inputs(D0, checked[-1], runs=frame("runs", runs)), checked, RULES)
    out = out[out["kind"] == "quarantine_jump"]
    assert list(zip(out["subject"], out["day"], out["value"], out["baseline"])) == [
        ("source:s", D0 + timedelta(days=10), 0.1, 0.005)
    ]


def satisfaction_rows() -> list[tuple]:
    """30 rated 满意 closed every 3 days from day 12 (days 12…99), then 10 closed on day 125:
    5 满意 and 5 不满意 (each received the day before)."""
    rows = [(1, at(D0 + timedelta(days=d - 1)), at(D0 + timedelta(days=d)), "satisfied") for d in range(12, 100, 3)]
    late = D0 + timedelta(days=125)
    rows += [(1, at(late - timedelta(days=1)), at(late), s) for s in ["satisfied"] * 5 + ["dissatisfied"] * 5]
    return rows


def test_satisfaction_drop():
    """Checked on day 130: the 28 days 103…130 hold 10 rated at 50 %; the 91 days before
    (12…102) hold 30 at 100 %: −50 points, P(≥ 5 dissatisfied | 10 × 1 %) ≈ 8e-8 → alerted."""
    day = D0 + timedelta(days=130)
    out = detect(inputs(D0, day, complaints=frame("complaints", satisfaction_rows())), [day], RULES)
    out = out[out["kind"] == "satisfaction_drop"]
    assert list(zip(out["subject"], out["day"], out["value"], out["baseline"])) == [("dept:1", day, 0.5, 1.0)]
    assert "已评价投诉 10 件，满意率 50.0%" in out.iloc[0]["message"]


def test_cross_signal_when_sharing_is_fine_but_satisfaction_falls():
    """Same complaints, and department 1's services answer 100 calls a day with 1 failure
    (1 %, ≤ 5 %): data fine while satisfaction falls → 指标背离 on day 130."""
    day = D0 + timedelta(days=130)
    calls = frame("service_days", [(d, 1, "a", 100, 1) for d in days(D0, 131)])
    out = detect(inputs(D0, day, complaints=frame("complaints", satisfaction_rows()), service_days=calls), [day], RULES)
    out = out[out["kind"] == "cross_signal"]
    assert list(out["subject"]) == ["dept:1"]
    assert "数据共享与更新正常（近 28 天接口失败率 1.0%" in out.iloc[0]["message"]
    assert "满意率下降" in out.iloc[0]["message"]


def test_case_on_time_drop_is_a_citizen_signal():
    """Department 1 completes 100 cases a month on time 95 times from January to March, and
    80 times in April: 80 % against 95 % pooled over the 3 months before (−15 points), known
    from 05-01. Its services are fine (1 %): 指标背离 on 05-01, not on 04-30."""
    office = frame(
        "office", [(1, pd.Timestamp(date(2026, m, 1)), 100, 100, 95 if m < 4 else 80, 50, 0, 0) for m in (1, 2, 3, 4)]
    )
    calls = frame("service_days", [(d, 1, "a", 100, 1) for d in days(D0, 121)])
    checked = [date(2026, 4, 30), date(2026, 5, 1)]
    out = detect(inputs(D0, checked[-1], office=office, service_days=calls), checked, RULES)
    out = out[out["kind"] == "cross_signal"]
    assert list(zip(out["subject"], out["day"])) == [("dept:1", date(2026, 5, 1))]
    assert "2026-04 办件按时办结率 80.0%（此前 3 个月 95.0%）" in out.iloc[0]["message"]


def test_a_store_without_departments_detects_nothing_and_does_not_fail():
    checked = days(D0, 3)
    out = detect(inputs(D0, checked[-1], departments=frame("departments")), checked, RULES)
    assert out.empty
