"""预警的存储与状态: detections become alerts, and people move them 新 → 已确认 → 已解决.

One alert is one episode of a condition on one subject: while the detectors keep finding
it on the checked days, the open alert is updated (last seen, severity, value, evidence)
and nothing repeats; the first checked day it is absent closes the episode and resolves
the alert by itself, saying why. A person may acknowledge or resolve it earlier with a
note; a hand-resolved alert stays resolved while its condition goes on, and only a return
after the condition cleared opens a new alert. Checking days one at a time or all at once
gives the same alerts. Every move by hand is role-checked here and audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from data import audit, supervision
from data.clock import local_today, utcnow
from data.load import plain
from data.models import Alert, AlertCheck, AlertEvent
from data.viewer import AccessDenied, Viewer
from data.vocabulary import ALERT_KINDS, ALERT_SEVERITIES, ALERT_STATES

_alert = Alert.__table__
_event = AlertEvent.__table__
_check = AlertCheck.__table__
OPEN_STATES = ("new", "acknowledged")
SYSTEM = "system"
# 督办类型 and 严重程度 of the 督办事项 an alert of each kind becomes
FINDING_OF_KIND = {
    "failure_rate": "service",
    "provider_outage": "service",
    "volume_drop": "service",
    "update_missed": "resource",
    "overdue_jump": "resource",
    "suspicious_updates": "resource",
    "complaint_surge": "complaint",
    "satisfaction_drop": "complaint",
    "cross_signal": "indicator",
}
SUPERVISION_SEVERITY = {"high": "critical", "medium": "serious", "low": "normal"}
SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}


class AlertError(ValueError):
    """A move on an alert that its state or the viewer's role does not allow, said in Chinese."""


@dataclass
class SyncResult:
    new_ids: list[int] = field(default_factory=list)
    extended_ids: set[int] = field(default_factory=set)
    resolved: int = 0
    # open alerts that became high severity in this check: the immediate messages to send
    urgent: list[int] = field(default_factory=list)

    @property
    def opened(self) -> int:
        return len(self.new_ids)

    @property
    def updated(self) -> int:
        """Alerts that existed before this check and went on."""
        return len(self.extended_ids - set(self.new_ids))


def open_key(kind: str, subject: str) -> str:
    return f"{kind}|{subject}"


def _detection(row: dict) -> dict:
    """The columns an alert takes from one detection row, as plain JSON-able values."""
    dept = plain(row.get("dept_code"))
    return {
        "dept_id": None if dept is None else int(dept),
        "severity": row["severity"],
        "value": plain(row.get("value")),
        "baseline": plain(row.get("baseline")),
        "message": row["message"],
        "evidence": json.dumps(row.get("evidence") or [], ensure_ascii=False, default=_json_value),
    }


def _json_value(value):
    """json.dumps fallback for numpy, pandas and date cells in evidence rows: numbers stay
    numbers, days and times become ISO text."""
    plain_value = plain(value)
    if plain_value is None or isinstance(plain_value, (bool, int, float, str)):
        return plain_value
    return plain_value.isoformat() if hasattr(plain_value, "isoformat") else str(plain_value)


def _log(conn: Connection, alert_id: int, actor: str, action: str, from_state, to_state, note, now) -> None:
    conn.execute(
        insert(_event).values(
            alert_id=alert_id, at=now, actor=actor, action=action, from_state=from_state, to_state=to_state, note=note
        )
    )


def _episodes(conn: Connection, first_day: date) -> dict[tuple[str, str], dict]:
    """The latest alert of each kind and subject that a check from `first_day` can touch: its
    episode is still going, or it cleared on or after the first checked day. Locked (PostgreSQL)
    until the check commits, so a person's 确认/解决 waits for it instead of being overwritten."""
    rows = conn.execute(
        select(_alert)
        .where(or_(_alert.c.cleared_on.is_(None), _alert.c.cleared_on >= first_day))
        .order_by(_alert.c.id)
        .with_for_update()
    ).mappings()
    return {(r["kind"], r["subject"]): dict(r) for r in rows}


