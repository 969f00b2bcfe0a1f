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


def test_a_bare_carriage_return_in_the_first_lines_costs_at_most_its_line(engine, tmp_path):
    """Found by a hypothesis run on PostgreSQL: a lone \\r among the first 30 lines failed the
    whole source ("new-line character seen in unquoted field") while the header was looked for."""
    register(engine, ["甲局"])
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "tickets.csv").write_bytes(
        (
            "编号,部门,受理时间,摘要\n"
            'T1,甲局,2026-03-01 08:00,"引号内\r回车"\n'
            "T2,甲局\r,2026-03-01 09:00,引号外回车\n"
            "T3,甲局,2026-03-01 10:00,正常\n"
        ).encode()
    )
    run = run_source(engine, source(tmp_path, kind="complaint", columns=COLUMNS))
    assert run.status == "partial", run.error
    # T2 is split at its \r into two short halves, both quarantined; T1 keeps its quoted \r.
    assert (run.counts.rows_read, run.counts.rows_loaded, run.counts.rows_quarantined) == (4, 2, 2)
    assert all_rows(engine, "SELECT ticket_id, summary FROM complaint ORDER BY ticket_id") == [
        ("T1", "引号内\r回车"),
        ("T3", "正常"),
    ]
    assert [q["reason"] for q in quarantine_rows(engine)] == [
        "该行有 2 列，表头有 4 列：请检查是否多了或少了逗号、引号未闭合",
        "该行有 3 列，表头有 4 列：请检查是否多了或少了逗号、引号未闭合",
    ]
