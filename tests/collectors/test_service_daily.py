"""exchange_service_daily, the per-service daily rollup the alert detectors read: folded with
exchange_daily, summed over consumers, exact after overlapping exports and a replay, and
equal to its rebuild from exchange_daily (python -m data refold-service-days)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert

from collectors.replay import replay_source
from collectors.runner import run_source
from data.models import ExchangeDaily
from data.service_daily import refold_service_days
from tests.collectors.exchange_log import COLUMNS
from tests.collectors.helpers import all_rows, register, scalar, source

HEADER = ",".join(COLUMNS)
# 10:00 in Shanghai is 02:00 UTC: every call lies on the local day written
FIRST = """C1,2026-03-05 10:00:00,乙局,甲局,S1,成功,,100
C2,2026-03-05 10:05:00,丙局,甲局,S1,失败,E500,300
C3,2026-03-05 10:10:00,乙局,甲局,S2,成功,,50
C4,2026-03-06 11:00:00,丙局,甲局,S1,成功,,20
"""
# A later export repeating C3 and C4, with two new calls and one from 丁局, not yet registered
SECOND = """C3,2026-03-05 10:10:00,乙局,甲局,S2,成功,,50
C4,2026-03-06 11:00:00,丙局,甲局,S1,成功,,20
C5,2026-03-06 11:03:00,乙局,甲局,S1,失败,E500,1000
C6,2026-03-06 11:05:00,乙局,甲局,S2,成功,,70
C7,2026-03-06 11:06:00,丁局,甲局,S1,失败,E500,400
"""
SERVICE_DAYS = (
    "SELECT day, provider_dept_id, service_code, calls, failures, duration_sum_ms, duration_count "
    "FROM exchange_service_daily ORDER BY day, service_code"
)


def service_days(engine) -> list[tuple]:
    return [(str(day), *rest) for day, *rest in all_rows(engine, SERVICE_DAYS)]


def test_overlapping_exports_and_a_replay_leave_each_service_day_exact(engine, tmp_path):
    register(engine, ["甲局", "乙局", "丙局"])
    provider = scalar(engine, "SELECT id FROM department WHERE name = '甲局'")
    (tmp_path / "drop").mkdir()
    cfg = source(tmp_path, kind="exchange_call", glob="*.csv", columns=COLUMNS)
    (tmp_path / "drop" / "a.csv").write_text(f"{HEADER}\n{FIRST}", encoding="utf-8")
    assert run_source(engine, cfg).counts.rows_loaded == 4
    (tmp_path / "drop" / "b.csv").write_text(f"{HEADER}\n{SECOND}", encoding="utf-8")
    second = run_source(engine, cfg)
    assert (second.counts.rows_loaded, second.counts.rows_quarantined) == (2, 1)  # C3, C4 counted already
    register(engine, ["丁局"])
    assert replay_source(engine, cfg, reason="未知部门").counts.rows_loaded == 1
    assert replay_source(engine, cfg).counts.rows_loaded == 0
    assert run_source(engine, cfg).counts.rows_read == 0
    expected = [
        ("2026-03-05", provider, "S1", 2, 1, 100 + 300, 2),  # C1 (乙局) + C2 (丙局)
        ("2026-03-05", provider, "S2", 1, 0, 50, 1),  # C3, once
        ("2026-03-06", provider, "S1", 3, 2, 20 + 1000 + 400, 3),  # C4 once, C5, C7 replayed
        ("2026-03-06", provider, "S2", 1, 0, 70, 1),  # C6
    ]
    assert service_days(engine) == expected
    assert scalar(engine, "SELECT COUNT(*) FROM exchange_daily") == 7  # the same calls, by consumer too
    with engine.begin() as conn:
        assert refold_service_days(conn) == 4
    assert service_days(engine) == expected


def test_the_rebuild_sums_exchange_daily_over_consumers(sqlite_engine, monkeypatch, capsys):
    from data.__main__ import main

    rows = [
        {"day": date(2026, 3, 5), "consumer_dept_id": 2, "service_code": "S1", "calls": 10, "failures": 1},
        {"day": date(2026, 3, 5), "consumer_dept_id": 3, "service_code": "S1", "calls": 5, "failures": 2},
        {"day": date(2026, 3, 5), "consumer_dept_id": 2, "service_code": "S2", "calls": 7, "failures": 0},
        {"day": date(2026, 3, 6), "consumer_dept_id": 3, "service_code": "S1", "calls": 4, "failures": 4},
    ]
    with sqlite_engine.begin() as conn:
        conn.execute(insert(ExchangeDaily.__table__), [{**r, "provider_dept_id": 1} for r in rows])
    monkeypatch.setenv("DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    assert main(["refold-service-days"]) == 0
    assert capsys.readouterr().out.strip() == "已按接口日汇总重建 exchange_service_daily：3 行"
    assert service_days(sqlite_engine) == [
        ("2026-03-05", 1, "S1", 15, 3, 0, 0),
        ("2026-03-05", 1, "S2", 7, 0, 0, 0),
        ("2026-03-06", 1, "S1", 4, 4, 0, 0),
    ]
    assert main(["refold-service-days"]) == 0  # again: the same rows, not twice the calls
    assert service_days(sqlite_engine)[0] == ("2026-03-05", 1, "S1", 15, 3, 0, 0)
