"""The store's tables: canonical records, rollups, collector bookkeeping, scores, users.

Datetimes are naive UTC; dates (registration, KPI month) are local Asia/Shanghai dates.
Departments are referenced by integer id; sources name them, collectors resolve names
and aliases to ids before loading.
"""

from __future__ import annotations

from datetime import date

from pydantic import NaiveDatetime
from sqlalchemy import BigInteger, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from data.clock import utcnow
from data.vocabulary import NOTE_LENGTH

ROLES = {"leader": "领导小组", "inspector": "督察组", "department": "部门联络员", "admin": "管理员"}

# Upper bounds (ms) of the duration histogram buckets kept in ExchangeServiceMonth.h0..h11;
# the last bucket is open. Fixed buckets make the histogram mergeable by plain addition.
DURATION_BUCKETS_MS = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000)
HIST_COLUMNS = [f"h{i}" for i in range(len(DURATION_BUCKETS_MS) + 1)]
# ExchangeFaultMonth.fault_code of failed calls that carry no fault code.
NO_FAULT_CODE = ""


class Department(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    category: str = Field(max_length=20, description="city_dept | district")
    active_from: date | None = Field(default=None, description="expected from this day on")
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    source: str | None = Field(default=None, max_length=100)


class DepartmentAlias(SQLModel, table=True):
    __tablename__ = "department_alias"
    id: int | None = Field(default=None, primary_key=True)
    alias: str = Field(unique=True, max_length=200)
    department_id: int = Field(foreign_key="department.id", index=True)


class CatalogResource(SQLModel, table=True):
    """Latest known state of a catalog entry; snapshots update it in place."""

    __tablename__ = "catalog_resource"
    id: int | None = Field(default=None, primary_key=True)
    resource_code: str = Field(unique=True, max_length=200)
    name: str = Field(max_length=500)
    provider_dept_id: int = Field(foreign_key="department.id", index=True)
    share_type: str = Field(max_length=20)
    update_frequency: str = Field(max_length=40, description="normalised, see data/vocabulary.py")
    mounted: bool = False
    service_code: str | None = Field(default=None, max_length=200, index=True)
    registered_at: date | None = None
    last_updated_at: NaiveDatetime | None = None
    first_seen_at: NaiveDatetime = Field(default_factory=utcnow, description="first snapshot listing it")
    snapshot_at: NaiveDatetime = Field(default_factory=utcnow, description="latest snapshot listing it")
    source: str | None = Field(default=None, max_length=100)
    update_note: str | None = Field(
        default=None,
        max_length=NOTE_LENGTH,
        description="the catalog's note on its frequency, or the text not understood",
    )


class ResourceUpdate(SQLModel, table=True):
    __tablename__ = "resource_update"
    __table_args__ = (UniqueConstraint("resource_code", "updated_at"),)
    id: int | None = Field(default=None, primary_key=True)
    resource_code: str = Field(max_length=200, index=True)
    provider_dept_id: int = Field(foreign_key="department.id", index=True)
    updated_at: NaiveDatetime
    recorded_at: NaiveDatetime = Field(default_factory=utcnow)
    source: str | None = Field(default=None, max_length=100)


class ExchangeCall(SQLModel, table=True):
    """Raw calls kept as evidence: failed calls only (successes live in the rollup).

    A copy of a call is the same log record, so it carries the same request time: calls are
    unique by (time, id), and that key, led by the time, takes each day's calls at the end
    of its B-tree. Unique by id alone, each failed call went into a random leaf: a day's 550
    failed calls dirtied about as many index pages, and into a VACUUMed 10 M-call SQLite
    store the day's transaction outgrew the 1,000-page WAL and paid for a checkpoint at
    commit (0.21 s for the day instead of 0.15 s). The key also serves the reads by time, and
    the provider's index the department page; nothing reads by consumer."""

    __tablename__ = "exchange_call"
    __table_args__ = (
        UniqueConstraint("requested_at", "call_id", name="uq_exchange_call_time_id"),
        Index("ix_exchange_call_provider_time", "provider_dept_id", "requested_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(max_length=200)
    requested_at: NaiveDatetime
    consumer_dept_id: int = Field(foreign_key="department.id")
    provider_dept_id: int = Field(foreign_key="department.id")
    service_code: str = Field(max_length=200)
    succeeded: bool
    status_code: str | None = Field(default=None, max_length=100)
    fault_code: str | None = Field(default=None, max_length=200)
    duration_ms: int | None = None
    source: str | None = Field(default=None, max_length=100)


class ExchangeDaily(SQLModel, table=True):
    """Daily rollup of calls: the only call data scores and pages read.

    No foreign keys here: the collector resolves department ids from the register in the
    same transaction, and per-row key checks were most of the PostgreSQL load time.
    """

    __tablename__ = "exchange_daily"
    # Clustered on the key, and no index by consumer: a row's key is its only B-tree, so a
    # batch's rows go in at the end (days ascend). Who calls whom over a period is read
    # from exchange_partner_month instead.
    __table_args__ = ({"sqlite_with_rowid": False},)
    day: date = Field(primary_key=True, description="local date of the request")
    provider_dept_id: int = Field(primary_key=True)
    consumer_dept_id: int = Field(primary_key=True)
    service_code: str = Field(primary_key=True, max_length=200)
    calls: int = 0
    failures: int = 0
    duration_sum_ms: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    duration_count: int = 0


# Every collection adds to each month row of the current month. Pages kept half empty on
# PostgreSQL let the new version of a row go on its own page (a HOT update: no new index
# entry, no dead one for VACUUM). A day's file into a 10 M-call year then updated the
# service and partner months in 13 + 12 ms, as fast as it inserts them into an empty store,
# instead of 24 + 19 ms. The space is not lost: a year's load updates the same rows many times,
# and versions pruned in place left the three tables at 34 MB instead of 40 MB (10 M calls).
MONTH_TABLE_ARGS = {"postgresql_with": {"fillfactor": 50}}


class ExchangeServiceMonth(SQLModel, table=True):
    """Calls, failures and the duration histogram per local month × provider × service:
    what scoring reads for the whole months of a period, so its cost follows the number of
    services, not of calls (exchange_daily also grows with days × consumers). Folded by the
    collector in the same transaction as exchange_daily; no foreign keys, like exchange_daily.

    The histogram (h0…h11, bucket i holds durations ≤ DURATION_BUCKETS_MS[i]) lives here and
    not in the daily rollup: twelve more columns on every daily row were about half of the
    collector's insert time, and a service's response-time P95 is read per month."""

    __tablename__ = "exchange_service_month"
    __table_args__ = (MONTH_TABLE_ARGS,)
    month: date = Field(primary_key=True, description="first local day of the month of the request")
    provider_dept_id: int = Field(primary_key=True)
    service_code: str = Field(primary_key=True, max_length=200)
    calls: int = 0
    failures: int = 0
    duration_sum_ms: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    duration_count: int = 0
    h0: int = 0
    h1: int = 0
    h2: int = 0
    h3: int = 0
    h4: int = 0
    h5: int = 0
    h6: int = 0
    h7: int = 0
    h8: int = 0
    h9: int = 0
    h10: int = 0
    h11: int = 0


class ExchangePartnerMonth(SQLModel, table=True):
    """Calls and failures per local month × provider × consumer: the department page's
    partners over whole months (exchange_daily for the days at the edges). Folded with
    exchange_daily in the same transaction; no foreign keys, like it."""

    __tablename__ = "exchange_partner_month"
    __table_args__ = (MONTH_TABLE_ARGS,)
    month: date = Field(primary_key=True, description="first local day of the month of the request")
    provider_dept_id: int = Field(primary_key=True)
    consumer_dept_id: int = Field(primary_key=True)
    calls: int = 0
    failures: int = 0


class ExchangeFaultMonth(SQLModel, table=True):
    """Failed calls per local month × provider × service × fault code: the top fault code
    of a failing service over whole months without grouping the raw failed calls.
    A failure without a fault code is kept under NO_FAULT_CODE ('') because key columns
    cannot be NULL; data.frames turns it back into a missing code."""

    __tablename__ = "exchange_fault_month"
    __table_args__ = (MONTH_TABLE_ARGS,)
    month: date = Field(primary_key=True, description="first local day of the month of the request")
    provider_dept_id: int = Field(primary_key=True)
    service_code: str = Field(primary_key=True, max_length=200)
    fault_code: str = Field(primary_key=True, max_length=200)
    failures: int = 0


class CallIdBatch(SQLModel, table=True):
    """The calls one committed collector batch counted, as sorted 64-bit hashes of their
    call ids: a new batch is anti-joined with the batches whose time range overlaps its
    own (± a window) so a call in overlapping exports counts once. Written in the same
    transaction as the rollup it guards, so it is exactly as durable.

    The hashes come last and pruning has its own index: a SQLite row is read left to
    right, and a column after the blob costs a walk through its overflow pages."""

    __tablename__ = "call_id_batch"
    __table_args__ = (Index("ix_call_id_batch_source_created", "source", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=100)
    min_requested_at: NaiveDatetime = Field(index=True)
    max_requested_at: NaiveDatetime = Field(index=True)
    rows: int = 0
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    id_hashes: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class SharingRequest(SQLModel, table=True):
    __tablename__ = "sharing_request"
    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(unique=True, max_length=200)
    requester_dept_id: int = Field(foreign_key="department.id", index=True)
    provider_dept_id: int = Field(foreign_key="department.id", index=True)
    resource_code: str | None = Field(default=None, max_length=200)
    submitted_at: NaiveDatetime = Field(index=True)
    answered_at: NaiveDatetime | None = None
    due_at: NaiveDatetime | None = Field(default=None, description="deadline given by the source")
    decision: str | None = Field(default=None, max_length=40)
    source: str | None = Field(default=None, max_length=100)


class DataObjection(SQLModel, table=True):
    __tablename__ = "data_objection"
    id: int | None = Field(default=None, primary_key=True)
    objection_id: str = Field(unique=True, max_length=200)
    raised_by_dept_id: int = Field(foreign_key="department.id", index=True)
    provider_dept_id: int = Field(foreign_key="department.id", index=True)
    resource_code: str | None = Field(default=None, max_length=200)
    kind: str | None = Field(default=None, max_length=40, description="错误/过期/不一致")
    raised_at: NaiveDatetime = Field(index=True)
    resolved_at: NaiveDatetime | None = None
    due_at: NaiveDatetime | None = None
    source: str | None = Field(default=None, max_length=100)


class Complaint(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(unique=True, max_length=200)
    dept_id: int = Field(foreign_key="department.id", index=True)
    received_at: NaiveDatetime = Field(index=True)
    due_at: NaiveDatetime | None = None
    limit_workdays: int | None = None
    closed_at: NaiveDatetime | None = None
    category: str | None = Field(default=None, max_length=100)
    channel: str | None = Field(default=None, max_length=40)
    satisfaction: str = Field(default="unrated", max_length=20)
    summary: str | None = Field(default=None, sa_column=Column(Text))
    source: str | None = Field(default=None, max_length=100)


class OfficeKpi(SQLModel, table=True):
    __tablename__ = "office_kpi"
    __table_args__ = (UniqueConstraint("dept_id", "month"),)
    id: int | None = Field(default=None, primary_key=True)
    dept_id: int = Field(foreign_key="department.id", index=True)
    month: date = Field(index=True, description="first day of the month")
    cases_received: int = 0
    cases_completed: int = 0
    cases_on_time: int = 0
    cases_online: int = 0
    reviews_good: int = 0
    reviews_bad: int = 0
    source: str | None = Field(default=None, max_length=100)


class SourceCursor(SQLModel, table=True):
    """Where a source stopped; advanced in the transaction that loads its rows."""

    __tablename__ = "source_cursor"
    source: str = Field(primary_key=True, max_length=100)
    cursor: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    updated_at: NaiveDatetime = Field(default_factory=utcnow)


class SourceLock(SQLModel, table=True):
    """One collector process at a time per source, across processes and machines."""

    __tablename__ = "source_lock"
    source: str = Field(primary_key=True, max_length=100)
    owner: str = Field(max_length=200)
    acquired_at: NaiveDatetime = Field(default_factory=utcnow)
    expires_at: NaiveDatetime


class CollectorRun(SQLModel, table=True):
    __tablename__ = "collector_run"
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=100, index=True)
    started_at: NaiveDatetime = Field(default_factory=utcnow, index=True)
    finished_at: NaiveDatetime | None = None
    status: str = Field(default="running", max_length=20, description="running|ok|partial|failed")
    rows_read: int = 0
    rows_loaded: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0
    files: str | None = Field(default=None, sa_column=Column(Text))
    error: str | None = Field(default=None, sa_column=Column(Text))


class Quarantine(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=100, index=True)
    run_id: int | None = Field(default=None, foreign_key="collector_run.id", index=True)
    kind: str = Field(max_length=40, description="record kind")
    file: str | None = Field(default=None, max_length=500)
    line: int | None = Field(default=None, description="line or record number in the file")
    raw: str = Field(sa_column=Column(Text, nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_at: NaiveDatetime = Field(default_factory=utcnow)


class ScoreSnapshot(SQLModel, table=True):
    """One computation of every department's scores for a period."""

    __tablename__ = "score_snapshot"
    id: int | None = Field(default=None, primary_key=True)
    period_key: str = Field(max_length=40, index=True, description="2026 | 2026-Q2 | 2026-05 | a..b")
    period_kind: str = Field(max_length=10, description="year|quarter|month|range")
    period_start: date
    period_end: date
    as_of: date
    scheme_version: str = Field(max_length=40)
    input_digest: str = Field(max_length=64)
    status: str = Field(default="current", max_length=20, description="current|superseded|published")
    computed_at: NaiveDatetime = Field(default_factory=utcnow)
    published_at: NaiveDatetime | None = None
    published_by: str | None = Field(default=None, max_length=100)


class DeptScore(SQLModel, table=True):
    __tablename__ = "dept_score"
    __table_args__ = (UniqueConstraint("snapshot_id", "dept_id"),)
    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="score_snapshot.id", index=True)
    dept_id: int = Field(foreign_key="department.id", index=True)
    category: str = Field(max_length=20)
    total: float | None = None
    base_total: float | None = Field(default=None, description="before bonus and deduction")
    bonus: float = 0.0
    deduction: float = 0.0
    vetoed: bool = False
    tier: str | None = Field(default=None, max_length=10)
    rank: int | None = None
    prev_total: float | None = None
    prev_rank: int | None = None


class IndicatorScore(SQLModel, table=True):
    """One department × indicator (or dimension) of a snapshot, with how it was made."""

    __tablename__ = "indicator_score"
    __table_args__ = (UniqueConstraint("snapshot_id", "dept_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="score_snapshot.id", index=True)
    dept_id: int = Field(foreign_key="department.id", index=True)
    key: str = Field(max_length=60, description="indicator name, or dim:<dimension>")
    dimension: str = Field(max_length=60)
    value: float | None = None
    score: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    weight: float | None = Field(default=None, description="effective weight after N/A spread")
    status: str = Field(default="ok", max_length=10, description="ok|na|small")
    explanation: str | None = Field(default=None, sa_column=Column(Text), description="JSON")


class ScoreAdjustment(SQLModel, table=True):
    """Manual bonus, deduction or veto; never edited, only added or revoked."""

    __tablename__ = "score_adjustment"
    id: int | None = Field(default=None, primary_key=True)
    dept_id: int = Field(foreign_key="department.id", index=True)
    year: int = Field(index=True)
    period_key: str | None = Field(default=None, max_length=40, description="None = whole year")
    kind: str = Field(max_length=20, description="bonus|deduction|veto")
    points: float = 0.0
    reason: str = Field(sa_column=Column(Text, nullable=False))
    author: str = Field(max_length=100)
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    revoked_at: NaiveDatetime | None = None
    revoked_by: str | None = Field(default=None, max_length=100)


class AppUser(SQLModel, table=True):
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=100)
    display_name: str = Field(max_length=100)
    role: str = Field(max_length=20, description="leader|inspector|department|admin")
    dept_id: int | None = Field(default=None, foreign_key="department.id")
    email: str | None = Field(default=None, max_length=200, index=True)
    password_hash: str = Field(max_length=300)
    disabled: bool = False
    failed_attempts: int = 0
    locked_until: NaiveDatetime | None = None
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    last_login_at: NaiveDatetime | None = None


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: NaiveDatetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=100, index=True)
    action: str = Field(max_length=60, index=True)
    target: str | None = Field(default=None, max_length=300)
    detail: str | None = Field(default=None, sa_column=Column(Text), description="JSON")


class EvidenceItem(SQLModel, table=True):
    """A problem row behind an indicator (overdue resource, late request, failing service…).

    Written by metrics with each snapshot so pages show evidence without recomputing.
    """

    __tablename__ = "evidence_item"
    __table_args__ = (Index("ix_evidence_item_snapshot_dept", "snapshot_id", "dept_id"),)
    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="score_snapshot.id")
    dept_id: int = Field(foreign_key="department.id", index=True)
    indicator: str = Field(max_length=60)
    item_type: str = Field(max_length=20, description="resource|request|objection|complaint|service")
    item_key: str = Field(max_length=200)
    label: str = Field(max_length=500)
    status: str = Field(max_length=20, description="late|overdue|open|unused|failing|unmounted|flagged")
    due_at: date | None = None
    done_at: NaiveDatetime | None = None
    detail: str | None = Field(default=None, sa_column=Column(Text), description="JSON")


class GainItem(SQLModel, table=True):
    """提分清单: one concrete fix and the total points it would gain."""

    __tablename__ = "gain_item"
    __table_args__ = (Index("ix_gain_item_snapshot_dept", "snapshot_id", "dept_id"),)
    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="score_snapshot.id")
    dept_id: int = Field(foreign_key="department.id", index=True)
    indicator: str = Field(max_length=60)
    item_type: str = Field(max_length=20)
    item_key: str = Field(max_length=200)
    action: str = Field(sa_column=Column(Text, nullable=False), description="what to do, in Chinese")
    points: float = Field(description="total points gained if fixed")
    deadline: date | None = None
    upcoming: bool = Field(default=False, description="deadline within the next 14 days")


# ---- Supervision loop (督办 → 整改 → 核验 → 销号, 申诉 → 复核, 公示 → 发布) ----

SUPERVISION_STATES = {"pending": "待签收", "rectifying": "整改中", "verifying": "待核验", "closed": "已销号"}
SEVERITIES = {"normal": "一般", "serious": "较重", "critical": "严重"}
APPEAL_STATES = {"pending": "待复核", "rejected": "已驳回", "accepted": "已采纳"}
PUBLICATION_STATES = {"draft": "草稿", "publicizing": "公示中", "published": "已发布", "superseded": "已被新版本替代"}


class SupervisionItem(SQLModel, table=True):
    """督办事项: a finding sent to a lead department with a working-day deadline.
    `state` moves only through data.supervision, which writes a SupervisionEvent each time."""

    __tablename__ = "supervision_item"
    id: int | None = Field(default=None, primary_key=True)
    dept_id: int = Field(foreign_key="department.id", index=True, description="lead department")
    kind: str = Field(max_length=20, description="resource|request|objection|complaint|service|unused|indicator")
    indicator: str | None = Field(default=None, max_length=60)
    title: str = Field(max_length=300)
    problem: str = Field(sa_column=Column(Text, nullable=False))
    requirement: str = Field(sa_column=Column(Text, nullable=False))
    severity: str = Field(default="normal", max_length=20)
    state: str = Field(default="pending", max_length=20, index=True)
    issued_on: date
    deadline: date = Field(index=True, description="local date; working days on the official calendar")
    created_by: str = Field(max_length=100)
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    closed_at: NaiveDatetime | None = None
    returns: int = Field(default=0, description="times sent back (退回)")


class SupervisionAssist(SQLModel, table=True):
    """An assisting department of an item: sees it, does not move it."""

    __tablename__ = "supervision_assist"
    __table_args__ = (UniqueConstraint("item_id", "dept_id"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="supervision_item.id", index=True)
    dept_id: int = Field(foreign_key="department.id", index=True)


class SupervisionEvent(SQLModel, table=True):
    """Append-only log of an item: who did what, when, why, from which state to which."""

    __tablename__ = "supervision_event"
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="supervision_item.id", index=True)
    at: NaiveDatetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=100)
    role: str = Field(max_length=20)
    action: str = Field(max_length=30)
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str = Field(max_length=20)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    detail: str | None = Field(default=None, sa_column=Column(Text), description="JSON")


class SupervisionEvidence(SQLModel, table=True):
    """An evidence row attached to an item, frozen as it was when the item was drafted."""

    __tablename__ = "supervision_evidence"
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="supervision_item.id", index=True)
    indicator: str = Field(max_length=60)
    item_type: str = Field(max_length=20)
    item_key: str = Field(max_length=200)
    snapshot: str = Field(sa_column=Column(Text, nullable=False), description="JSON of the evidence row")


class ExtensionRequest(SQLModel, table=True):
    """延期: a department asks for a new deadline; a leader approves or rejects it."""

    __tablename__ = "extension_request"
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="supervision_item.id", index=True)
    requested_by: str = Field(max_length=100)
    requested_at: NaiveDatetime = Field(default_factory=utcnow)
    new_deadline: date
    reason: str = Field(sa_column=Column(Text, nullable=False))
    decision: str = Field(default="pending", max_length=20, description="pending|approved|rejected")
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: NaiveDatetime | None = None
    decision_reason: str | None = Field(default=None, sa_column=Column(Text))


