"""`python -m data prune --before YEAR` on both engines: what is dated before local 1 January
goes, rollups, current, published and publication-referenced snapshots stay."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import func, insert, select

from data.models import (
    AuditLog,
    CallIdBatch,
    Department,
    DeptScore,
    EvidenceItem,
    ExchangeCall,
    ExchangeDaily,
    IndicatorScore,
    Publication,
    Quarantine,
    RankInterval,
    ScoreSnapshot,
)
from data.prune import PruneError, prune

TODAY = date(2026, 12, 3)


def _snapshot(conn, key: str, end: date, status: str, dept_id: int) -> int:
    t = ScoreSnapshot.__table__
    snap = conn.execute(
        insert(t)
        .values(
            period_key=key,
            period_kind="month",
            period_start=end.replace(day=1),
            period_end=end,
            as_of=end,
            scheme_version="2024.1",
            input_digest="0" * 64,
            status=status,
        )
        .returning(t.c.id)
    ).scalar_one()
    conn.execute(insert(DeptScore.__table__).values(snapshot_id=snap, dept_id=dept_id, category="city_dept"))
    conn.execute(insert(IndicatorScore.__table__).values(snapshot_id=snap, dept_id=dept_id, key="k", dimension="d"))
    conn.execute(
        insert(RankInterval.__table__).values(snapshot_id=snap, dept_id=dept_id, rank_best=1, rank_worst=1, note="n")
    )
    conn.execute(
        insert(EvidenceItem.__table__).values(
            snapshot_id=snap,
            dept_id=dept_id,
            indicator="k",
            item_type="service",
            item_key="s",
            label="s",
            status="failing",
        )
    )
    return snap


@pytest.fixture
def store(engine):
    with engine.begin() as conn:
        dept = conn.execute(
            insert(Department.__table__)
            .values(name="市卫健委", category="city_dept")
            .returning(Department.__table__.c.id)
        ).scalar_one()
        # Local 2024-12-31 23:00 is 15:00 UTC (dropped); local 2025-01-01 00:30 is 2024-12-31 16:30 UTC (kept).
        for call_id, at in (("old", datetime(2024, 12, 31, 15, 0)), ("new", datetime(2024, 12, 31, 16, 30))):
            conn.execute(
                insert(ExchangeCall.__table__).values(
                    call_id=call_id,
                    requested_at=at,
                    consumer_dept_id=dept,
                    provider_dept_id=dept,
                    service_code="s",
                    succeeded=False,
                )
            )
            conn.execute(
                insert(CallIdBatch.__table__).values(
                    source="x", min_requested_at=at, max_requested_at=at, rows=1, id_hashes=b"12345678"
                )
            )
        conn.execute(
            insert(ExchangeDaily.__table__).values(
                day=date(2024, 6, 1),
                provider_dept_id=dept,
                consumer_dept_id=dept,
                service_code="s",
                calls=9,
                failures=1,
            )
        )
        conn.execute(
            insert(Quarantine.__table__),
            [
                {"source": "x", "kind": "complaint", "raw": "a", "reason": "r", "created_at": datetime(2024, 3, 1)},
                {"source": "x", "kind": "complaint", "raw": "b", "reason": "r", "created_at": datetime(2025, 3, 1)},
            ],
        )
        snaps = {
            "superseded_2024": _snapshot(conn, "2024-05", date(2024, 5, 31), "superseded", dept),
            "published_in_version": _snapshot(conn, "2024", date(2024, 12, 31), "superseded", dept),
            "current_2024": _snapshot(conn, "2024-05", date(2024, 5, 31), "current", dept),
            "superseded_2025": _snapshot(conn, "2025-01", date(2025, 1, 31), "superseded", dept),
        }
        conn.execute(
            insert(Publication.__table__).values(
                year=2024,
                version=1,
                snapshot_id=snaps["published_in_version"],
                input_digest="0" * 64,
                scheme_text="",
                scheme_digest="0" * 64,
                frozen_inputs='{"exemptions": [], "adjustments": []}',
                created_by="t",
            )
        )
    return snaps


def _count(conn, model, *where) -> int:
    return conn.execute(select(func.count()).select_from(model.__table__).where(*where)).scalar_one()


def test_dry_run_counts_and_drops_nothing(engine, store):
    result = prune(engine, 2025, "cli:test", dry_run=True, today=TODAY)
    assert result.rows == {
        "exchange_call": 1,
        "call_id_batch": 1,
        "quarantine": 1,
        "evidence_item": 1,
        "gain_item": 0,
        "indicator_score": 1,
        "rank_interval": 1,
        "dept_score": 1,
        "score_snapshot": 1,
    }
    with engine.connect() as conn:
        assert _count(conn, ExchangeCall) == 2 and _count(conn, ScoreSnapshot) == 4
        assert _count(conn, AuditLog) == 0


def test_prune_drops_old_evidence_and_keeps_what_scores_and_publications_need(engine, store):
    result = prune(engine, 2025, "cli:test", today=TODAY)
    assert result.rows["exchange_call"] == 1 and result.rows["score_snapshot"] == 1
    with engine.connect() as conn:
        assert conn.execute(select(ExchangeCall.__table__.c.call_id)).scalars().all() == ["new"]
        assert _count(conn, CallIdBatch) == 1 and _count(conn, Quarantine) == 1
        assert _count(conn, ExchangeDaily) == 1  # the rollup keeps the old year's counts
        kept = set(conn.execute(select(ScoreSnapshot.__table__.c.id)).scalars())
        assert kept == {store["published_in_version"], store["current_2024"], store["superseded_2025"]}
        assert _count(conn, EvidenceItem) == 3 and _count(conn, DeptScore) == 3
        action, target, detail = conn.execute(
            select(AuditLog.__table__.c.action, AuditLog.__table__.c.target, AuditLog.__table__.c.detail)
        ).one()
    assert (action, target) == ("prune", "before:2025")
    assert json.loads(detail)["rows"]["exchange_call"] == 1


def test_the_current_and_previous_year_cannot_be_pruned(engine, store):
    with pytest.raises(PruneError, match="--before 最大为 2025（即清理 2024 年及以前的数据）"):
        prune(engine, 2026, "cli:test", today=TODAY)


def test_cli_dry_run_prints_the_counts(sqlite_engine, monkeypatch, capsys):
    from data.__main__ import main

    monkeypatch.setenv("DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    assert main(["prune", "--before", "2020", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "2020-01-01 之前的明细将删除："
    assert "exchange_call" in out
    assert main(["prune", "--before", "2999"]) == 2
    assert "本年度和上一年度的证据仍用于考核" in capsys.readouterr().err
