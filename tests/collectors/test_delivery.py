"""催办 into inboxes and e-mail over a real SMTP server on 127.0.0.1 (aiosmtpd), on both engines."""

from __future__ import annotations

import json
import socket
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from collectors.delivery import (
    SmtpConfig,
    deliver_email,
    deliver_webhook,
    queue_reminders,
)
from data import notifications
from data.clock import utcnow
from data.models import Delivery
from data.users import create_user
from tests.data.supervision_fixture import load, new_item


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def loop(engine):
    loop = load(engine)
    with engine.begin() as conn:
        create_user(
            conn,
            "tongji",
            "department",
            "Tj-2026-passw0rd!",
            actor="t",
            dept_id=loop.own,
            email="tongji@example.gov.cn",
        )
        create_user(conn, "lingdao", "leader", "Ld-2026-passw0rd!", actor="t")
    return loop


def test_reminders_once_per_item_and_escalation_reaches_leaders(engine, loop):
    with engine.begin() as conn:
        soon = new_item(conn, loop, workdays=3)  # deadline 10-08
        late = new_item(conn, loop, workdays=1)  # deadline 9-29: on 10-08 late by 9-30 and 10-08
    assert queue_reminders(engine, date(2026, 10, 8)) == 4  # soon: remind ×2 (dept, inspector); late: overdue ×2
    assert queue_reminders(engine, date(2026, 10, 8)) == 0
    with engine.connect() as conn:
        msgs = notifications.inbox(conn, loop.viewers["own_dept"])
        assert [(m["kind"], m["item_id"]) for m in msgs] == [("remind", soon), ("overdue", late)]
        assert msgs[1]["body"].endswith("现已逾期 2 个工作日，请尽快整改并提交反馈。")
        assert notifications.inbox(conn, loop.viewers["other_dept"]) == []
    # 10-13: `late` is 5 working days over (9-30, 10-08, 09, 10, 12, 13 → 6 ≥ 5): escalated, leaders told
    queue_reminders(engine, date(2026, 10, 13))
    with engine.connect() as conn:
        leader = notifications.inbox(conn, loop.viewers["leader"])
    assert [(m["title"], m["item_id"]) for m in leader] == [("【逾期督办】目录资源逾期未更新", late)]
    assert "已逾期 6 个工作日（期限 2026-09-29）" in leader[0]["body"]


def test_email_is_sent_and_a_failure_is_retried_without_losing_the_message(engine, loop, smtp):
    handler, port = smtp
    with engine.begin() as conn:
        new_item(conn, loop, workdays=3)
    queue_reminders(engine, date(2026, 10, 8), channels=("email",))
    now = utcnow() + timedelta(seconds=1)
    down = SmtpConfig("127.0.0.1", free_port(), "paoban@example.gov.cn", timeout=2)
    assert deliver_email(engine, down, now) == (0, 2)  # nobody listens; the inspector has no account
    with engine.connect() as conn:
        assert notifications.unread_count(conn, loop.viewers["own_dept"]) == 1
        waits = conn.execute(select(Delivery.next_attempt_at, Delivery.attempts)).all()
    assert {tuple(w) for w in waits} == {(now + timedelta(minutes=1), 1)}
    assert deliver_email(engine, SmtpConfig("127.0.0.1", port, "paoban@example.gov.cn"), now) == (0, 0)
    up = SmtpConfig("127.0.0.1", port, "paoban@example.gov.cn")
    assert deliver_email(engine, up, now + timedelta(minutes=1)) == (1, 1)
    assert handler.messages[0][0] == ["tongji@example.gov.cn"]
    assert "Subject: =?utf-8?" in handler.messages[0][1]
    assert deliver_email(engine, up, now + timedelta(minutes=5)) == (0, 1)  # only the address-less one is left


class Robot(BaseHTTPRequestHandler):
    """A group robot on 127.0.0.1: answers errcode 0, or 310000 while `refuse` is set."""

    received: ClassVar[list] = []
    refuse = False

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Robot.received.append(body)
        answer = {"errcode": 310000, "errmsg": "keywords not in content"} if Robot.refuse else {"errcode": 0}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_webhook_posts_one_group_message_per_event_and_retries_a_refusal(engine, loop):
    server = HTTPServer(("127.0.0.1", 0), Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/robot/send?key=test"
    Robot.received, Robot.refuse = [], True
    try:
        with engine.begin() as conn:
            new_item(conn, loop, workdays=3)
        queue_reminders(engine, date(2026, 10, 8), channels=("webhook",))  # to 2 recipients: one event
        now = utcnow() + timedelta(seconds=1)
        assert deliver_webhook(engine, url, now) == (0, 1)
        with engine.connect() as conn:
            errors = set(conn.execute(select(Delivery.last_error)).scalars())
        assert errors == {"群机器人拒收：errcode 310000 keywords not in content"}
        Robot.refuse = False
        assert deliver_webhook(engine, url, now + timedelta(minutes=1)) == (1, 0)
        assert deliver_webhook(engine, url, now + timedelta(minutes=5)) == (0, 0)
    finally:
        server.shutdown()
    assert len(Robot.received) == 2
    assert Robot.received[1] == {
        "msgtype": "text",
        "text": {
            "content": "【催办】目录资源逾期未更新\n督办事项「目录资源逾期未更新」将于 2026-10-08 到期，请按期完成整改并在系统中提交整改反馈。"
        },
    }


def test_the_scheduler_morning_job_queues_the_days_reminders(engine, loop, monkeypatch):
    from collectors import scheduler

    with engine.begin() as conn:
        new_item(conn, loop, workdays=1)  # deadline 9-29: overdue on 10-08
    monkeypatch.setattr(scheduler, "local_today", lambda: date(2026, 10, 8))
    scheduler.send_reminders(engine)
    with engine.connect() as conn:
        assert [m["kind"] for m in notifications.inbox(conn, loop.viewers["own_dept"])] == ["overdue"]


def self_signed(tmp_path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, written as PEM files: the test's own CA."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    start = utcnow() - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "relay.pem", tmp_path / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_file), str(key_file)


def test_starttls_verifies_the_relay_against_the_named_ca(engine, loop, tmp_path):
    import ssl

    cert, key = self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=server_tls, require_starttls=True)
    controller.start()
    try:
        with engine.begin() as conn:
            new_item(conn, loop, workdays=3)
        queue_reminders(engine, date(2026, 10, 8), channels=("email",))
        now = utcnow() + timedelta(seconds=1)
        url = f"smtp://127.0.0.1:{port}?from=paoban@example.gov.cn&starttls=1"
        plain = SmtpConfig("127.0.0.1", port, "paoban@example.gov.cn")
        assert deliver_email(engine, plain, now) == (0, 2)  # the relay requires STARTTLS
        unknown_ca = SmtpConfig.from_url(url)
        assert deliver_email(engine, unknown_ca, now + timedelta(minutes=1)) == (0, 2)
        with engine.connect() as conn:
            errors = {e for (e,) in conn.execute(select(Delivery.last_error))}
        assert any("CERTIFICATE_VERIFY_FAILED" in (e or "") for e in errors), errors
        assert handler.messages == []
        trusted = SmtpConfig.from_url(f"{url}&cafile={cert}")
        assert trusted.cafile == cert
        assert deliver_email(engine, trusted, now + timedelta(minutes=10)) == (1, 1)
        assert handler.messages[0][0] == ["tongji@example.gov.cn"]
    finally:
        controller.stop()