class Rectification(SQLModel, table=True):
    """整改反馈: what the department did, sent with a submission for verification."""

    __tablename__ = "rectification"
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="supervision_item.id", index=True)
    author: str = Field(max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    submitted_at: NaiveDatetime = Field(default_factory=utcnow)


class AttachmentBlob(SQLModel, table=True):
    """File content stored once by its sha256, in the store so every replica serves it."""

    __tablename__ = "attachment_blob"
    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    media_type: str = Field(max_length=100, description="detected from the content")
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: NaiveDatetime = Field(default_factory=utcnow)


class Attachment(SQLModel, table=True):
    """A file attached to a rectification or an appeal; dept_id scopes who may download it."""

    __tablename__ = "attachment"
    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(foreign_key="attachment_blob.sha256", max_length=64, index=True)
    owner_kind: str = Field(max_length=20, description="rectification|appeal")
    owner_id: int = Field(index=True)
    dept_id: int = Field(foreign_key="department.id", index=True)
    filename: str = Field(max_length=300)
    uploaded_by: str = Field(max_length=100)
    uploaded_at: NaiveDatetime = Field(default_factory=utcnow)


class Appeal(SQLModel, table=True):
    """申诉 and its 复核: rejected, or accepted as an exemption or a score adjustment."""

    __tablename__ = "appeal"
    id: int | None = Field(default=None, primary_key=True)
    dept_id: int = Field(foreign_key="department.id", index=True)
    year: int = Field(index=True)
    period_key: str = Field(max_length=40)
    indicator: str = Field(max_length=60)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    filed_by: str = Field(max_length=100)
    filed_at: NaiveDatetime = Field(default_factory=utcnow)
    state: str = Field(default="pending", max_length=20, index=True)
    effect: str | None = Field(default=None, max_length=20, description="exemption|adjustment")
    review_reason: str | None = Field(default=None, sa_column=Column(Text))
    reviewed_by: str | None = Field(default=None, max_length=100)
    reviewed_at: NaiveDatetime | None = None
    adjustment_id: int | None = Field(default=None, foreign_key="score_adjustment.id")


class AppealEvidence(SQLModel, table=True):
    """An evidence row an appeal disputes (none: the appeal disputes the indicator value)."""

    __tablename__ = "appeal_evidence"
    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    item_type: str = Field(max_length=20)
    item_key: str = Field(max_length=200)
    label: str | None = Field(default=None, max_length=500)


class Exemption(SQLModel, table=True):
    """豁免: evidence rows excluded from an indicator by an accepted appeal; a metrics input."""

    __tablename__ = "exemption"
    __table_args__ = (UniqueConstraint("dept_id", "year", "indicator", "item_type", "item_key"),)
    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    dept_id: int = Field(foreign_key="department.id", index=True)
    year: int = Field(index=True)
    indicator: str = Field(max_length=60)
    item_type: str = Field(max_length=20)
    item_key: str = Field(max_length=200)
    created_at: NaiveDatetime = Field(default_factory=utcnow)


class Publication(SQLModel, table=True):
    """One version of a yearly appraisal's publication: 草稿 → 公示中 → 已发布, with the scheme
    text, exemptions, adjustments and inputs digest it was computed from, so it can be recomputed."""

    __tablename__ = "publication"
    __table_args__ = (UniqueConstraint("year", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    version: int
    state: str = Field(default="draft", max_length=20)
    snapshot_id: int = Field(foreign_key="score_snapshot.id")
    input_digest: str = Field(max_length=64)
    scheme_text: str = Field(sa_column=Column(Text, nullable=False))
    scheme_digest: str = Field(max_length=64)
    frozen_inputs: str = Field(
        sa_column=Column(Text, nullable=False), description="JSON: exemptions and adjustments (data.publication_inputs)"
    )
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_by: str = Field(max_length=100)
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    publicity_start: date | None = None
    publicity_end: date | None = Field(default=None, description="last working day of the 公示期")
    published_at: NaiveDatetime | None = None
    published_by: str | None = Field(default=None, max_length=100)


class Notification(SQLModel, table=True):
    """In-app inbox message; the outbox of deliveries (e-mail, webhook) points at it."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("recipient", "dedupe_key"),)
    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=100, index=True, description="username")
    kind: str = Field(max_length=30, description="remind|overdue|escalate|returned|…")
    title: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    item_id: int | None = Field(default=None, foreign_key="supervision_item.id")
    dedupe_key: str = Field(max_length=200, description="one message per recipient and key")
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    read_at: NaiveDatetime | None = None


class Delivery(SQLModel, table=True):
    """Outbox row: one notification over one external channel, retried until delivered."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("notification_id", "channel"),)
    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    channel: str = Field(max_length=20, description="email|webhook")
    attempts: int = 0
    next_attempt_at: NaiveDatetime = Field(default_factory=utcnow, index=True)
    delivered_at: NaiveDatetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))


# issue #20 — fair ranks for small samples (metrics/fairness.py) ---------------------------------------------


class RankInterval(SQLModel, table=True):
    """How high and how low a ranked department of a snapshot could rank, given how precise
    its rates are (5th–95th percentile of simulated ranks), with its 排名区间/样本少 note."""

    __tablename__ = "rank_interval"
    __table_args__ = (UniqueConstraint("snapshot_id", "dept_id"),)
    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="score_snapshot.id", index=True)
    dept_id: int = Field(foreign_key="department.id", index=True)
    rank_best: int
    rank_worst: int
    note: str = Field(sa_column=Column(Text, nullable=False))


