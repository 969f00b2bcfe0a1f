"""Publication versions recomputed from what they stored: the scheme text, the exemptions and
the adjustments. A later scheme file, appeal or revocation leaves a version verifiable; a
changed stored value or a changed record is named."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from sqlalchemy import select, text, update

from data import appeals, publication
from data.models import IndicatorScore, Publication, ScoreAdjustment, ScoreSnapshot
from data.publication import PublicationError
from data.viewer import Viewer
from metrics import snapshots
from metrics.publications import verify_version, verify_year
from metrics.scheme import scheme_path
from tests.metrics.builders import local
from tests.metrics.store import seed

TODAY = date(2026, 11, 20)
LEADER, INSPECTOR = Viewer("lingdao", "leader"), Viewer("duch", "inspector")
SHUJU = Viewer("shuju", "department", dept_id=1)  # 市数据局, provider of service S1


def computed(engine) -> int:
    a = snapshots.compute(engine, "2026", TODAY)
    with engine.begin() as conn:
        return snapshots.write_snapshot(conn, a)


def version(engine, start: date, publish_on: date) -> int:
    computed(engine)
    with engine.begin() as conn:
        pub_id = publication.draft(conn, LEADER, 2026)
        publication.publicize(conn, LEADER, pub_id, start)
        publication.publish(conn, LEADER, pub_id, publish_on)
    return pub_id


@pytest.fixture
def schemes(monkeypatch, tmp_path):
    """The 2026 scheme file in a folder of its own, so a test may edit it."""
    shutil.copy(scheme_path(2026), tmp_path / "2026.toml")
    monkeypatch.setenv("PAOBAN_SCHEME_DIR", str(tmp_path))
    return tmp_path / "2026.toml"


@pytest.fixture
def published(engine, schemes):
    """市数据局 +2 for the whole year, then version 1 published on Mon 11-09 after 11-02 … 11-06."""
    seed(engine)
    snapshots.add_adjustment(engine, "市数据局", "bonus", 2, "承担省级试点", "王五", "2026", today=TODAY)
    return version(engine, date(2026, 11, 2), date(2026, 11, 9))


@pytest.mark.slow
def test_editing_the_scheme_file_or_revoking_an_adjustment_leaves_the_version_verifiable(engine, schemes, published):
    before = snapshots.compute(engine, "2026", TODAY).departments.set_index("name")
    assert before.at["市数据局", "bonus"] == 2
    edited = schemes.read_text(encoding="utf-8")
    for old, new in (
        ("excellent = 90 ", "excellent = 99.9 "),
        ("good = 80 ", "good = 99.5 "),
        ("fair = 60 ", "fair = 99 "),
    ):
        edited = edited.replace(old, new)
    schemes.write_text(edited, encoding="utf-8")
    t = ScoreAdjustment.__table__
    with engine.begin() as conn:
        conn.execute(update(t).values(revoked_at=local(2026, 11, 10)))
    after = snapshots.compute(engine, "2026", TODAY).departments.set_index("name")
    assert (after.at["市数据局", "bonus"], after.at["市数据局", "tier"]) == (0, "较差")
    lines, passed = verify_year(engine, 2026)
    assert passed, lines
    assert lines[0].startswith("第 1 版（已发布，快照 ") and lines[0].endswith("重算结果与发布时完全一致")


@pytest.mark.slow
def test_a_tampered_stored_value_or_frozen_adjustment_is_named(engine, published):
    snap_id = verify_version(engine, published).snapshot_id
    ind = IndicatorScore.__table__
    with engine.begin() as conn:
        conn.execute(
            update(ind)
            .where(ind.c.snapshot_id == snap_id, ind.c.dept_id == 2, ind.c.key == "request_on_time")
            .values(value=100.0)
        )
    v = verify_version(engine, published)
    assert not v.identical and v.digest_same
    assert v.problems == ["市人社局 request_on_time value：发布时 100.0，重算 0.0"]
    t = Publication.__table__
    with engine.begin() as conn:
        conn.execute(update(t).values(frozen_inputs='{"exemptions": [], "adjustments": []}'))
    v = verify_version(engine, published)
    assert v.problems[0].startswith("输入数据的摘要已变化")
    assert "市数据局 bonus：发布时 2.0，重算 0.0" in v.problems


@pytest.mark.slow
def test_a_late_data_correction_shows_in_verify(engine, published):
    with engine.begin() as conn:  # one request now answered on time
        conn.execute(
            text("UPDATE sharing_request SET answered_at = :at WHERE request_id = 'Q2'"), {"at": local(2026, 4, 8)}
        )
    v = verify_version(engine, published)
    assert not v.digest_same
    assert any(d.startswith("市人社局 request_on_time value：发布时 0.0，重算 100.0") for d in v.problems)
    s = ScoreSnapshot.__table__
    with engine.connect() as conn:  # the published snapshot stays what pages show for 2026
        assert conn.execute(select(s.c.status).where(s.c.id == v.snapshot_id)).scalar() == "published"


@pytest.mark.slow
def test_both_versions_verify_and_the_exemption_is_only_in_the_second(engine):
    seed(engine)
    v1 = version(engine, date(2026, 11, 2), date(2026, 11, 9))
    with engine.begin() as conn:  # 2026-10 ends Sat 10-31: appeal window 11-02 … 11-06
        appeal = appeals.file_appeal(
            conn,
            SHUJU,
            period_key="2026-10",
            indicator="call_success",
            reason="5 月 S1 故障由省级平台升级造成",
            today=date(2026, 11, 3),
            evidence=[{"item_type": "service", "item_key": "S1"}],
        )
        appeals.review(conn, INSPECTOR, appeal, "exemption", "经核实为省平台升级")
    v2 = version(engine, date(2026, 11, 16), date(2026, 11, 23))
    first, second = verify_version(engine, v1), verify_version(engine, v2)
    assert first.identical, first.problems
    assert second.identical, second.problems
    s = ScoreSnapshot.__table__
    with engine.connect() as conn:
        shown = {p["version"]: p for p in publication.versions(conn, LEADER, 2026)}
        statuses = [conn.execute(select(s.c.status).where(s.c.id == shown[k]["snapshot_id"])).scalar() for k in (1, 2)]
    assert (shown[1]["state"], shown[2]["state"]) == ("superseded", "published")
    assert statuses == ["superseded", "published"]
    assert shown[1]["input_digest"] != shown[2]["input_digest"]
    # S1 was 市数据局's only service (980 of 1000 calls succeeded): exempted, call_success has no calls
    a = snapshots.compute(engine, "2026", TODAY)
    ind = a.indicators.set_index(["dept_id", "key"])
    assert ind.at[(1, "call_success"), "status"] == "na"
    assert f"申诉 {appeal}" in str(ind.at[(1, "call_success"), "explanation"])


def test_a_missing_version_is_named(engine):
    with pytest.raises(PublicationError, match="发布版本 99 不存在"):
        verify_version(engine, 99)


@pytest.mark.slow
def test_metrics_publish_and_both_verify_commands_take_the_one_path(engine, schemes, monkeypatch, capsys):
    from data.__main__ import main as data_main
    from metrics.__main__ import main

    seed(engine)
    computed(engine)
    monkeypatch.setattr("metrics.__main__.get_engine", lambda: engine)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert main(["publish", "--year", "2026"]) == 2
    assert "没有公示中的版本" in capsys.readouterr().err
    with engine.begin() as conn:
        pub_id = publication.draft(conn, LEADER, 2026)
        publication.publicize(conn, LEADER, pub_id, date(2026, 11, 2))
    assert main(["publish", "--year", "2026", "--by", "张三", "--today", "2026-11-09"]) == 0
    assert capsys.readouterr().out.startswith("2026 年度考核结果第 1 版已发布")
    with engine.connect() as conn:
        assert publication.stored(conn, pub_id)["published_by"] == "张三"
    for command in (["verify", "--year", "2026"], ["verify-publication", "--year", "2026"]):
        assert main(command) == 0
    assert data_main(["publication", "verify", "--year", "2026"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and all(line.endswith("完全一致") for line in out)
