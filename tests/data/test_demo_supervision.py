"""The demo's supervision year, seeded on the small metrics city: every state, appeals decided."""
from __future__ import annotations

from datetime import date

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
    assert len(items) == made["items"] and all(supervision.evidence(sqlite_engine.connect(), INSPECTOR, i["id"])
                                               for i in items)
    # the oldest item was returned once, then closed
    assert first_log == ["create", "acknowledge", "submit", "return", "submit", "close"]
    assert [a_["state"] for a_ in filed] == ["rejected", "accepted", "pending"][:made["appeals"]]
    assert seed_supervision(sqlite_engine) == {"items": 0, "appeals": 0}