# ---- Alerts (issue #19): 预警 and their log; states move only through data.alerts ----


class Alert(SQLModel, table=True):
    """预警: one episode of a detected condition on one subject, 新 → 已确认 → 已解决.

    `open_key` is "kind|subject" while the alert is open and NULL once resolved: the unique
    index keeps one open alert per kind and subject even with two checks at once."""

    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_kind_subject", "kind", "subject"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30, description="data.vocabulary.ALERT_KINDS")
    subject: str = Field(max_length=300, description="service:…, dept:…, resource:…, source:…")
    open_key: str | None = Field(default=None, max_length=340, unique=True)
    dept_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    severity: str = Field(max_length=10, description="high|medium|low")
    state: str = Field(default="new", max_length=20, index=True, description="new|acknowledged|resolved")
    first_seen: date = Field(description="first local day the condition held")
    last_seen: date = Field(index=True, description="latest local day the condition held")
    cleared_on: date | None = Field(default=None, description="first checked day the condition was absent")
    value: float | None = None
    baseline: float | None = None
    message: str = Field(sa_column=Column(Text, nullable=False))
    evidence: str = Field(default="[]", sa_column=Column(Text, nullable=False), description="JSON rows")
    opened_at: NaiveDatetime = Field(default_factory=utcnow)
    updated_at: NaiveDatetime = Field(default_factory=utcnow)
    resolved_at: NaiveDatetime | None = None
    supervision_item_id: int | None = Field(default=None, foreign_key="supervision_item.id")


