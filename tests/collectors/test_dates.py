"""Dates that do not exist and times outside a plausible window are quarantined, never
rolled into the next month; a historical time takes the zone's standard offset."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from collectors.mapping import parse_datetimes
from collectors.runner import run_source
from data.clock import utcnow
from tests.collectors.helpers import all_rows, quarantine_rows, register, source

COLUMNS = {"编号": "ticket_id", "部门": "dept", "受理时间": "received_at"}


def tickets(tmp_path, times: list[str]) -> None:
    (tmp_path / "drop").mkdir(exist_ok=True)
    body = "".join(f"T{i},甲局,{t}\n" for i, t in enumerate(times, 1))
    (tmp_path / "drop" / "tickets.csv").write_text("编号,部门,受理时间\n" + body, encoding="utf-8")


def test_impossible_dates_are_quarantined_not_rolled_over(engine, tmp_path):
    register(engine, ["甲局"])
    tickets(tmp_path, ["2026-02-30 09:00", "2026-04-31", "2026-02-29 10:00:00", "2026-03-01 08:00", "2024-02-29"])
    run = run_source(engine, source(tmp_path, kind="complaint", columns=COLUMNS))
    assert (run.counts.rows_read, run.counts.rows_loaded, run.counts.rows_quarantined) == (5, 2, 3)
    got = [(q["line"], q["reason"]) for q in quarantine_rows(engine)]
    assert got == [
        (
            line,
            (
                f"字段 received_at 的时间 '{text}' 无法识别或日期不存在（如 2 月 30 日）：请写成 "
                "2026-03-05 09:32:09，或在 date_formats 中添加该格式"
            ),
        )
        for line, text in [(2, "2026-02-30 09:00"), (3, "2026-04-31"), (4, "2026-02-29 10:00:00")]
    ]
    # 2026-03-01 08:00 in Shanghai = 00:00 UTC; 2024 is a leap year.
    assert sorted(str(r[0])[:19] for r in all_rows(engine, "SELECT received_at FROM complaint")) == [
        "2024-02-28 16:00:00",
        "2026-03-01 00:00:00",
    ]


def test_times_outside_the_window_are_quarantined_and_the_window_is_settable(engine, tmp_path):
    register(engine, ["甲局"])
    future = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    tickets(tmp_path, ["1999-12-31 23:59", "2000-01-01 00:00", future, "1900-01-01 00:00"])
    run = run_source(engine, source(tmp_path, kind="complaint", columns=COLUMNS))
    assert (run.counts.rows_loaded, run.counts.rows_quarantined) == (1, 3)
    assert [q["line"] for q in quarantine_rows(engine)] == [2, 4, 5]
    assert quarantine_rows(engine)[0]["reason"] == (
        "时间超出合理范围（2000-01-01 至采集后 1 天）：字段 received_at 的时间为 "
        "'1999-12-31 23:59'，请核对源数据，或在数据源配置中调整 earliest_time / latest_ahead_days"
    )
    assert all("时间超出合理范围（2000-01-01 至采集后 1 天）" in q["reason"] for q in quarantine_rows(engine))
    wide = source(
        tmp_path, kind="complaint", columns=COLUMNS, name="wide", earliest_time="1900-01-01", latest_ahead_days=5
    )
    again = run_source(engine, wide)
    # the three come in again under the wider window; T2 is already stored
    assert (again.counts.rows_loaded, again.counts.rows_duplicate, again.counts.rows_quarantined) == (3, 1, 0)


def test_a_historical_time_takes_the_standard_offset_not_local_mean_time():
    text = pd.Series(["1900-01-01 00:00", "1900-01-01 00:00:00"], dtype="string[pyarrow]")
    value, bad = parse_datetimes(text, "Asia/Shanghai", ())
    # +08:00, not the +08:05:43 of Shanghai's local mean time
    assert list(value) == [pd.Timestamp(datetime(1899, 12, 31, 16))] * 2 and not bad.any()


def test_an_epoch_number_beyond_any_date_is_quarantined_not_a_crash(engine, tmp_path):
    register(engine, ["甲局"])
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "tickets.json").write_text(
        '[{"ticket_id": "t1", "dept": "甲局", "received_at": 1e30},'
        ' {"ticket_id": "t2", "dept": "甲局", "received_at": "2026-03-01 08:00"}]',
        encoding="utf-8",
    )
    run = run_source(engine, source(tmp_path, kind="complaint", glob="*.json"))
    assert run.status == "partial" and run.error is None
    assert (run.counts.rows_read, run.counts.rows_loaded, run.counts.rows_quarantined) == (2, 1, 1)
    assert "received_at" in quarantine_rows(engine)[0]["reason"]


def test_json_true_in_a_date_field_is_quarantined_not_a_crash(engine, tmp_path):
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "depts.json").write_text(
        '[{"name": "甲局", "category": "市直部门", "active_from": true}]', encoding="utf-8"
    )
    run = run_source(engine, source(tmp_path, kind="department", glob="*.json", create_unknown_departments=True))
    assert run.error is None and (run.counts.rows_read, run.counts.rows_quarantined) == (1, 1)
    assert "active_from" in quarantine_rows(engine)[0]["reason"]
