"""预警 messages: an immediate one when an alert becomes high severity, and a daily digest of the
open alerts per audience, written to the inbox and the outbox (collectors.delivery sends them).

Audiences follow who may see what: inspectors and leaders get every department's alerts, each
department's users only their own, administrators the collector-health alerts. Dedupe keys
make a second run send nothing: one immediate message per alert and state, one digest per
audience and day. The group robot (webhook) gets only the office-wide messages, never one
department's digest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from data import alert_queries, alerts, notifications
from data.models import Department
from data.viewer import Viewer
from data.vocabulary import ALERT_KINDS, ALERT_SEVERITIES, ALERT_STATES

OFFICE = Viewer("system", "inspector", display_name="预警任务")
WHERE = "请登录跑办督考台查看证据并处理（督察组在“预警”页，部门联络员在“我的得分”页，管理员在“数据源状态”页）。"
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def _names(conn) -> dict[int, str]:
    t = Department.__table__
    return dict(conn.execute(select(t.c.id, t.c.name)).all())


def _dept(alert: dict) -> int | None:
    """The responsible department of an alert row (a frame holds a missing one as NaN)."""
    return None if pd.isna(alert["dept_id"]) else int(alert["dept_id"])


def _about(alert: dict, names: dict[int, str]) -> str:
    """Who or what the alert is about, as a clerk says it."""
    dept = _dept(alert)
    if dept is None:
        return f"数据源 {alert['subject'].removeprefix(alert_queries.HEALTH_PREFIX)}"
    return names.get(dept, f"部门 {dept}")


def _recipients(conn, alert: dict) -> list[str]:
    dept = _dept(alert)
    if dept is None:
        return notifications.users_of(conn, role="admin")
    return notifications.users_of(conn, role="inspector") + notifications.users_of(
        conn, role="department", dept_id=dept
    )


def queue_urgent(engine: Engine, alert_ids: Iterable[int], channels: tuple[str, ...] = ()) -> int:
    """One message per high-severity alert and state to its audience; returns how many were new."""
    sent = 0
    with engine.begin() as conn:
        names = _names(conn)
        for alert_id in alert_ids:
            alert = alerts.get_alert(conn, OFFICE, alert_id)
            kind = ALERT_KINDS.get(alert["kind"], alert["kind"])
            sent += notifications.notify(
                conn,
                _recipients(conn, alert),
                kind="alert",
                title=f"【预警·{ALERT_SEVERITIES['high']}】{kind}：{_about(alert, names)}",
                body=f"{alert['message']}\n自 {alert['first_seen']} 起，最近一次 {alert['last_seen']}。{WHERE}",
                dedupe_key=f"alert:{alert_id}:{alert['state']}",
                channels=channels,
            )
    return sent


def digest_lines(frame: pd.DataFrame, names: dict[int, str]) -> list[str]:
    """One line per open alert, high severity first, then the longest running."""
    order = frame.assign(_rank=frame["severity"].map(SEVERITY_ORDER)).sort_values(["_rank", "first_seen", "id"])
    return [
        f"· [{ALERT_SEVERITIES.get(a['severity'], a['severity'])}] {ALERT_KINDS.get(a['kind'], a['kind'])}"
        f" — {_about(a, names)}：{a['message']}（自 {a['first_seen']} 起，{ALERT_STATES[a['state']]}）"
        for a in order.to_dict("records")
    ]


def queue_digest(engine: Engine, today: date, channels: tuple[str, ...] = ()) -> int:
    """预警日报 of `today` to every audience with open alerts; returns how many messages were new."""
    personal = tuple(c for c in channels if c != "webhook")
    sent = 0
    with engine.begin() as conn:
        names = _names(conn)
        open_now = alert_queries.alerts(conn, OFFICE, states=("new", "acknowledged"))
        health = open_now["dept_id"].isna()
        office = notifications.users_of(conn, role="inspector") + notifications.users_of(conn, role="leader")
        audiences = [
            ("all", open_now[~health], office, channels),
            ("health", open_now[health], notifications.users_of(conn, role="admin"), channels),
        ]
        for dept_id in sorted(set(open_now.loc[~health, "dept_id"].astype(int))):
            viewer = Viewer(f"digest:{dept_id}", "department", dept_id=dept_id)
            own = alert_queries.alerts(conn, viewer, states=("new", "acknowledged"))
            users = notifications.users_of(conn, role="department", dept_id=dept_id)
            audiences.append((f"dept:{dept_id}", own, users, personal))
        for audience, frame, users, via in audiences:
            if frame.empty or not users:
                continue
            high = int((frame["severity"] == "high").sum())
            sent += notifications.notify(
                conn,
                users,
                kind="alert_digest",
                title=f"【预警日报】{today}：未解决预警 {len(frame)} 条（其中高 {high} 条）",
                body="\n".join(digest_lines(frame, names)) + f"\n{WHERE}",
                dedupe_key=f"alert-digest:{today}:{audience}",
                channels=via,
            )
    return sent
