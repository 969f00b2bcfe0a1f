"""Store validated rows of each record kind: insert what is new, count what is already
there, and send back (as rejects) what contradicts the store."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.engine import Connection

from collectors.config import SourceConfig
from data.departments import add_departments
from data.load import insert_ignore, plain, rows_by_key
from data.models import (
    CatalogResource,
    Complaint,
    DataObjection,
    Department,
    OfficeKpi,
    ResourceUpdate,
    SharingRequest,
    utcnow,
)

ALIAS_SPLIT = re.compile(r"[、;；,，|/]")
DEPT_ID_COLUMNS = {"raised_by_id": "raised_by_dept_id"}
# kind → (model, natural key columns, content columns compared on a repeated key)
EVENTS = {
    "sharing_request": (
        SharingRequest,
        ["request_id"],
        ["requester_dept_id", "provider_dept_id", "resource_code", "submitted_at", "answered_at", "due_at", "decision"],
    ),
    "data_objection": (
        DataObjection,
        ["objection_id"],
        ["raised_by_dept_id", "provider_dept_id", "resource_code", "kind", "raised_at", "resolved_at", "due_at"],
    ),
    "complaint": (
        Complaint,
        ["ticket_id"],
        [
            "dept_id",
            "received_at",
            "due_at",
            "limit_workdays",
            "closed_at",
            "category",
            "channel",
            "satisfaction",
            "summary",
        ],
    ),
    "office_kpi": (
        OfficeKpi,
        ["dept_id", "month"],
        ["cases_received", "cases_completed", "cases_on_time", "cases_online", "reviews_good", "reviews_bad"],
    ),
}
CATALOG_CONTENT = [
    "name",
    "provider_dept_id",
    "share_type",
    "update_frequency",
    "mounted",
    "service_code",
    "registered_at",
    "last_updated_at",
    "update_note",
]
KEEP_WHEN_BLANK = ("registered_at", "last_updated_at", "service_code")  # a blank cell says nothing new
LABELS = {
    "answered_at": "答复时间",
    "closed_at": "办结时间",
    "resolved_at": "处理时间",
    "satisfaction": "满意度",
    "decision": "答复结果",
}


@dataclass
class Outcome:
    loaded: int = 0
    duplicate: int = 0
    rejects: dict = field(default_factory=dict)  # row label → reason


def records(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """(row label, {column: value}); departments by id, under the store's column names."""
    renamed = frame.rename(columns=DEPT_ID_COLUMNS)
    cols = [c for c in columns if c in renamed.columns]
    out = []
    for label, values in zip(renamed.index, renamed[cols].itertuples(index=False, name=None)):
        out.append((label, {c: plain(v) for c, v in zip(cols, values)}))
    return out


def empty(value) -> bool:
    return value is None or value == "unrated"


