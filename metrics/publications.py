"""Recompute a publication version (data.publication) bit for bit from what it stored: the
scheme text, and the exemptions and adjustments in force when its snapshot was computed. The
other inputs are read from the store again, so a later data change shows as a changed digest;
a later scheme file, appeal or revocation does not touch the version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from data import publication, publication_inputs
from data.models import PUBLICATION_STATES, ScoreSnapshot
from data.periods import Period
from data.viewer import Viewer
from metrics import snapshots
from metrics.assessment import assess
from metrics.scheme import parse_scheme


def verify_version(engine: Engine, publication_id: int) -> snapshots.Verification:
    snap_t = ScoreSnapshot.__table__
    with engine.connect() as conn:
        pub = publication.stored(conn, publication_id)
        problems = publication.integrity_problems(conn, pub)
        snap = conn.execute(select(snap_t).where(snap_t.c.id == pub["snapshot_id"])).mappings().first()
        if snap is None:
            return snapshots.Verification(pub["snapshot_id"], None, False, False, problems)
        stored = snapshots.stored_scores(conn, snap["id"])
        period = Period.parse(snap["period_key"])
        inputs = snapshots.load_inputs(conn, period, snap["as_of"])
    inputs.exemptions, inputs.adjustments = publication_inputs.thaw(pub["frozen_inputs"])
    scheme = parse_scheme(pub["scheme_text"])
    a = assess(inputs, period, snap["as_of"], scheme, None, inputs.digest(period, snap["as_of"], scheme))
    result = snapshots.Verification(
        snap["id"],
        snap["as_of"],
        a.input_digest == pub["input_digest"],
        scheme.digest == pub["scheme_digest"],
        problems,
    )
    snapshots.compare_scores(result, stored, a)
    return result


def verify_year(engine: Engine, year: int) -> tuple[list[str], bool]:
    """Every 公示 or published version of `year` recomputed: report lines, and whether all passed."""
    with engine.connect() as conn:
        shown = [p for p in publication.versions(conn, Viewer("cli", "admin"), year) if p["state"] != "draft"]
    if not shown:
        raise publication.PublicationError(
            f"{year} 年度还没有公示或发布的版本：先在「考核发布」页或用 python -m data publication 起草并公示"
        )
    lines, passed = [], True
    for p in shown:
        v = verify_version(engine, p["id"])
        passed &= v.identical
        lines.append(
            f"第 {p['version']} 版（{PUBLICATION_STATES[p['state']]}，快照 {v.snapshot_id}，评价日 {v.as_of}）："
            + ("重算结果与发布时完全一致" if v.identical else "重算结果与发布时不一致")
        )
        lines += [f"  {line}" for line in v.problems]
    return lines, passed
