"""X-Road as its operators run it: X-Road 6 records paired on messageId, JSON Lines
exports, members of two instances, and a run log that counts copies alike whether they
come in one file or in two. Every input is written out here, record by record."""

from __future__ import annotations

import json

from collectors.runner import run_source
from tests.collectors.helpers import all_rows, count, quarantine_rows, register, scalar, source

T0 = 1767225600000  # 2026-01-01 00:00:00 UTC, in ms


def record(
    side: str,
    at: int,
    *,
    request_id: str | None = None,
    message_id: str | None = None,
    instance: str = "EE",
    client: str = "GOV:1:app",
    service: str = "GOV:2",
    ok: bool = True,
) -> dict:
    """One operational-monitoring record as a security server writes it."""
    cls, code, *sub = client.split(":")
    s_cls, s_code = service.split(":")
    rec = {
        "securityServerType": side,
        "requestInTs": at,
        "responseOutTs": at + 100,
        "clientXRoadInstance": instance,
        "clientMemberClass": cls,
        "clientMemberCode": code,
        "serviceXRoadInstance": instance,
        "serviceMemberClass": s_cls,
        "serviceMemberCode": s_code,
        "serviceCode": "getPerson",
        "succeeded": ok,
    }
    if sub:
        rec["clientSubsystemCode"] = sub[0]
    if request_id:
        rec["xRequestId"] = request_id
    if message_id:
        rec["messageId"] = message_id
    return rec


def drop(tmp_path, name: str, records: list[dict], lines: bool = False) -> None:
    folder = tmp_path / "drop"
    folder.mkdir(exist_ok=True)
    text = "\n".join(json.dumps(r) for r in records) + "\n" if lines else json.dumps(records)
    (folder / name).write_text(text, encoding="utf-8")


ALIASES = {"EE:GOV:1": "甲局", "EE:GOV:2": "乙局"}


def xroad(tmp_path, **options):
    return source(tmp_path, kind="exchange_call", reader="xroad", aliases=ALIASES, **options)


def counts(run) -> tuple:
    c = run.counts
    return c.rows_read, c.rows_loaded, c.rows_duplicate, c.rows_quarantined


def test_xroad6_copies_pair_on_message_id_client_and_service_within_the_window(engine, tmp_path):
    register(engine, ["甲局", "乙局"])
    hour = 3_600_000
    drop(
        tmp_path,
        "ops.json",
        [
            record("Client", T0, message_id="m1"),
            record("Producer", T0 + 20, message_id="m1"),
            # the same messageId, another service: another call
            record("Client", T0 + 50, message_id="m1", service="GOV:1"),
            # the client uses m1 again an hour later (beyond the 10-minute window): another call
            record("Producer", T0 + hour + 30, message_id="m1"),
            record("Client", T0 + hour, message_id="m1"),
        ],
    )
    run = run_source(engine, xroad(tmp_path))
    # 5 records = 3 calls: (m1, GOV:2) twice an hour apart, each with 2 copies, and (m1, GOV:1) once.
    assert counts(run) == (5, 3, 2, 0)
    assert scalar(engine, "SELECT SUM(calls) FROM exchange_daily") == 3
    # the Client copies win: each lasts 100 ms.
    assert scalar(engine, "SELECT SUM(duration_sum_ms) FROM exchange_daily") == 300


def test_a_call_split_over_two_files_counts_as_in_one(engine, tmp_path):
    register(engine, ["甲局", "乙局"])
    pairs = [
        (record("Client", T0 + i * 1000, request_id=f"r{i}"), record("Producer", T0 + i * 1000 + 5, request_id=f"r{i}"))
        for i in range(3)
    ]
    drop(tmp_path, "one.json", [r for pair in pairs for r in pair])
    one = run_source(engine, xroad(tmp_path))
    (tmp_path / "drop" / "one.json").unlink()
    drop(tmp_path, "client.json", [c for c, _ in pairs])
    drop(tmp_path, "producer.json", [p for _, p in pairs])
    cfg = xroad(tmp_path, name="split")
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM call_id_batch")
    two = run_source(engine, cfg)
    # 6 records, 3 calls: read 6, loaded 3, duplicate 3, in one file as in two.
    assert counts(one) == counts(two) == (6, 3, 3, 0)


