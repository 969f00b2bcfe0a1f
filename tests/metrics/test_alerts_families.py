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