def sync_alerts(engine: Engine, detections: pd.DataFrame, days: list[date], now: datetime | None = None) -> SyncResult:
    """Fold the detections of the checked `days` (DETECTION_COLUMNS rows) into the alerts, day
    by day in order, and record the check; one transaction."""
    now = now or utcnow()
    days = sorted(set(days))
    result = SyncResult()
    if not days:
        return result
    found: dict[tuple[str, str], dict[date, dict]] = {}
    for row in detections.to_dict("records"):
        day = pd.Timestamp(row["day"]).date()
        found.setdefault((row["kind"], row["subject"]), {})[day] = row
    with engine.begin() as conn:
        episodes = _episodes(conn, days[0])
        pending: dict[int, dict] = {}
        for key in sorted(set(found) | set(episodes)):
            alert = episodes.get(key)
            for day in days:
                row = found.get(key, {}).get(day)
                alert = _step(conn, key, alert, day, row, now, result, pending)
        for alert in pending.values():
            _write(conn, alert)
        conn.execute(
            insert(_check).values(
                at=now,
                first_day=days[0],
                last_day=days[-1],
                detections=len(detections),
                opened=result.opened,
                updated=result.updated,
                resolved=result.resolved,
            )
        )
    return result


# what a check changes on an existing alert
# what a continuing condition changes on its alert (never the state a person set)
CONTINUED = ("dept_id", "severity", "last_seen", "value", "baseline", "message", "evidence", "updated_at")


def _write(conn: Connection, alert: dict) -> None:
    conn.execute(update(_alert).where(_alert.c.id == alert["id"]).values({c: alert[c] for c in CONTINUED}))


def _step(conn, key, alert: dict | None, day: date, row: dict | None, now, result: SyncResult, pending: dict):
    """One checked day of one kind and subject; returns the alert that is now the latest. A
    continuing alert is written once at the end (`pending`), not once per day; a cleared one at
    once, so the next episode's open alert never meets it in the unique open key."""
    going = alert is not None and alert["cleared_on"] is None
    if row is None:
        if going and day >= alert["last_seen"]:
            if alert["id"] in pending:
                _write(conn, pending.pop(alert["id"]))
            return _clear(conn, alert, day, now, result)
        return alert
    if going:
        if day >= alert["last_seen"]:
            pending[alert["id"]] = _extend(conn, alert, day, row, now, result)
            return pending[alert["id"]]
        return alert
    if alert is not None and day < alert["cleared_on"]:
        return alert  # a day of an episode that already ended
    return _open(conn, key, day, row, now, result)


def _open(conn: Connection, key, day: date, row: dict, now, result: SyncResult) -> dict:
    kind, subject = key
    values = {
        "kind": kind,
        "subject": subject,
        "open_key": open_key(kind, subject),
        "state": "new",
        "first_seen": day,
        "last_seen": day,
        "cleared_on": None,
        "opened_at": now,
        "updated_at": now,
        "resolved_at": None,
        "supervision_item_id": None,
        **_detection(row),
    }
    alert_id = conn.execute(insert(_alert).values(**values).returning(_alert.c.id)).scalar_one()
    _log(conn, alert_id, SYSTEM, "open", None, "new", values["message"], now)
    result.new_ids.append(alert_id)
    if values["severity"] == "high":
        result.urgent.append(alert_id)
    return {**values, "id": alert_id}


def _extend(conn: Connection, alert: dict, day: date, row: dict, now, result: SyncResult) -> dict:
    values = {"last_seen": day, "updated_at": now, **_detection(row)}
    rose = SEVERITY_RANK.get(values["severity"], 0) > SEVERITY_RANK.get(alert["severity"], 0)
    if rose and alert["state"] in OPEN_STATES:
        label = ALERT_SEVERITIES.get(values["severity"], values["severity"])
        _log(conn, alert["id"], SYSTEM, "escalate", alert["state"], alert["state"], f"{day} 升为{label}", now)
        if values["severity"] == "high" and alert["id"] not in result.urgent:
            result.urgent.append(alert["id"])
    result.extended_ids.add(alert["id"])
    return {**alert, **values}


def _clear(conn: Connection, alert: dict, day: date, now, result: SyncResult) -> dict:
    values = {"cleared_on": day, "open_key": None, "updated_at": now}
    note = f"{day} 检查时已不再出现（最后一次出现于 {alert['last_seen']}），系统自动解决"
    if alert["state"] != "resolved":
        values |= {"state": "resolved", "resolved_at": now}
        _log(conn, alert["id"], SYSTEM, "auto_resolve", alert["state"], "resolved", note, now)
        result.resolved += 1
        if alert["id"] in result.urgent:
            result.urgent.remove(alert["id"])
    conn.execute(update(_alert).where(_alert.c.id == alert["id"]).values(**values))
    return {**alert, **values}


def last_checked_day(conn: Connection) -> date | None:
    """The latest local day any check covered: the next check starts there again (that day's
    data may have been incomplete)."""
    return conn.execute(select(func.max(_check.c.last_day))).scalar()


# --- moves by hand ------------------------------------------------------------------------


def visible(viewer: Viewer):
    """WHERE clause: a department sees its own alerts only (never collector health)."""
    if viewer.sees_all_departments:
        return _alert.c.id.isnot(None)
    if viewer.role == "department" and viewer.dept_id is not None:
        return _alert.c.dept_id == viewer.dept_id
    raise AccessDenied(f"{viewer.username} 未绑定部门，无权查看预警")