def test_json_lines_are_read_and_a_broken_line_costs_that_line(engine, tmp_path):
    register(engine, ["甲局", "乙局"])
    folder = tmp_path / "drop"
    folder.mkdir()
    lines = [
        json.dumps(record("Client", T0, request_id="a")),
        json.dumps(record("Producer", T0 + 5, request_id="a")),
        '{"securityServerType": "Client", "requestInTs": 17',
        json.dumps(record("Client", T0 + 9, request_id="b")),
    ]
    (folder / "ops.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = run_source(engine, xroad(tmp_path))
    # 3 whole records (2 calls, one duplicate copy) + 1 cut line quarantined.
    assert counts(run) == (4, 2, 1, 1)
    [bad] = quarantine_rows(engine)
    assert bad["line"] == 3 and "不是完整的 JSON" in bad["reason"]


def test_members_of_two_instances_never_merge(engine, tmp_path):
    drop(
        tmp_path,
        "ops.json",
        [record("Client", T0, request_id="a", instance="EE"), record("Client", T0 + 1, request_id="b", instance="DEV")],
    )
    run = run_source(engine, source(tmp_path, kind="exchange_call", reader="xroad", create_unknown_departments=True))
    assert counts(run) == (2, 2, 0, 0)
    assert sorted(run.created_departments) == ["DEV:GOV:1:app", "DEV:GOV:2", "EE:GOV:1:app", "EE:GOV:2"]


def test_a_subsystem_falls_back_to_its_member_within_the_instance(engine, tmp_path):
    register(engine, ["甲局", "乙局"])
    drop(
        tmp_path,
        "ops.json",
        [record("Client", T0, request_id="a"), record("Client", T0 + 1, request_id="b", instance="DEV")],
    )
    run = run_source(engine, xroad(tmp_path))
    assert counts(run) == (2, 1, 0, 1)
    assert "未知部门 'DEV:GOV:1:app'" in quarantine_rows(engine)[0]["reason"]


def test_quarantined_records_create_no_departments(engine, tmp_path):
    good = record("Client", T0, request_id="a")
    no_time = {**record("Client", T0, request_id="b", client="GOV:7"), "requestInTs": "yesterday"}
    no_id = record("Client", T0, client="GOV:8")
    drop(tmp_path, "ops.json", [good, no_time, no_id])
    run = run_source(engine, source(tmp_path, kind="exchange_call", reader="xroad", create_unknown_departments=True))
    assert counts(run) == (3, 1, 0, 2)
    assert sorted(run.created_departments) == ["EE:GOV:1:app", "EE:GOV:2"]
    assert count(engine, "department") == 2


def test_quarantined_records_replay_once_the_member_is_known(engine, tmp_path):
    """Both copies of a call from a member not yet in the register are quarantined; after the
    clerk adds the alias, the replay pairs them again: one call loaded, its second copy a
    duplicate; a second replay finds nothing."""
    from collectors.replay import replay_source

    register(engine, ["甲局", "乙局", "丙局"])
    drop(
        tmp_path,
        "ops.json",
        [
            record("Producer", T0 + 5, request_id="r1", client="GOV:3"),
            record("Client", T0, request_id="r1", client="GOV:3"),
            record("Client", T0 + 50, request_id="r2"),
        ],
    )
    run = run_source(engine, xroad(tmp_path))
    assert counts(run) == (3, 1, 0, 2)
    fixed = source(tmp_path, kind="exchange_call", reader="xroad", aliases={**ALIASES, "EE:GOV:3": "丙局"})
    replayed = replay_source(engine, fixed)
    assert counts(replayed) == (2, 1, 1, 0)
    assert count(engine, "quarantine") == 0
    # one call of each consumer; the Client copy won the pairing: the replayed call lasts its 100 ms
    assert all_rows(
        engine,
        "SELECT d.name, x.calls, x.duration_sum_ms FROM exchange_daily x"
        " JOIN department d ON d.id = x.consumer_dept_id ORDER BY d.name",
    ) == [("丙局", 1, 100), ("甲局", 1, 100)]
    assert counts(replay_source(engine, fixed)) == (0, 0, 0, 0)
