"""The alert check on both engines: which days it checks (since the last check, the first one
from the first rollup day), the real detectors on hand-placed rollups feeding the store, the
collector hook that never loses a run over a failed check, and the command line."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from collectors.__main__ import main
from collectors.alert_check import FIRST_CHECK_DAYS, check_alerts, days_to_check
from collectors.scheduler import after_load, check_alerts_after_load
from data.alerts import sync_alerts
from data.db import forget_engines
from data.models import Alert, ExchangeDaily
from data.service_daily import refold_service_days
from tests.data.alert_frames import day, days, frame
from tests.data.supervision_fixture import load


def _rollups(engine, dept_id: int, failing: set[int], first: int = 1, last: int = 6) -> None:
    """Two services of `dept_id` with 10 calls a day on `first`…`last` November, all failed on `failing` days."""
    with engine.begin() as conn:
        conn.execute(
            insert(ExchangeDaily.__table__),
            [
                {
                    "day": day(n),
                    "provider_dept_id": dept_id,
                    "consumer_dept_id": dept_id,
                    "service_code": code,
                    "calls": 10,
                    "failures": 10 if n in failing else 0,
                    "duration_sum_ms": 0,
                    "duration_count": 0,
                }
                for n in range(first, last + 1)
                for code in ("svc-a", "svc-b")
            ],
        )
        refold_service_days(conn)


def test_days_since_the_last_check_and_the_first_check_from_the_first_rollup(engine):
    loop = load(engine)
    with engine.connect() as conn:
        assert days_to_check(conn, day(6)) == [day(6)]  # an empty store: today only
    _rollups(engine, loop.own, set())
    with engine.connect() as conn:
        assert days_to_check(conn, day(6)) == days(1, 6)
        far = days_to_check(conn, day(1) + timedelta(days=800))
    assert len(far) == FIRST_CHECK_DAYS and far[-1] == day(1) + timedelta(days=800)
    sync_alerts(engine, frame(), days(1, 4))
    with engine.connect() as conn:
        assert days_to_check(conn, day(6)) == days(4, 6)  # the last checked day again: it may have been partial


def test_the_detectors_open_the_outage_and_a_later_check_resolves_it(engine):
    loop = load(engine)
    _rollups(engine, loop.own, failing={3, 4}, last=3)
    checked, first = check_alerts(engine, today=day(3))
    assert checked == days(1, 3)
    assert _outages(engine, loop.own) == [(1, "new", day(3), day(3), None, "high")]
    assert first.urgent == [1]
    _rollups(engine, loop.own, failing={3, 4}, first=4, last=6)
    checked, later = check_alerts(engine, today=day(6))
    assert checked == days(3, 6) and later.resolved == 1  # the other detectors' findings stay open
    assert _outages(engine, loop.own) == [(1, "resolved", day(3), day(4), day(5), "high")]


def _outages(engine, dept_id: int) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(Alert.id, Alert.state, Alert.first_seen, Alert.last_seen, Alert.cleared_on, Alert.severity).where(
                Alert.kind == "provider_outage", Alert.subject == f"dept:{dept_id}"
            )
        ).all()
    return [tuple(r) for r in rows]


def test_a_failed_check_is_told_and_loses_nothing(engine, monkeypatch, tmp_path):
    monkeypatch.setenv("PAOBAN_ALERT_RULES", str(tmp_path / "missing.toml"))
    error = check_alerts_after_load(engine)
    assert error.startswith("预警检查失败：")
    assert after_load(engine).endswith(error)


def test_the_command_line_checks_one_day(db_url, engine, monkeypatch, capsys):
    load(engine)
    monkeypatch.setenv("DATABASE_URL", db_url)
    forget_engines()
    assert main(["alerts", "check", "--day", "2026-11-03"]) == 0
    assert capsys.readouterr().out == "已检查 2026-11-03：新增预警 0 条，更新 0 条，自动解决 0 条\n"
    forget_engines()
