"""Every value the store cannot hold is quarantined before it reaches the store, on both
engines: for every text, department and integer field of every kind, a row with a NUL, a
control byte, text one character longer than its column, or a number beyond its column's
type sits next to a good row, and the run loads the good row and quarantines the others."""

from __future__ import annotations

import csv
import io

import pytest

from collectors.limits import column_limits, visible
from collectors.mapping import field_types
from collectors.runner import run_source
from tests.collectors.helpers import all_rows, quarantine_rows, register, source

# One good record per kind, canonical field → text; "{i}" makes each row's key its own.
GOOD = {
    "department": {"name": "部门{i}", "category": "市直部门", "aliases": "别名{i}"},
    "catalog": {
        "resource_code": "R{i}",
        "name": "目录",
        "provider_dept": "甲局",
        "update_frequency": "每月",
        "service_code": "S1",
    },
    "resource_update": {"resource_code": "R{i}", "updated_at": "2026-03-01 08:00:00", "provider_dept": "甲局"},
    "exchange_call": {
        "call_id": "c{i}",
        "requested_at": "2026-03-01 08:00:00",
        "consumer_dept": "甲局",
        "provider_dept": "乙局",
        "service_code": "S1",
        "succeeded": "失败",
        "status_code": "500",
        "fault_code": "F",
        "duration_ms": "12",
    },
    "sharing_request": {
        "request_id": "q{i}",
        "requester_dept": "甲局",
        "provider_dept": "乙局",
        "submitted_at": "2026-03-01 08:00:00",
        "resource_code": "R1",
        "decision": "同意",
    },
    "data_objection": {
        "objection_id": "o{i}",
        "raised_by": "甲局",
        "provider_dept": "乙局",
        "raised_at": "2026-03-01 08:00:00",
        "resource_code": "R1",
        "kind": "错误",
    },
    "complaint": {
        "ticket_id": "t{i}",
        "dept": "甲局",
        "received_at": "2026-03-01 08:00:00",
        "limit_workdays": "5",
        "category": "咨询",
        "channel": "12345",
        "summary": "摘要",
    },
    "office_kpi": {
        "dept": "甲局",
        "month": "{year}-03",
        "cases_received": "1",
        "cases_completed": "1",
        "cases_on_time": "1",
        "cases_online": "1",
        "reviews_good": "1",
        "reviews_bad": "0",
    },
}


def poison(kind: str, fld: str, ftype: str) -> list[tuple[str, str]]:
    """(value, words its reason must contain) the store cannot hold, for one field."""
    if ftype in ("str", "dept"):
        values = [("甲\x00局", "控制字符：'甲\\x00局'"), ("甲\x07局", "控制字符：'甲\\x07局'")]
        longest, _ = column_limits(kind, fld, ftype, kind == "department")
        if longest:
            values.append(("长" * (longest + 1), f"长 {longest + 1} 字，超过数据库上限 {longest} 字"))
        return values
    largest = column_limits(kind, fld, ftype, False)[1]
    return [
        (str(largest + 1), f"超出数据库可保存的范围（-{largest + 1} 至 {largest}）"),
        ("99999999999999999999999", "超出数据库可保存的范围"),
    ]


def cases(kind: str) -> list[tuple[str, str, str]]:
    return [
        (fld, value, words)
        for fld, ftype in field_types(kind).items()
        if fld in GOOD[kind] and ftype in ("str", "dept", "int")
        for value, words in poison(kind, fld, ftype)
    ]


def csv_text(kind: str, rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(GOOD[kind]), quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def filled(kind: str, i: int, values: dict | None = None) -> dict:
    return {**{f: v.format(i=i, year=2010 + i) for f, v in GOOD[kind].items()}, **(values or {})}


@pytest.mark.parametrize("kind", list(GOOD))
def test_values_the_store_cannot_hold_are_quarantined(engine, tmp_path, kind):
    register(engine, ["甲局", "乙局"])
    bad = cases(kind)
    rows = [filled(kind, 0)] + [filled(kind, i, {fld: value}) for i, (fld, value, _) in enumerate(bad, 1)]
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "rows.csv").write_text(csv_text(kind, rows), encoding="utf-8")
    run = run_source(engine, source(tmp_path, kind=kind, create_unknown_departments=kind == "department"))
    assert run.status == "partial" and run.error is None
    assert (run.counts.rows_read, run.counts.rows_loaded, run.counts.rows_quarantined) == (len(rows), 1, len(bad))
    got = {q["line"]: q for q in quarantine_rows(engine)}
    for line, (fld, _, words) in enumerate(bad, 3):  # line 1 the header, line 2 the good row
        assert f"字段 {fld} " in got[line]["reason"] and words in got[line]["reason"], (fld, got[line]["reason"])
        assert "\x00" not in got[line]["raw"]


def test_invisible_characters_are_written_out():
    assert visible("市\u200b人社局\u3000") == "市\\u200b人社局\\u3000"
    assert visible("a\x00b") == "a\\x00b"


def test_an_unpaired_surrogate_from_a_json_escape_does_not_stop_the_file(engine, tmp_path):
    register(engine, ["甲局"])
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "tickets.json").write_text(
        '[{"ticket_id": "t1", "dept": "甲局", "received_at": "2026-03-01 08:00", "summary": "坏\\ud800字"},'
        ' {"ticket_id": "t2", "dept": "甲局", "received_at": "2026-03-01 09:00"}]',
        encoding="utf-8",
    )
    run = run_source(engine, source(tmp_path, kind="complaint", glob="*.json"))
    assert (run.counts.rows_loaded, run.counts.rows_quarantined) == (2, 0) and run.error is None
    assert all_rows(engine, "SELECT summary FROM complaint WHERE ticket_id = 't1'") == [("坏\ufffd字",)]


def test_a_lone_surrogate_next_to_a_number_in_one_column_does_not_stop_the_file(engine, tmp_path):
    """A number in the same column keeps it as Python objects, which pandas never checks."""
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "depts.json").write_text(
        '[{"name": "坏\\ud800字", "category": "市直部门"}, {"name": 1000000000000000000000000000000,'
        ' "category": "市直部门"}]',
        encoding="utf-8",
    )
    run = run_source(engine, source(tmp_path, kind="department", glob="*.json", create_unknown_departments=True))
    assert run.status != "failed" and run.error is None
    assert run.counts.rows_read == run.counts.rows_loaded + run.counts.rows_quarantined == 2
    assert ("坏\ufffd字",) in all_rows(engine, "SELECT name FROM department")