class AlertEvent(SQLModel, table=True):
    """Append-only log of an alert: opened, escalated, acknowledged, resolved (by whom, why)."""

    __tablename__ = "alert_event"
    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    at: NaiveDatetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=30, description="open|escalate|acknowledge|resolve|auto_resolve|supervise")
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str = Field(max_length=20)
    note: str | None = Field(default=None, sa_column=Column(Text))


class AlertCheck(SQLModel, table=True):
    """One run of the detectors over a range of local days: where the next check starts."""

    __tablename__ = "alert_check"
    id: int | None = Field(default=None, primary_key=True)
    at: NaiveDatetime = Field(default_factory=utcnow, index=True)
    first_day: date
    last_day: date = Field(index=True)
    detections: int = 0
    opened: int = 0
    updated: int = 0
    resolved: int = 0


# issue #15: a score refresh owed by a committed batch
class RefreshRequest(SQLModel, table=True):
    """A batch that loaded rows, written in the batch's own transaction: the scores owe a
    refresh until a run refreshes them, even when the process dies between the last commit
    and the refresh."""

    __tablename__ = "refresh_request"
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=100)
    requested_at: NaiveDatetime = Field(default_factory=utcnow)


# issue #15: a replay asked for on 数据源状态, run by the collector process
class ReplayRequest(SQLModel, table=True):
    """An administrator's request to replay one source's quarantined rows: the page only asks
    (it has neither the collectors' configuration nor their files); the collector process
    claims it, replays under the source's lease and writes the outcome here."""

    __tablename__ = "replay_request"
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=100)
    reason: str | None = Field(default=None, max_length=200, description="only rows whose reason starts with it")
    requested_by: str = Field(max_length=100)
    requested_at: NaiveDatetime = Field(default_factory=utcnow)
    state: str = Field(default="pending", max_length=20, index=True, description="pending|running|done|failed")
    started_at: NaiveDatetime | None = None
    finished_at: NaiveDatetime | None = None
    run_id: int | None = None
    loaded: int = 0
    kept: int = 0
    message: str | None = Field(default=None, sa_column=Column(Text))


