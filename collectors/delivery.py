"""催办 messages for 督办事项 and their delivery: the scheduler process's part of the loop.

queue_reminders turns metrics.supervision's reminders into inbox messages (once per item and
kind, so running it every hour repeats nothing); deliver_email sends the e-mail outbox over
SMTP and deliver_webhook posts to a 企业微信/钉钉 group robot; each records every attempt, so a
failure is retried and the inbox message stays.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pandas as pd
from sqlalchemy.engine import Engine

from collectors.config import ConfigError
from data import notifications, supervision
from data.clock import utcnow
from data.settings import get_settings
from data.supervision_settings import settings_for
from data.viewer import Viewer
from metrics.supervision import OPEN_STATES, reminders

SYSTEM = Viewer("system", "inspector", display_name="催办任务")
TEXTS = {
    "remind": ("【催办】{title}", "督办事项「{title}」将于 {deadline} 到期，请按期完成整改并在系统中提交整改反馈。"),
    "overdue": (
        "【逾期】{title}",
        "督办事项「{title}」已于 {deadline} 到期，现已逾期 {late} 个工作日，请尽快整改并提交反馈。",
    ),
    "escalate": (
        "【逾期督办】{title}",
        "督办事项「{title}」已逾期 {late} 个工作日（期限 {deadline}），已列入逾期督办清单并纳入通报。",
    ),
}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0
    cafile: str | None = None  # the CA that signed the server's certificate, when not a public one

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """PAOBAN_SMTP_URL: smtp://user:password@host:port?from=sender&starttls=1[&cafile=/path/ca.pem].
        STARTTLS verifies the server's certificate and name (against `cafile` when given, else
        the system's CAs): a government mail relay with a private CA names its CA file."""
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        sender = query.get("from", [""])[0]
        if parts.scheme != "smtp" or not parts.hostname or not sender:
            raise ConfigError(
                "PAOBAN_SMTP_URL 应形如 smtp://用户名:密码@邮件服务器:端口?from=发件地址&starttls=1"
                f"（缺少{'发件地址 from' if parts.hostname else '邮件服务器'}）"
            )
        return cls(
            parts.hostname,
            parts.port or 25,
            sender,
            starttls=query.get("starttls", ["0"])[0] == "1",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            cafile=query.get("cafile", [None])[0],
        )


def outbox_channels() -> tuple[str, ...]:
    """The external channels the settings configure: messages get an outbox row for each."""
    s = get_settings()
    return tuple(c for c, url in (("email", s.smtp_url), ("webhook", s.webhook_url)) if url)


def deliver_outbox(engine: Engine) -> None:
    """Send what is due over every configured channel (the scheduler runs it every minute)."""
    s = get_settings()
    if s.smtp_url:
        deliver_email(engine, SmtpConfig.from_url(s.smtp_url))
    if s.webhook_url:
        deliver_webhook(engine, s.webhook_url)


def queue_reminders(engine: Engine, today: date, channels: tuple[str, ...] = ()) -> int:
    """Write today's 催办 / 逾期 / 逾期督办 messages; returns how many messages were new."""
    with engine.begin() as conn:
        items = pd.DataFrame(supervision.list_items(conn, SYSTEM, states=OPEN_STATES))
        if items.empty:
            return 0
        s = settings_for(today.year)
        due = reminders(items, today, s.remind_before_workdays, s.escalate_after_workdays)
        by_id = items.set_index("id")
        sent = 0
        for r in due.itertuples():
            item = by_id.loc[r.item_id]
            recipients = notifications.users_of(conn, role="department", dept_id=int(r.dept_id)) + [item["created_by"]]
            if r.kind == "escalate":
                recipients += notifications.users_of(conn, role="leader")
            title, body = (
                t.format(title=item["title"], deadline=f"{r.deadline:%Y-%m-%d}", late=r.overdue_workdays)
                for t in TEXTS[r.kind]
            )
            key = f"{r.kind}:{r.item_id}:{r.deadline:%Y-%m-%d}"
            sent += notifications.notify(
                conn,
                recipients,
                kind=r.kind,
                title=title,
                body=body,
                dedupe_key=key,
                item_id=int(r.item_id),
                channels=channels,
            )
    return sent


def deliver_email(engine: Engine, config: SmtpConfig, now: datetime | None = None) -> tuple[int, int]:
    """Send every due e-mail delivery; returns (sent, failed). A recipient without an address fails
    with a message saying so, and is retried (an address may be added later)."""
    now = now or utcnow()
    with engine.connect() as conn:
        due = notifications.due_deliveries(conn, now, "email")
    sent = failed = 0
    for d in due:
        error = None
        if not d["email"]:
            error = f"用户 {d['recipient']} 没有登记电子邮箱"
        else:
            try:
                _send(config, d["email"], d["title"], d["body"])
            except (OSError, smtplib.SMTPException) as exc:
                error = f"邮件发送失败：{exc}"
        with engine.begin() as conn:
            notifications.record_attempt(conn, d["id"], d["attempts"], now, error)
        sent, failed = sent + (error is None), failed + (error is not None)
    return sent, failed


def _send(config: SmtpConfig, to: str, subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = config.sender, to, subject
    msg.set_content(body)
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context(cafile=config.cafile))
        if config.username:
            smtp.login(config.username, config.password or "")
        smtp.send_message(msg)


def deliver_webhook(engine: Engine, url: str, now: datetime | None = None, timeout: float = 10.0) -> tuple[int, int]:
    """Post each due webhook message to a group robot once per event (the recipients of one
    reminder share one group message); returns (sent, failed) events. 企业微信 and 钉钉 robots
    take the same text payload and answer errcode 0 on success."""
    now = now or utcnow()
    with engine.connect() as conn:
        due = notifications.due_deliveries(conn, now, "webhook")
    events: dict[str, list[dict]] = {}
    for d in due:
        events.setdefault(d["dedupe_key"], []).append(d)
    sent = failed = 0
    for rows in events.values():
        error = None
        payload = {"msgtype": "text", "text": {"content": f"{rows[0]['title']}\n{rows[0]['body']}"}}
        try:
            answer = httpx.post(url, json=payload, timeout=timeout)
            answer.raise_for_status()
            code = answer.json().get("errcode", 0)
            if code != 0:
                error = f"群机器人拒收：errcode {code} {answer.json().get('errmsg', '')}"
        except (httpx.HTTPError, ValueError) as exc:
            error = f"群机器人推送失败：{exc}"
        with engine.begin() as conn:
            for d in rows:
                notifications.record_attempt(conn, d["id"], d["attempts"], now, error)
        sent, failed = sent + (error is None), failed + (error is not None)
    return sent, failed
