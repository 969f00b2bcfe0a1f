"""公示 and publication of the yearly appraisal, in versions: 草稿 → 公示中 → 已发布.

A version freezes a computed yearly snapshot together with the scheme text, exemptions and
adjustments it was computed with and its inputs digest, so `python -m metrics verify` can
recompute it bit for bit even after the scheme file changed. An appeal accepted after publication is published as a
new version; the earlier one stays readable as 已被新版本替代.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Connection

from data import audit, publication_inputs
from data.clock import utcnow
from data.models import PUBLICATION_STATES, Appeal, Publication, ScoreSnapshot
from data.settings import get_settings
from data.supervision_settings import scheme_file, settings_for
from data.viewer import AccessDenied, Viewer

# re-pointed to data.workdays when that module lands
from data.workdays import calendar_for

_pub = Publication.__table__
_snap = ScoreSnapshot.__table__
_appeal = Appeal.__table__
PUBLISHERS = ("leader", "admin")
# accepted appeals that change the yearly result: any exemption (it applies to every period of the
# year), and adjustments of the yearly result itself (a month's adjustment stays in that month)
_YEARLY = (or_(_appeal.c.effect == "exemption", ~_appeal.c.period_key.contains("-")),)


class PublicationError(ValueError):
    """A step of the publication that cannot be taken now, and why."""


def _get(conn: Connection, pub_id: int, for_update: bool = False) -> dict:
    stmt = select(_pub).where(_pub.c.id == pub_id)
    row = conn.execute(stmt.with_for_update() if for_update else stmt).mappings().first()
    if row is None:
        raise PublicationError(f"发布版本 {pub_id} 不存在")
    return dict(row)


def _require_state(pub: dict, state: str, doing: str) -> None:
    if pub["state"] != state:
        raise PublicationError(
            f"{pub['year']} 年度第 {pub['version']} 版当前为「{PUBLICATION_STATES[pub['state']]}」，"
            f"不能{doing}：仅「{PUBLICATION_STATES[state]}」的版本可以"
        )


def draft(conn: Connection, viewer: Viewer, year: int, note: str | None = None) -> int:
    """A new draft version from the year's latest computed snapshot and the scheme file's text."""
    viewer.require_role(*PUBLISHERS)
    open_ = conn.execute(
        select(_pub.c.version).where(_pub.c.year == year, _pub.c.state.in_(["draft", "publicizing"]))
    ).scalar()
    if open_ is not None:
        raise PublicationError(f"{year} 年度第 {open_} 版尚未发布，请先发布或继续公示该版本")
    snap = (
        conn.execute(select(_snap).where(_snap.c.period_key == str(year)).order_by(_snap.c.id.desc()).limit(1))
        .mappings()
        .first()
    )
    if snap is None:
        raise PublicationError(f"{year} 年度尚无计算结果，请先运行 python -m metrics refresh")
    last_published = conn.execute(select(func.max(_pub.c.published_at)).where(_pub.c.year == year)).scalar()
    last_accepted = conn.execute(
        select(func.max(_appeal.c.reviewed_at)).where(_appeal.c.year == year, _appeal.c.state == "accepted", *_YEARLY)
    ).scalar()
    if last_published is not None and (last_accepted is None or last_accepted <= last_published):
        raise PublicationError(
            f"{year} 年度结果已发布，此后没有采纳影响年度结果的申诉（豁免，或对年度结果的调整），无需发布新版本"
        )
    if last_accepted is not None and snap["computed_at"] < last_accepted:
        raise PublicationError("最近采纳的申诉尚未计入计算结果，请先运行 python -m metrics refresh 重算后再起草")
    path = scheme_file(year, get_settings().scheme_dir)
    if path is None:
        raise PublicationError(f"找不到 {year} 年度的考核方案文件")
    text = path.read_text(encoding="utf-8")
    version = (conn.execute(select(func.max(_pub.c.version)).where(_pub.c.year == year)).scalar() or 0) + 1
    pub_id = conn.execute(
        insert(_pub)
        .values(
            year=year,
            version=version,
            state="draft",
            snapshot_id=snap["id"],
            input_digest=snap["input_digest"],
            scheme_text=text,
            scheme_digest=hashlib.sha256(text.encode()).hexdigest(),
            frozen_inputs=publication_inputs.freeze(conn, year, snap["computed_at"]),
            note=note,
            created_by=viewer.username,
            created_at=utcnow(),
        )
        .returning(_pub.c.id)
    ).scalar_one()
    audit.record(
        conn,
        viewer.username,
        "publication.draft",
        f"publication:{pub_id}",
        year=year,
        version=version,
        snapshot_id=snap["id"],
        input_digest=snap["input_digest"],
    )
    return pub_id


def publicize(conn: Connection, viewer: Viewer, pub_id: int, start: date, workdays: int | None = None) -> date:
    """Open the 公示期 on `start` for N working days (start counted if it is one); returns its last day."""
    viewer.require_role(*PUBLISHERS)
    pub = _get(conn, pub_id, for_update=True)
    _require_state(pub, "draft", "开始公示")
    days = workdays or settings_for(pub["year"]).publicity_workdays
    day_before = start - timedelta(days=1)
    end = calendar_for(day_before, start).add_one(day_before, days)
    conn.execute(
        update(_pub).where(_pub.c.id == pub_id).values(state="publicizing", publicity_start=start, publicity_end=end)
    )
    audit.record(
        conn,
        viewer.username,
        "publication.publicize",
        f"publication:{pub_id}",
        start=start.isoformat(),
        end=end.isoformat(),
        workdays=days,
    )
    return end


def publish(conn: Connection, viewer: Viewer, pub_id: int, today: date) -> None:
    """Freeze a version after its 公示期, once no appeal of the year waits for review. Its snapshot
    becomes the year's published one (pages show it), the earlier version's is superseded."""
    viewer.require_role(*PUBLISHERS)
    pub = _get(conn, pub_id, for_update=True)
    _require_state(pub, "publicizing", "发布")
    if today <= pub["publicity_end"]:
        raise PublicationError(f"公示期到 {pub['publicity_end']:%Y-%m-%d} 结束，之后才能发布")
    waiting = conn.execute(
        select(func.count()).where(_appeal.c.year == pub["year"], _appeal.c.state == "pending")
    ).scalar_one()
    if waiting:
        raise PublicationError(f"{pub['year']} 年度还有 {waiting} 件申诉待复核，复核完毕后才能发布")
    earlier = select(_pub.c.snapshot_id).where(_pub.c.year == pub["year"], _pub.c.state == "published")
    conn.execute(update(_snap).where(_snap.c.id.in_(earlier)).values(status="superseded"))
    conn.execute(update(_pub).where(_pub.c.year == pub["year"], _pub.c.state == "published").values(state="superseded"))
    now = utcnow()
    conn.execute(
        update(_pub)
        .where(_pub.c.id == pub_id)
        .values(state="published", published_at=now, published_by=viewer.username)
    )
    conn.execute(
        update(_snap)
        .where(_snap.c.id == pub["snapshot_id"])
        .values(status="published", published_at=now, published_by=viewer.username)
    )
    audit.record(
        conn,
        viewer.username,
        "publication.publish",
        f"publication:{pub_id}",
        year=pub["year"],
        version=pub["version"],
        input_digest=pub["input_digest"],
    )


def versions(conn: Connection, viewer: Viewer, year: int) -> list[dict]:
    """The year's versions with their snapshot's evaluation day (as_of), oldest first; departments
    see only what was shown to them (no drafts)."""
    columns = [c for c in _pub.c if c.name not in ("scheme_text", "frozen_inputs")]
    stmt = (
        select(*columns, _snap.c.as_of)
        .join(_snap, _snap.c.id == _pub.c.snapshot_id, isouter=True)
        .where(_pub.c.year == year)
    )
    if not viewer.sees_all_departments:
        if viewer.role != "department":
            raise AccessDenied(f"{viewer.username} 无权查看考核发布")
        stmt = stmt.where(_pub.c.state != "draft")
    return [dict(r) for r in conn.execute(stmt.order_by(_pub.c.version)).mappings()]


def stored(conn: Connection, pub_id: int) -> dict:
    """A version with everything it froze (not viewer-scoped: what `metrics verify` reads)."""
    return _get(conn, pub_id)


def integrity_problems(conn: Connection, pub: dict) -> list[str]:
    """What is wrong with a stored version (empty: intact): its scheme text still has its digest
    and its snapshot still carries its inputs digest. The recomputation is metrics' part."""
    problems = []
    if hashlib.sha256(pub["scheme_text"].encode()).hexdigest() != pub["scheme_digest"]:
        problems.append("保存的考核方案文本与其摘要不符，可能被改动")
    snap = conn.execute(select(_snap.c.input_digest).where(_snap.c.id == pub["snapshot_id"])).scalar()
    if snap is None:
        problems.append(f"对应的计算结果 {pub['snapshot_id']} 已不存在")
    elif snap != pub["input_digest"]:
        problems.append("对应计算结果的输入摘要与发布时不同")
    return problems