def get_alert(conn: Connection, viewer: Viewer, alert_id: int, *, for_update: bool = False) -> dict:
    stmt = select(_alert).where(_alert.c.id == alert_id, visible(viewer))
    row = conn.execute(stmt.with_for_update() if for_update else stmt).mappings().first()
    if row is None:
        raise AccessDenied(f"预警 {alert_id} 不存在或无权查看")
    return {**row, "evidence": json.loads(row["evidence"])}


def can_act(viewer: Viewer, alert: dict) -> bool:
    """Inspectors and administrators act on every alert, a department on its own; leaders read."""
    if viewer.role in ("inspector", "admin"):
        return True
    return viewer.role == "department" and alert["dept_id"] is not None and alert["dept_id"] == viewer.dept_id


def _need_note(note: str | None, what: str) -> str:
    if not note or not note.strip():
        raise AlertError(f"请填写{what}")
    return note.strip()


def _move(conn: Connection, viewer: Viewer, alert_id: int, action: str, to_state: str, note: str | None) -> dict:
    alert = get_alert(conn, viewer, alert_id, for_update=True)
    label = {"acknowledge": "确认", "resolve": "解决"}[action]
    if not can_act(viewer, alert):
        raise AlertError(f"您不能{label}该预警：只有督察组、管理员或责任部门可以")
    allowed = ("new",) if action == "acknowledge" else OPEN_STATES
    if alert["state"] not in allowed:
        raise AlertError(f"该预警当前为「{ALERT_STATES[alert['state']]}」，不能再{label}")
    now = utcnow()
    values = {"state": to_state, "updated_at": now}
    if to_state == "resolved":
        values |= {"resolved_at": now, "open_key": None}
    conn.execute(update(_alert).where(_alert.c.id == alert_id).values(**values))
    _log(conn, alert_id, viewer.username, action, alert["state"], to_state, note, now)
    audit.record(
        conn,
        viewer.username,
        f"alert.{action}",
        f"alert:{alert_id}",
        from_state=alert["state"],
        to_state=to_state,
        note=note,
    )
    return alert


def acknowledge(conn: Connection, viewer: Viewer, alert_id: int, note: str | None = None) -> None:
    """已确认: someone is on it; the alert stays open and keeps updating."""
    _move(conn, viewer, alert_id, "acknowledge", "acknowledged", (note or "").strip() or None)


def resolve(conn: Connection, viewer: Viewer, alert_id: int, note: str) -> None:
    """已解决 by hand, with a note saying what was done or why it is not a problem."""
    _move(conn, viewer, alert_id, "resolve", "resolved", _need_note(note, "处理说明"))


def to_supervision(
    conn: Connection, viewer: Viewer, alert_id: int, *, requirement: str, workdays: int, today: date | None = None
) -> int:
    """转为督办事项: a 督办单 to the responsible department through data.supervision (which lets
    only inspectors create one), with the alert as its frozen evidence; returns the item id."""
    alert = get_alert(conn, viewer, alert_id, for_update=True)
    if alert["supervision_item_id"] is not None:
        raise AlertError(f"该预警已转为督办事项 #{alert['supervision_item_id']}")
    finding = FINDING_OF_KIND.get(alert["kind"])
    if finding is None or alert["dept_id"] is None:
        raise AlertError("采集运行类预警没有责任部门，不能转为督办事项，请由管理员处理数据源")
    kind_label = ALERT_KINDS.get(alert["kind"], alert["kind"])
    item_id = supervision.create_item(
        conn,
        viewer,
        dept_id=alert["dept_id"],
        kind=finding,
        title=f"预警：{kind_label}（{alert['first_seen']} 起）",
        problem=alert["message"],
        requirement=requirement,
        issued_on=today or local_today(),
        workdays=workdays,
        severity=SUPERVISION_SEVERITY.get(alert["severity"], "normal"),
        evidence_rows=[
            {
                "item_type": "alert",
                "item_key": f"alert:{alert_id}",
                "label": f"{kind_label}：{alert['subject']}",
                "status": alert["state"],
                "first_seen": alert["first_seen"],
                "last_seen": alert["last_seen"],
                "rows": alert["evidence"],
            }
        ],
    )
    now = utcnow()
    conn.execute(update(_alert).where(_alert.c.id == alert_id).values(supervision_item_id=item_id, updated_at=now))
    _log(conn, alert_id, viewer.username, "supervise", alert["state"], alert["state"], f"督办事项 #{item_id}", now)
    return item_id
