"""The demo's supervision year, seeded on the small metrics city: every state, appeals decided."""

from __future__ import annotations

from datetime import date, datetime

from data import appeals, supervision
from data.demo.supervision import INSPECTOR, seed_supervision
from metrics import snapshots
from tests.metrics.store import seed


def test_seeded_through_the_state_machine_once(sqlite_engine):
    seed(sqlite_engine)
    a = snapshots.compute(sqlite_engine, "2026", date(2026, 11, 20))
    with sqlite_engine.begin() as conn:
        snapshots.write_snapshot(conn, a)
    made = seed_supervision(sqlite_engine)
    with sqlite_engine.connect() as conn:
        items = supervision.list_items(conn, INSPECTOR)
        filed = appeals.list_appeals(conn, INSPECTOR)
        first_log = [e["action"] for e in supervision.events(conn, INSPECTOR, items[0]["id"])]
    depts = len({r.dept_id for r in a.evidence.itertuples()})
    assert made == {"items": min(8, depts), "appeals": min(3, depts)}
    assert len(items) == made["items"] and all(
        supervision.evidence(sqlite_engine.connect(), INSPECTOR, i["id"]) for i in items
    )
    # the oldest item was returned once, then closed
    assert first_log == ["create", "acknowledge", "submit", "return", "submit", "close"]
    assert [a_["state"] for a_ in filed] == ["rejected", "accepted", "pending"][: made["appeals"]]
    assert seed_supervision(sqlite_engine) == {"items": 0, "appeals": 0}


def test_events_carry_the_days_they_stand_for(sqlite_engine):
    """The snapshot's as_of is 2026-11-20: the oldest item is issued 200 days before, on
    2026-05-04 at 10:00 Beijing time (02:00 UTC), signed the next morning at 09:00."""
    seed(sqlite_engine)
    a = snapshots.compute(sqlite_engine, "2026", date(2026, 11, 20))
    with sqlite_engine.begin() as conn:
        snapshots.write_snapshot(conn, a)
    seed_supervision(sqlite_engine)
    with sqlite_engine.connect() as conn:
        item = supervision.list_items(conn, INSPECTOR)[0]
        log = supervision.events(conn, INSPECTOR, item["id"])
    assert item["issued_on"] == date(2026, 5, 4)
    assert [e["at"] for e in log[:2]] == [datetime(2026, 5, 4, 2, 0), datetime(2026, 5, 5, 1, 0)]
    times = [e["at"] for e in log]
    assert times == sorted(times) and times[-1] < datetime(2026, 11, 20)


def test_evidence_now_tells_fixed_rows_from_open_ones(sqlite_engine):
    from sqlalchemy import text

    seed(sqlite_engine)
    a = snapshots.compute(sqlite_engine, "2026", date(2026, 11, 20))
    with sqlite_engine.begin() as conn:
        first = snapshots.write_snapshot(conn, a)
    seed_supervision(sqlite_engine)
    with sqlite_engine.connect() as conn:
        item = supervision.list_items(conn, INSPECTOR)[0]
        before = supervision.evidence_now(conn, INSPECTOR, item["id"])
    assert before and all(r["still_open"] is True for r in before)
    fixed = before[0]
    with sqlite_engine.begin() as conn:  # a later snapshot of the year no longer lists the first row
        second = snapshots.write_snapshot(conn, a)
        conn.execute(
            text("DELETE FROM evidence_item WHERE snapshot_id = :s AND item_key = :k AND indicator = :i"),
            {"s": second, "k": fixed["item_key"], "i": fixed["indicator"]},
        )
    with sqlite_engine.connect() as conn:
        after = {
            (r["indicator"], r["item_key"]): r["still_open"]
            for r in supervision.evidence_now(conn, INSPECTOR, item["id"])
        }
    assert first != second and after[(fixed["indicator"], fixed["item_key"])] is False
    assert sum(v is True for v in after.values()) == len(before) - 1
