"""预警 messages on both engines: an immediate message for a high-severity alert, a daily digest
per audience (a department reads only its own alerts), e-mail over a real SMTP server and the
group robot over a real HTTP server on 127.0.0.1, retried, and nothing sent twice."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from http.server import HTTPServer

import pytest
from sqlalchemy import insert

from collectors.alert_delivery import queue_digest, queue_urgent
from collectors.delivery import SmtpConfig, deliver_email, deliver_webhook
from data import alerts, notifications
from data.clock import utcnow
from data.models import AppUser
from tests.collectors.test_delivery import Robot, free_port, smtp  # noqa: F401  (smtp: the fixture)
from tests.data.alert_frames import day, frame, outage, silent
from tests.data.supervision_fixture import load

CHANNELS = ("email", "webhook")


@pytest.fixture
def loop(engine):
    loop = load(engine)
    people = [
        ("duch", "inspector", None),
        ("lingdao", "leader", None),
        ("admin", "admin", None),
        ("tongji", "department", loop.own),
        ("zhujian", "department", loop.other),
    ]
    with engine.begin() as conn:
        conn.execute(
            insert(AppUser.__table__),
            [
                {
                    "username": u,
                    "display_name": u,
                    "role": role,
                    "dept_id": dept,
                    "email": f"{u}@example.gov.cn",
                    "password_hash": "-",
                    "disabled": False,
                    "failed_attempts": 0,
                    "created_at": datetime(2026, 11, 1),
                }
                for u, role, dept in people
            ],
        )
    return loop


def _found(loop):
    # own: high outage (urgent); other: medium outage; a silent collector source
    return frame(outage(loop.own, 2), outage(loop.other, 2, "medium", failed=10), silent("exchange", 2))


def test_a_high_alert_is_told_once_to_inspectors_and_its_department(engine, loop):
    result = alerts.sync_alerts(engine, _found(loop), [day(2)])
    assert result.urgent == [1]
    assert queue_urgent(engine, result.urgent, CHANNELS) == 2
    assert queue_urgent(engine, result.urgent, CHANNELS) == 0
    again = alerts.sync_alerts(engine, _found(loop), [day(2)])  # re-checked: still high, not new
    assert again.urgent == []
    v = loop.viewers
    with engine.connect() as conn:
        mine = notifications.inbox(conn, v["own_dept"])
        assert notifications.inbox(conn, v["other_dept"]) == []
        assert [m["title"] for m in notifications.inbox(conn, v["inspector"])] == [
            "【预警·高】部门接口集中中断：市统计局"
        ]
    assert mine[0]["body"].startswith(
        "2026-11-02 该部门接口 50 次调用中失败 40 次（失败率 80%，平常 2%）\n自 2026-11-02 起"
    )


def test_the_digest_goes_to_each_audience_once_and_a_department_reads_only_its_own(engine, loop):
    alerts.sync_alerts(engine, _found(loop), [day(2)])
    assert queue_digest(engine, day(3), CHANNELS) == 5  # inspector + leader, admin, each department's user
    assert queue_digest(engine, day(3), CHANNELS) == 0
    v = loop.viewers
    with engine.connect() as conn:
        office = notifications.inbox(conn, v["leader"])[0]
        own = notifications.inbox(conn, v["own_dept"])[0]
        admin = notifications.inbox(conn, v["admin"])[0]
    assert office["title"] == "【预警日报】2026-11-03：未解决预警 2 条（其中高 1 条）"
    lines = office["body"].splitlines()
    assert lines[0].startswith("· [高] 部门接口集中中断 — 市统计局：") and lines[0].endswith("（自 2026-11-02 起，新）")
    assert lines[1].startswith("· [中] 部门接口集中中断 — 市住房和城乡建设局：")
    assert own["title"] == "【预警日报】2026-11-03：未解决预警 1 条（其中高 1 条）"
    assert "市住房和城乡建设局" not in own["body"]
    assert admin["body"].startswith("· [中] 数据源未按时送数 — 数据源 exchange：")


def test_email_and_robot_deliver_every_message_once_and_retry_a_failure(engine, loop, smtp):  # noqa: F811
    handler, port = smtp
    result = alerts.sync_alerts(engine, _found(loop), [day(2)])
    queue_urgent(engine, result.urgent, CHANNELS)
    queue_digest(engine, day(3), CHANNELS)
    now = utcnow() + timedelta(seconds=1)
    mail = SmtpConfig("127.0.0.1", port, "paoban@example.gov.cn")
    assert deliver_email(engine, mail, now) == (7, 0)  # 2 immediate + 5 digests
    assert deliver_email(engine, mail, now + timedelta(hours=2)) == (0, 0)
    assert sorted(r[0][0] for r in handler.messages) == sorted(
        ["duch@example.gov.cn", "tongji@example.gov.cn"]
        + [f"{u}@example.gov.cn" for u in ("duch", "lingdao", "admin", "tongji", "zhujian")]
    )
    server = HTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Robot.received, Robot.refuse = [], False
    try:
        closed = f"http://127.0.0.1:{free_port()}/robot"
        assert deliver_webhook(engine, closed, now, timeout=2) == (0, 3)  # nobody listens: retried later
        robot = f"http://127.0.0.1:{server.server_port}/robot/send?key=test"
        assert deliver_webhook(engine, robot, now + timedelta(minutes=1)) == (3, 0)
        assert deliver_webhook(engine, robot, now + timedelta(hours=2)) == (0, 0)
    finally:
        server.shutdown()
    # the urgent alert, the office digest and the health digest; no department's digest in the group
    texts = [r["text"]["content"].splitlines()[0] for r in Robot.received]
    assert texts == [
        "【预警·高】部门接口集中中断：市统计局",
        "【预警日报】2026-11-03：未解决预警 2 条（其中高 1 条）",
        "【预警日报】2026-11-03：未解决预警 1 条（其中高 0 条）",
    ]
