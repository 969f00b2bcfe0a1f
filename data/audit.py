"""Append-only audit trail of sensitive acts: logins, exports, scheme and score changes."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from data.models import AuditLog, utcnow


def record(conn: Connection, actor: str, action: str, target: str | None = None,
           **detail: Any) -> None:
    """Write one audit row in the caller's transaction (the act and its trace commit together)."""
    conn.execute(
        insert(AuditLog.__table__).values(
            at=utcnow(),
            actor=actor,
            action=action,
            target=target,
            detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        )
    )