def shown(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def load_kind(conn: Connection, cfg: SourceConfig, frame: pd.DataFrame, collected_at: datetime) -> Outcome:
    if frame.empty:
        return Outcome()
    if cfg.kind == "department":
        return load_departments(conn, cfg, frame)
    if cfg.kind == "catalog":
        return load_catalog(conn, cfg, frame, collected_at)
    if cfg.kind == "resource_update":
        return load_resource_updates(conn, cfg, frame)
    return load_events(conn, cfg, frame)


def load_departments(conn: Connection, cfg: SourceConfig, frame: pd.DataFrame) -> Outcome:
    rows = []
    for _label, rec in records(frame, ["name", "category", "aliases", "active_from"]):
        rec["aliases"] = [a.strip() for a in ALIAS_SPLIT.split(rec.get("aliases") or "") if a.strip()]
        rows.append(rec)
    new, _aliases = add_departments(conn, rows, source=cfg.name)
    return Outcome(new, len(rows) - new)


def dept_names(conn: Connection) -> dict[int, str]:
    return dict(conn.execute(select(Department.id, Department.name)).all())


def derived_code(dept_name: str, name: str) -> str:
    """A stable code for a catalog entry that has none: provider (register name) + title."""
    return "auto-" + hashlib.sha1(f"{dept_name}\x1f{name}".encode()).hexdigest()[:20]


def load_catalog(conn: Connection, cfg: SourceConfig, frame: pd.DataFrame, collected_at: datetime) -> Outcome:
    out = Outcome()
    names = dept_names(conn)
    batch: dict[str, tuple] = {}
    for label, rec in records(frame, ["resource_code", "snapshot_at", *CATALOG_CONTENT]):
        rec["resource_code"] = rec["resource_code"] or derived_code(names[rec["provider_dept_id"]], rec["name"])
        rec["snapshot_at"] = rec["snapshot_at"] or collected_at
        code = rec["resource_code"]
        if code in batch:
            first = batch[code][1]
            if all(first[c] == rec[c] for c in CATALOG_CONTENT):
                out.duplicate += 1
            else:
                out.rejects[label] = (
                    f"重复编号但内容不同：资源 '{code}'（{rec['name']}）在同一次导出中出现多次且内容不同，"
                    "已保留第一条：请核对后删除多余的一条"
                )
            continue
        batch[code] = (label, rec)
    table = CatalogResource.__table__
    stored = {row["resource_code"]: row for row in rows_by_key(conn, table, "resource_code", batch)}
    inserts, updates, events = [], [], []
    for code, (_label, rec) in batch.items():
        rec["source"] = cfg.name
        old = stored.get(code)
        if old is None:
            inserts.append({**rec, "first_seen_at": rec["snapshot_at"]})
            continue
        for c in KEEP_WHEN_BLANK:
            if rec[c] is None:
                rec[c] = old[c]
        if rec["last_updated_at"] is not None and rec["last_updated_at"] != old["last_updated_at"]:
            events.append(
                {
                    "resource_code": code,
                    "provider_dept_id": rec["provider_dept_id"],
                    "updated_at": rec["last_updated_at"],
                    "recorded_at": utcnow(),
                    "source": cfg.name,
                }
            )
        newer = rec["snapshot_at"] >= old["snapshot_at"]
        changed = newer and any(old[c] != rec[c] for c in CATALOG_CONTENT)
        if newer:
            updates.append({**{f"b_{k}": v for k, v in rec.items()}})
        out.loaded += int(changed)
        out.duplicate += int(not changed)
    out.loaded += insert_ignore(conn, CatalogResource, inserts, ["resource_code"])
    if updates:
        cols = ["snapshot_at", "source", *CATALOG_CONTENT]
        stmt = (
            update(table)
            .where(table.c.resource_code == bindparam("b_resource_code"))
            .values({c: bindparam(f"b_{c}") for c in cols})
        )
        conn.execute(stmt, updates)
    insert_ignore(conn, ResourceUpdate, events, ["resource_code", "updated_at"])
    return out


def load_resource_updates(conn: Connection, cfg: SourceConfig, frame: pd.DataFrame) -> Outcome:
    out = Outcome()
    recs = records(frame, ["resource_code", "updated_at", "provider_dept_id"])
    lookup = [r["resource_code"] for _l, r in recs if r.get("provider_dept_id") is None]
    providers = {
        row["resource_code"]: row["provider_dept_id"]
        for row in rows_by_key(conn, CatalogResource, "resource_code", lookup, ["resource_code", "provider_dept_id"])
    }
    rows = []
    for label, rec in recs:
        if rec.get("provider_dept_id") is None:
            rec["provider_dept_id"] = providers.get(rec["resource_code"])
            if rec["provider_dept_id"] is None:
                out.rejects[label] = (
                    f"未知资源编码 '{rec['resource_code']}'：请先导入共享目录，"
                    "或在该数据源中提供 provider_dept（提供部门）列"
                )
                continue
        rows.append({**rec, "recorded_at": utcnow(), "source": cfg.name})
    out.loaded = insert_ignore(conn, ResourceUpdate, rows, ["resource_code", "updated_at"])
    out.duplicate = len(rows) - out.loaded
    return out


def load_events(conn: Connection, cfg: SourceConfig, frame: pd.DataFrame) -> Outcome:
    """Insert-ignore on the natural key. A repeated key with identical content is a
    duplicate; one that only fills fields still empty in the store (a request answered
    since the last export, a complaint closed) updates them; one that contradicts a
    stored value is rejected ("重复编号但内容不同")."""
    model, key, content = EVENTS[cfg.kind]
    out = Outcome()
    table = model.__table__
    recs = records(frame, [*key, *content])
    if cfg.kind == "office_kpi":
        for _l, r in recs:
            for c in content:
                r[c] = r.get(c) or 0
    stored = {
        tuple(row[c] for c in key): row
        for row in rows_by_key(conn, table, key[0], sorted({r[key[0]] for _l, r in recs}, key=str))
    }
    pending: dict[tuple, dict] = {}
    updates: dict[tuple, dict] = {}
    for label, rec in recs:
        k = tuple(rec[c] for c in key)
        base = pending.get(k) or updates.get(k) or stored.get(k)
        if base is None:
            pending[k] = rec
            continue
        conflicts = [c for c in content if not empty(base.get(c)) and not empty(rec.get(c)) and base[c] != rec[c]]
        if conflicts:
            diff = "；".join(f"{LABELS.get(c, c)} 已有 '{shown(base[c])}'，本条为 '{shown(rec[c])}'" for c in conflicts)
            out.rejects[label] = (
                f"重复编号但内容不同：编号 '{'/'.join(map(shown, k))}' 已存在（{diff}）。"
                "如为更正，请联系管理员处理；如为不同记录，请使用新的编号"
            )
            continue
        fills = {c: rec[c] for c in content if empty(base.get(c)) and not empty(rec.get(c))}
        if not fills:
            out.duplicate += 1
            continue
        base.update(fills)
        if k not in pending:
            updates[k] = base
        out.loaded += 1
    rows = [{**r, "source": cfg.name} for r in pending.values()]
    inserted = insert_ignore(conn, model, rows, key)
    out.loaded += inserted
    out.duplicate += len(rows) - inserted
    if updates:
        stmt = (
            update(table)
            .where(and_(*[table.c[c] == bindparam(f"k_{c}") for c in key]))
            .values({c: bindparam(f"v_{c}") for c in content})
        )
        conn.execute(
            stmt,
            [
                {**{f"k_{c}": k[i] for i, c in enumerate(key)}, **{f"v_{c}": row.get(c) for c in content}}
                for k, row in updates.items()
            ],
        )
    return out