# ---- Browser sessions (issue #17): the record a signed session cookie names ----


class WebSession(SQLModel, table=True):
    """One logged-in browser: the cookie holds a random token (signed), the store only its
    SHA-256, so a read of this table yields no usable cookie. Logout deletes the row; a row
    idle longer than PAOBAN_SESSION_IDLE_MINUTES is refused and deleted. The handoff is a
    one-time code (hash, 60 s) the page posts to /paoban-session to receive the cookie."""

    __tablename__ = "web_session"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, index=True)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    handoff_hash: str | None = Field(default=None, max_length=64, unique=True)
    handoff_until: NaiveDatetime | None = None
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    last_seen_at: NaiveDatetime = Field(default_factory=utcnow)


# ---- issue #19 — the alert detectors' per-service daily rollup (flat in the raw call volume) ----


class ExchangeServiceDaily(SQLModel, table=True):
    """exchange_daily summed over consumers: local day × provider × service. The alert
    detectors read a service's days from here, so a check neither scans nor groups the
    consumer pairs, whose number grows with the calls. Folded by the collector in the same
    transaction and by the same merge as exchange_daily; data.service_daily rebuilds it
    from exchange_daily for a store loaded before it existed."""

    __tablename__ = "exchange_service_daily"
    __table_args__ = ({"sqlite_with_rowid": False},)  # clustered on the key, like exchange_daily
    day: date = Field(primary_key=True, description="local date of the request")
    provider_dept_id: int = Field(primary_key=True)
    service_code: str = Field(primary_key=True, max_length=200)
    calls: int = 0
    failures: int = 0
    duration_sum_ms: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    duration_count: int = 0
