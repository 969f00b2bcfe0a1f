"""A quote left open in a CSV costs its own line: the rows after it still load."""

from __future__ import annotations

from collectors.runner import run_source
from tests.collectors.helpers import all_rows, quarantine_rows, register, source

COLUMNS = {"编号": "ticket_id", "部门": "dept", "受理时间": "received_at", "摘要": "summary"}


def test_an_unclosed_quote_costs_only_its_line(engine, tmp_path):
    register(engine, ["甲局"])
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "tickets.csv").write_text(
        "编号,部门,受理时间,摘要\n"
        'T1,甲局,2026-03-01 08:00,"两行\n摘要"\n'
        'T2,甲局,2026-03-01 09:00,"没有闭合的引号\n'
        "T3,甲局,2026-03-01 10:00,正常\n"
        "T4,甲局,2026-03-01 11:00,正常\n",
        encoding="utf-8",
    )
    run = run_source(engine, source(tmp_path, kind="complaint", columns=COLUMNS))
    # 4 rows: T1 (a quoted two-line summary, one row), T2 broken, T3 and T4 read as usual.
    assert (run.counts.rows_read, run.counts.rows_loaded, run.counts.rows_quarantined) == (4, 3, 1)
    assert [(q["line"], q["raw"], q["reason"]) for q in quarantine_rows(engine)] == [
        (3, 'T2,甲局,2026-03-01 09:00,"没有闭合的引号', "该行的引号未闭合：请补全该行的引号（其后各行已照常读取）")
    ]
    assert all_rows(engine, "SELECT ticket_id, summary FROM complaint ORDER BY ticket_id") == [
        ("T1", "两行\n摘要"),
        ("T3", "正常"),
        ("T4", "正常"),
    ]
