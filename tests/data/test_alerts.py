"""The alert store and its states on both engines: one open alert per kind and subject, updated
while the condition goes on, resolved by itself when it clears (saying why), by hand with a note,
a return after clearing opens a new alert; the same alerts whether days are checked one by one
or all at once; role checks and the audit trail."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from data import alert_queries, alerts, supervision
from data.alerts import AlertError
from data.models import Alert, AlertCheck, AuditLog
from data.supervision import TransitionError
from data.viewer import AccessDenied
from tests.data.alert_frames import day, days, frame, outage, silent
from tests.data.supervision_fixture import load

STORED = ["kind", "subject", "dept_id", "severity", "state", "first_seen", "last_seen", "cleared_on", "value"]


def stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(select(*[Alert.__table__.c[c] for c in STORED]).order_by(Alert.id)).all()
    return [tuple(r) for r in rows]


def events(engine, viewer, alert_id) -> list[tuple]:
    with engine.connect() as conn:
        return [(e["actor"], e["action"], e["to_state"]) for e in alert_queries.alert_events(conn, viewer, alert_id)]


@pytest.fixture
def loop(engine):
    return load(engine)


def test_an_episode_updates_one_alert_clears_and_a_return_opens_a_new_one(engine, loop):
    # outage on 2 (medium, 20/50) and 3 (high, 40/50), gone on 4 and 5, back on 6
    found = frame(outage(loop.own, 2, "medium", failed=20), outage(loop.own, 3), outage(loop.own, 6))
    result = alerts.sync_alerts(engine, found, days(1, 6))
    assert (result.opened, result.updated, result.resolved) == (2, 0, 1)
    subject = f"dept:{loop.own}"
    assert stored(engine) == [
        ("provider_outage", subject, loop.own, "high", "resolved", day(2), day(3), day(4), 0.8),
        ("provider_outage", subject, loop.own, "high", "new", day(6), day(6), None, 0.8),
    ]
    with engine.connect() as conn:
        first = alerts.get_alert(conn, loop.viewers["inspector"], 1)
        log = alert_queries.alert_events(conn, loop.viewers["inspector"], 1)
        assert alerts.last_checked_day(conn) == day(6)
    assert first["evidence"] == [{"day": "2026-11-03", "service_code": "svc-1", "calls": 50, "failures": 40}]
    assert [e["action"] for e in log] == ["open", "escalate", "auto_resolve"]
    assert log[2]["note"] == "2026-11-04 检查时已不再出现（最后一次出现于 2026-11-03），系统自动解决"
    # the first alert turned high and cleared in this same check: only the second is urgent
    second = stored(engine)
    assert result.urgent == [2] and len(second) == 2


def test_checking_day_by_day_gives_the_same_alerts_as_all_at_once(engine, loop):
    found = frame(outage(loop.own, 2, "medium", failed=20), outage(loop.own, 3), outage(loop.own, 6))
    for d in days(1, 6):
        alerts.sync_alerts(engine, found[found["day"] == d], [d])
    assert stored(engine) == [
        ("provider_outage", f"dept:{loop.own}", loop.own, "high", "resolved", day(2), day(3), day(4), 0.8),
        ("provider_outage", f"dept:{loop.own}", loop.own, "high", "new", day(6), day(6), None, 0.8),
    ]
    with engine.connect() as conn:
        assert conn.execute(select(AlertCheck.first_day, AlertCheck.opened)).all()[1] == (day(2), 1)


def test_a_continuing_condition_rechecked_does_not_repeat(engine, loop):
    alerts.sync_alerts(engine, frame(outage(loop.own, 2), outage(loop.own, 3)), days(2, 3))
    again = alerts.sync_alerts(engine, frame(outage(loop.own, 3), outage(loop.own, 4, failed=45)), days(3, 4))
    assert (again.opened, again.updated, again.resolved, again.urgent) == (0, 1, 0, [])
    assert stored(engine) == [
        ("provider_outage", f"dept:{loop.own}", loop.own, "high", "new", day(2), day(4), None, 0.9)
    ]
    # a past day checked again leaves a later episode alone
    alerts.sync_alerts(engine, frame(), [day(1)])
    assert stored(engine)[0][4:8] == ("new", day(2), day(4), None)


def test_acknowledged_alert_keeps_updating_and_resolves_when_the_condition_clears(engine, loop):
    alerts.sync_alerts(engine, frame(outage(loop.own, 2)), [day(2)])
    with engine.begin() as conn:
        alerts.acknowledge(conn, loop.viewers["own_dept"], 1, "已联系厂商排查")
    alerts.sync_alerts(engine, frame(outage(loop.own, 3)), [day(3)])
    assert stored(engine)[0][4:7] == ("acknowledged", day(2), day(3))
    alerts.sync_alerts(engine, frame(), [day(4)])
    assert stored(engine)[0][4:8] == ("resolved", day(2), day(3), day(4))
    assert events(engine, loop.viewers["inspector"], 1) == [
        ("system", "open", "new"),
        ("tongji", "acknowledge", "acknowledged"),
        ("system", "auto_resolve", "resolved"),
    ]


def test_resolved_by_hand_stays_resolved_while_the_condition_goes_on(engine, loop):
    alerts.sync_alerts(engine, frame(outage(loop.own, 2)), [day(2)])
    with engine.begin() as conn:
        alerts.resolve(conn, loop.viewers["inspector"], 1, "计划内停机维护，已报备")
    going = alerts.sync_alerts(engine, frame(outage(loop.own, 3)), [day(3)])
    assert (going.opened, going.urgent) == (0, [])
    assert stored(engine) == [
        ("provider_outage", f"dept:{loop.own}", loop.own, "high", "resolved", day(2), day(3), None, 0.8)
    ]
    alerts.sync_alerts(engine, frame(outage(loop.own, 5)), days(4, 5))  # cleared on 4, back on 5
    assert [r[4:8] for r in stored(engine)] == [("resolved", day(2), day(3), day(4)), ("new", day(5), day(5), None)]


def test_who_may_move_an_alert(engine, loop):
    alerts.sync_alerts(engine, frame(outage(loop.own, 2), outage(loop.other, 2), silent("exchange", 2)), [day(2)])
    ids = {r.subject: r.id for r in _alerts(engine)}
    own, other, health = ids[f"dept:{loop.own}"], ids[f"dept:{loop.other}"], ids["source:exchange"]
    v = loop.viewers
    with engine.begin() as conn:
        with pytest.raises(AccessDenied):
            alerts.acknowledge(conn, v["own_dept"], other)
        with pytest.raises(AccessDenied):
            alerts.acknowledge(conn, v["own_dept"], health)
        with pytest.raises(AlertError, match="只有督察组、管理员或责任部门可以"):
            alerts.acknowledge(conn, v["leader"], own)
        with pytest.raises(AlertError, match="请填写处理说明"):
            alerts.resolve(conn, v["own_dept"], own, "  ")
        alerts.acknowledge(conn, v["own_dept"], own)
        with pytest.raises(AlertError, match="当前为「已确认」，不能再确认"):
            alerts.acknowledge(conn, v["inspector"], own)
        alerts.resolve(conn, v["admin"], health, "采集服务器已恢复")
        alerts.resolve(conn, v["inspector"], other, "已电话督促")
        audit = conn.execute(select(AuditLog.actor, AuditLog.action, AuditLog.target).order_by(AuditLog.id)).all()
        assert alert_queries.open_count(conn, v["own_dept"]) == 1
        assert alert_queries.open_count(conn, v["other_dept"]) == 0
        assert alert_queries.open_count(conn, v["leader"]) == 1
        assert set(alert_queries.alerts(conn, v["own_dept"])["id"]) == {own}
        assert list(alert_queries.alerts(conn, v["admin"], health=True)["id"]) == [health]
    assert [tuple(a) for a in audit] == [
        ("tongji", "alert.acknowledge", f"alert:{own}"),
        ("admin", "alert.resolve", f"alert:{health}"),
        ("duch", "alert.resolve", f"alert:{other}"),
    ]


def test_an_inspector_turns_an_alert_into_a_supervision_item(engine, loop):
    alerts.sync_alerts(engine, frame(outage(loop.own, 2), silent("exchange", 2)), [day(2)])
    v = loop.viewers
    with engine.begin() as conn, pytest.raises(TransitionError, match="只有督察组可以"):
        alerts.to_supervision(conn, v["own_dept"], 1, requirement="排查接口故障", workdays=3, today=day(2))
    with engine.begin() as conn:
        item_id = alerts.to_supervision(conn, v["inspector"], 1, requirement="排查接口故障", workdays=3, today=day(2))
        item = supervision.get_item(conn, v["own_dept"], item_id)
        frozen = supervision.evidence(conn, v["inspector"], item_id)
        with pytest.raises(AlertError, match=f"已转为督办事项 #{item_id}"):
            alerts.to_supervision(conn, v["inspector"], 1, requirement="x", workdays=3, today=day(2))
        with pytest.raises(AlertError, match="没有责任部门"):
            alerts.to_supervision(conn, v["inspector"], 2, requirement="x", workdays=3, today=day(2))
    # issued Mon 2 Nov + 3 working days → Thu 5 Nov
    assert (item["kind"], item["severity"], item["deadline"]) == ("service", "critical", day(5))
    assert item["title"] == "预警：部门接口集中中断（2026-11-02 起）"
    assert frozen[0]["item_key"] == "alert:1" and frozen[0]["snapshot"]["rows"][0]["failures"] == 40
    assert events(engine, v["inspector"], 1)[-1] == ("duch", "supervise", "new")


def test_open_trend_counts_each_day_until_cleared(engine, loop):
    # own: 2–3 (cleared 4); other: 3–5 still open at the last check (5)
    found = frame(outage(loop.own, 2), outage(loop.own, 3), *(outage(loop.other, n) for n in (3, 4, 5)))
    alerts.sync_alerts(engine, found, days(1, 5))
    with engine.connect() as conn:
        trend = alert_queries.open_trend(conn, loop.viewers["leader"], days=5)
        mine = alert_queries.open_trend(conn, loop.viewers["other_dept"], days=5)
    assert list(trend["day"]) == days(1, 5)
    assert list(trend["open"]) == [0, 1, 2, 1, 1]
    assert list(mine["open"]) == [0, 0, 1, 1, 1]


def _alerts(engine):
    with engine.connect() as conn:
        return conn.execute(select(Alert.id, Alert.subject)).all()


def test_an_open_alert_turning_high_is_urgent_once(engine, loop):
    first = alerts.sync_alerts(engine, frame(outage(loop.own, 2, "medium", failed=20)), [day(2)])
    assert first.urgent == []
    rose = alerts.sync_alerts(engine, frame(outage(loop.own, 3)), [day(3)])
    still = alerts.sync_alerts(engine, frame(outage(loop.own, 4)), [day(4)])
    assert (rose.urgent, rose.updated, still.urgent) == ([1], 1, [])
    assert [a for _, a, _ in events(engine, loop.viewers["leader"], 1)] == ["open", "escalate"]


def test_evidence_cells_of_numpy_and_pandas_are_stored_as_json_numbers_and_days(engine, loop):
    row = outage(loop.own, 2) | {
        "evidence": [{"calls": np.int64(50), "rate": np.float64(0.8), "day": pd.Timestamp("2026-11-02"), "gap": pd.NA}]
    }
    alerts.sync_alerts(engine, frame(row), [day(2)])
    with engine.connect() as conn:
        evidence = alerts.get_alert(conn, loop.viewers["inspector"], 1)["evidence"]
    assert evidence == [{"calls": 50, "rate": 0.8, "day": "2026-11-02T00:00:00", "gap": None}]


def test_a_check_waits_for_a_hand_resolve_and_keeps_it(engine, loop):
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks: SQLite runs one writer at a time anyway")
    alerts.sync_alerts(engine, frame(outage(loop.own, 2)), [day(2)])
    done = []
    with engine.begin() as conn:
        alerts.resolve(conn, loop.viewers["inspector"], 1, "已处理")  # holds the row until commit
        check = threading.Thread(
            target=lambda: done.append(alerts.sync_alerts(engine, frame(), [day(3)]))  # cleared on 3
        )
        check.start()
        check.join(timeout=1)
        assert check.is_alive()  # the check waits for the person's move
    check.join(timeout=10)
    # the check saw the person's 已解决: it records the clearing, and no second resolution
    assert done and done[0].resolved == 0
    assert stored(engine)[0][4:8] == ("resolved", day(2), day(2), day(3))
    assert [a for _, a, _ in events(engine, loop.viewers["inspector"], 1)] == ["open", "resolve"]
