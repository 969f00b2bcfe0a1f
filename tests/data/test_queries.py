"""Viewer-scoped reads on both engines, against the hand-made dashboard fixture."""

from __future__ import annotations

from datetime import date

import pytest

from data import queries
from data.periods import Period, date_range
from data.viewer import AccessDenied, Viewer
from tests.dashboard.score_fixture import TOTALS, load

LEADER = Viewer("lead", "leader")
ADMIN = Viewer("admin", "admin")
OCT = Period.parse("2026-10")


@pytest.fixture
def fx(engine):
    return load(engine)


def dept_viewer(fx, name="市卫健委"):
    return Viewer("wj", "department", dept_id=fx.dept[name])


def test_periods_show_published_over_current_and_flag_incomplete(engine, fx):
    with engine.connect() as conn:
        shown = queries.periods(conn, LEADER)
    assert list(shown["period_key"]) == ["2026-11", "2026-10", "2026-09", "2026-Q3"]
    sept = shown[shown["period_key"] == "2026-09"].iloc[0]
    # 2026-09 has a published and a later current snapshot: the published one is shown
    assert sept["snapshot_id"] == fx.snapshot["2026-09"]
    # 2026-11 evaluated on 11-20 < 11-30: not complete
    assert list(shown["complete"]) == [False, True, True, True]
    record = queries.ShownSnapshot.from_row(shown.iloc[0].to_dict())
    assert (record.snapshot_id, record.period, record.complete) == (
        fx.snapshot["2026-11"],
        Period.parse("2026-11"),
        False,
    )


def test_ranking_of_a_category_with_dimension_columns(engine, fx):
    with engine.connect() as conn:
        ranking = queries.ranking(conn, LEADER, fx.snapshot["2026-10"], category="city_dept")
    assert list(ranking["department"]) == ["市公安局", "市人社局", "市卫健委"]
    assert list(ranking["total"]) == [92.5, 81.25, 55.0]
    assert list(ranking["prev_rank"]) == [2, 1, 3]
    assert ranking.loc[0, "sharing"] == pytest.approx(93.1)
    assert ranking.loc[1, "complaints"] != ranking.loc[1, "complaints"]  # N/A stays NaN


def test_department_viewer_gets_only_its_own_rows(engine, fx):
    viewer = dept_viewer(fx)
    s10 = fx.snapshot["2026-10"]
    with engine.connect() as conn:
        assert list(queries.ranking(conn, viewer, s10)["department"]) == ["市卫健委"]
        assert set(queries.indicator_scores(conn, viewer, s10)["department"]) == {"市卫健委"}
        assert set(queries.evidence(conn, viewer, s10)["dept_id"]) == {fx.dept["市卫健委"]}
        assert set(queries.gain_items(conn, viewer, s10)["dept_id"]) == {fx.dept["市卫健委"]}
        assert list(queries.departments(conn, viewer)["name"]) == ["市卫健委"]


@pytest.mark.parametrize(
    "call",
    [
        lambda conn, v, fx: queries.ranking(conn, v, fx.snapshot["2026-10"], dept_id=fx.dept["市公安局"]),
        lambda conn, v, fx: queries.indicator_scores(conn, v, fx.snapshot["2026-10"], dept_id=fx.dept["市公安局"]),
        lambda conn, v, fx: queries.evidence(conn, v, fx.snapshot["2026-10"], dept_id=fx.dept["市人社局"]),
        lambda conn, v, fx: queries.gain_items(conn, v, fx.snapshot["2026-10"], dept_id=fx.dept["市人社局"]),
        lambda conn, v, fx: queries.department(conn, v, fx.dept["市公安局"]),
        lambda conn, v, fx: queries.dept_history(conn, v, fx.dept["市公安局"], "month", 2026),
        lambda conn, v, fx: queries.indicator_history(conn, v, fx.dept["市公安局"], "month", 2026),
        lambda conn, v, fx: queries.call_partners(conn, v, fx.dept["市公安局"], OCT),
        lambda conn, v, fx: queries.failures_by_day(conn, v, fx.dept["市公安局"], OCT),
        lambda conn, v, fx: queries.top_fault_codes(conn, v, fx.dept["市公安局"], OCT),
        lambda conn, v, fx: queries.failed_calls(conn, v, fx.dept["市公安局"], OCT),
        lambda conn, v, fx: queries.source_status(conn, v),
        lambda conn, v, fx: queries.quarantined(conn, v),
    ],
)
def test_department_viewer_is_refused_other_departments(engine, fx, call):
    with engine.connect() as conn, pytest.raises(AccessDenied):
        call(conn, dept_viewer(fx), fx)


