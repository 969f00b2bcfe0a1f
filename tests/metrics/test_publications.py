"""Two publication versions around a late accepted appeal: both recompute bit for bit."""

from __future__ import annotations

from datetime import date

import pytest

from data import appeals, publication
from data.viewer import Viewer
from metrics import snapshots
from metrics.publications import verify_version
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
    assert first.identical, first.differences
    assert second.identical, second.differences
    with engine.connect() as conn:
        shown = {p["version"]: p for p in publication.versions(conn, LEADER, 2026)}
    assert (shown[1]["state"], shown[2]["state"]) == ("superseded", "published")
    assert shown[1]["input_digest"] != shown[2]["input_digest"]
    # S1 was 市数据局's only service (980 of 1000 calls succeeded): exempted, call_success has no calls
    a = snapshots.compute(engine, "2026", TODAY)
    ind = a.indicators.set_index(["dept_id", "key"])
    assert ind.at[(1, "call_success"), "status"] == "na"
    assert f"申诉 {appeal}" in str(ind.at[(1, "call_success"), "explanation"])


def test_a_missing_version_is_named(engine):
    with pytest.raises(snapshots.PublishError, match="发布版本 99 不存在"):
        verify_version(engine, 99)


def test_cli_verifies_every_version(engine, monkeypatch, capsys):
    from metrics.__main__ import main

    seed(engine)
    version(engine, date(2026, 11, 2), date(2026, 11, 9))
    monkeypatch.setattr("metrics.__main__.get_engine", lambda: engine)
    assert main(["verify-publication", "--year", "2026"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("第 1 版（已发布，快照 ")
