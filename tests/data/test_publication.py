"""公示 → 发布 in versions, on both engines, with hand-counted 公示期 ends."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert, select, update

from data import appeals, publication
from data.clock import utcnow
from data.models import AuditLog, Publication, ScoreSnapshot
from data.publication import PublicationError
from data.user_cli import cli_actor
from data.viewer import AccessDenied
from tests.data.supervision_fixture import load


@pytest.fixture
def loop(engine):
    return load(engine)


def snapshot(conn, digest: str) -> int:
    t = ScoreSnapshot.__table__
    return conn.execute(
        insert(t)
        .values(
            period_key="2026",
            period_kind="year",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31),
            as_of=date(2026, 12, 31),
            scheme_version="2026.1",
            input_digest=digest,
            status="current",
            computed_at=utcnow(),
        )
        .returning(t.c.id)
    ).scalar_one()


def test_draft_publicize_publish_then_a_late_appeal_makes_version_two(engine, loop):
    v = loop.viewers
    with engine.begin() as conn:
        with pytest.raises(PublicationError, match="尚无计算结果"):
            publication.draft(conn, v["leader"], 2026)
        first = snapshot(conn, "a" * 64)
        with pytest.raises(AccessDenied):
            publication.draft(conn, v["inspector"], 2026)
        v1 = publication.draft(conn, v["leader"], 2026)
        with pytest.raises(PublicationError, match="第 1 版尚未发布"):
            publication.draft(conn, v["admin"], 2026)
        with pytest.raises(PublicationError, match="当前为「草稿」，不能发布"):
            publication.publish(conn, v["leader"], v1, date(2027, 1, 1))
        # Mon 12-21 … Fri 12-25 are the 5 working days
        assert publication.publicize(conn, v["leader"], v1, date(2026, 12, 21)) == date(2026, 12, 25)
    with engine.connect() as conn:
        assert [p["state"] for p in publication.versions(conn, v["own_dept"], 2026)] == ["publicizing"]
    with engine.begin() as conn:
        pending = appeals.file_appeal(
            conn,
            v["own_dept"],
            period_key="2026",
            indicator="update_on_time",
            reason="资源已撤回",
            today=date(2026, 12, 22),
        )
        with pytest.raises(PublicationError, match="公示期到 2026-12-25 结束"):
            publication.publish(conn, v["leader"], v1, date(2026, 12, 25))
        with pytest.raises(PublicationError, match="还有 1 件申诉待复核"):
            publication.publish(conn, v["leader"], v1, date(2026, 12, 28))
        appeals.review(conn, v["inspector"], pending, "reject", "撤回决定晚于考核期")
        publication.publish(conn, v["leader"], v1, date(2026, 12, 28))
        with pytest.raises(PublicationError, match="没有采纳影响年度结果的申诉"):
            publication.draft(conn, v["leader"], 2026)
        with pytest.raises(appeals.AppealError, match="不在申诉期内"):
            appeals.file_appeal(
                conn, v["own_dept"], period_key="2026", indicator="x", reason="r", today=date(2026, 12, 29)
            )
        late = appeals.file_appeal(
            conn,
            v["own_dept"],
            period_key="2026-12",
            indicator="update_on_time",
            reason="12 月资源经市政府决定撤回",
            today=date(2027, 1, 5),
        )
        appeals.review(conn, v["inspector"], late, "adjustment", "情况属实", kind="bonus", points=1)
        with pytest.raises(PublicationError, match="没有采纳影响年度结果的申诉"):  # a month's bonus stays in the month
            publication.draft(conn, v["leader"], 2026)
        withdrawn = appeals.file_appeal(
            conn,
            v["own_dept"],
            period_key="2026-12",
            indicator="update_on_time",
            reason="资源 R1 经市政府决定撤回",
            today=date(2027, 1, 5),
            evidence=[{"item_type": "resource", "item_key": "R1"}],
        )
        appeals.review(conn, v["inspector"], withdrawn, "exemption", "撤回决定属实")
        with pytest.raises(PublicationError, match="请先运行 python -m metrics refresh"):
            publication.draft(conn, v["leader"], 2026)
        second = snapshot(conn, "b" * 64)
        v2 = publication.draft(conn, v["leader"], 2026, note="采纳申诉后重新发布")
        publication.publicize(conn, v["leader"], v2, date(2027, 1, 11), workdays=3)
        publication.publish(conn, v["admin"], v2, date(2027, 1, 14))
    with engine.connect() as conn:
        shown = publication.versions(conn, v["leader"], 2026)
        audited = (
            conn.execute(select(AuditLog.action).where(AuditLog.action.like("publication.%")).order_by(AuditLog.id))
            .scalars()
            .all()
        )
        assert [publication.integrity_problems(conn, publication.stored(conn, p)) for p in (v1, v2)] == [[], []]
    assert [(p["version"], p["state"], p["snapshot_id"]) for p in shown] == [
        (1, "superseded", first),
        (2, "published", second),
    ]
    assert shown[1]["publicity_end"] == date(2027, 1, 13)
    assert audited == ["publication.draft", "publication.publicize", "publication.publish"] * 2


def test_integrity_names_a_changed_scheme_text_or_snapshot(engine, loop):
    with engine.begin() as conn:
        snap = snapshot(conn, "c" * 64)
        pub = publication.draft(conn, loop.viewers["admin"], 2026)
        t = Publication.__table__
        conn.execute(update(t).where(t.c.id == pub).values(scheme_text=t.c.scheme_text + " "))
        s = ScoreSnapshot.__table__
        conn.execute(update(s).where(s.c.id == snap).values(input_digest="d" * 64))
        assert publication.integrity_problems(conn, publication.stored(conn, pub)) == [
            "保存的考核方案文本与其摘要不符，可能被改动",
            "对应计算结果的输入摘要与发布时不同",
        ]


def test_cli_walks_a_version_to_publication(sqlite_engine, monkeypatch, capsys):
    from data.__main__ import main

    monkeypatch.setenv("DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    with sqlite_engine.begin() as conn:
        snapshot(conn, "e" * 64)
    assert main(["publication", "draft", "--year", "2026"]) == 0
    pub_id = int(capsys.readouterr().out.split("版本 ")[1])
    assert main(["publication", "publicize", str(pub_id), "--start", "2026-12-21"]) == 0
    assert "公示期至 2026-12-25" in capsys.readouterr().out
    assert main(["publication", "publish", str(pub_id), "--today", "2026-12-25"]) == 2
    assert "公示期到 2026-12-25 结束，之后才能发布" in capsys.readouterr().err
    assert main(["publication", "publish", str(pub_id), "--today", "2026-12-28"]) == 0
    t = ScoreSnapshot.__table__
    with sqlite_engine.connect() as conn:  # the published version's snapshot is the year's published one
        assert conn.execute(select(t.c.status, t.c.published_by)).one() == ("published", cli_actor())