def test_unbound_department_viewer_sees_nothing(engine, fx):
    with engine.connect() as conn, pytest.raises(AccessDenied):
        queries.ranking(conn, Viewer("x", "department"), fx.snapshot["2026-10"])


def test_anonymous_distributions_carry_no_department(engine, fx):
    viewer = dept_viewer(fx)
    with engine.connect() as conn:
        totals = queries.total_distribution(conn, viewer, fx.snapshot["2026-10"], "city_dept")
        peers = queries.indicator_distribution(conn, viewer, fx.snapshot["2026-10"], "city_dept")
    assert totals == [55.0, 81.25, 92.5]
    assert list(peers.columns) == ["key", "score"]
    # mount_rate city scores 87.5, 75, 25
    assert sorted(peers[peers["key"] == "mount_rate"]["score"]) == [25.0, 75.0, 87.5]


def test_history_uses_the_shown_snapshot_of_each_month(engine, fx):
    viewer = dept_viewer(fx, "市公安局")
    with engine.connect() as conn:
        history = queries.dept_history(conn, viewer, fx.dept["市公安局"], "month", 2026)
        ind = queries.indicator_history(conn, viewer, fx.dept["市公安局"], "month", 2026)
    assert list(history["period_key"]) == ["2026-09", "2026-10", "2026-11"]
    assert list(history["complete"]) == [True, True, False]  # 2026-11 evaluated on 11-20
    # 2026-09 shows the published 85.0, not the later current 11.0
    assert list(history["total"]) == [TOTALS["2026-09"]["市公安局"][0], 92.5, 90.0]
    mount = ind[ind["key"] == "mount_rate"]
    assert list(mount["score"]) == [82.5, 87.5, 89.5]  # 87.5 − 5, 87.5, 87.5 + 2


def test_call_reads_are_bounded_by_the_period(engine, fx):
    police = fx.dept["市公安局"]
    with engine.connect() as conn:
        partners = queries.call_partners(conn, LEADER, police, OCT)
        days = queries.failures_by_day(conn, LEADER, police, OCT)
        faults = queries.top_fault_codes(conn, LEADER, police, OCT)
        failed = queries.failed_calls(conn, LEADER, police, OCT, limit=3)
    consumers = partners[partners["direction"] == "consumer"]
    # 市人社局 1000 + 500 (the November 9999 is outside); 市卫健委 300
    assert list(zip(consumers["partner"], consumers["calls"])) == [("市人社局", 1500), ("市卫健委", 300)]
    providers = partners[partners["direction"] == "provider"]
    assert list(zip(providers["partner"], providers["calls"])) == [("市人社局", 200)]
    assert list(days["failures"]) == [4, 2]  # 10-10: 4; 10-11: 0 + 2
    # TIMEOUT c1 c2 c3 c5 = 4; AUTH c4 c6 = 2; EARLY c8 (10-01 00:30 local) = 1; LATE c7 is November
    assert list(zip(faults["fault_code"], faults["failures"])) == [("TIMEOUT", 4), ("AUTH", 2), ("EARLY", 1)]
    assert len(failed) == 3 and list(failed["fault_code"]) == ["AUTH", "TIMEOUT", "AUTH"]


def test_call_partners_add_whole_months_to_the_edge_days(engine, fx):
    police = fx.dept["市公安局"]
    with engine.connect() as conn:
        partners = queries.call_partners(conn, LEADER, police, date_range(date(2026, 10, 11), date(2026, 11, 30)))
    consumers = partners[partners["direction"] == "consumer"]
    # 10-11..10-31 from the daily rollup: 市人社局 500, 市卫健委 300; November whole: 市人社局 9999
    assert list(zip(consumers["partner"], consumers["calls"], consumers["failures"])) == [
        ("市人社局", 10499, 999),
        ("市卫健委", 300, 2),
    ]
    providers = partners[partners["direction"] == "provider"]
    assert list(zip(providers["partner"], providers["calls"])) == [("市人社局", 200)]


def test_source_status_for_administrators(engine, fx):
    with engine.connect() as conn:
        status = queries.source_status(conn, ADMIN).set_index("source")
        held = queries.quarantined(conn, ADMIN, source="complaints")
    assert status.loc["exchange_log", "status"] == "failed"
    assert "权限不足" in status.loc["exchange_log", "error"]
    assert str(status.loc["exchange_log", "last_ok_at"]).startswith("2026-11-19 01:05")
    assert status.loc["complaints", "quarantine_total"] == 2
    assert status.loc["exchange_log", "quarantine_total"] == 0
    assert list(held["line"]) == [9, 7]
