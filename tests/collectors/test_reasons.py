"""A quarantine reason points at the real cause: UTF-8 text inside a GBK file is named as
mixed encodings, and invisible characters in a name are written out."""

from __future__ import annotations

from collectors.runner import run_source
from tests.collectors.helpers import quarantine_rows, register, source

COLUMNS = {"编号": "ticket_id", "部门": "dept", "受理时间": "received_at"}


def test_utf8_lines_in_a_gbk_file_are_named_as_mixed_encodings(engine, tmp_path):
    register(engine, ["市公安局"])
    (tmp_path / "drop").mkdir()
    gbk = "编号,部门,受理时间\nT1,市公安局,2026-03-01 08:00\n".encode("gbk")
    pasted = "T2,市公安局,2026-03-01 09:00\nT3,公安局,2026-03-01 10:00\n".encode()
    (tmp_path / "drop" / "tickets.csv").write_bytes(gbk + pasted)
    run = run_source(engine, source(tmp_path, kind="complaint", columns=COLUMNS))
    assert (run.counts.rows_loaded, run.counts.rows_quarantined) == (1, 2), run.error
    first, second = (q["reason"] for q in quarantine_rows(engine))
    # "市公安局" in UTF-8 read as GBK is "甯傚叕瀹夊眬"; "公安局" is 9 bytes, its last one lost.
    assert first == (
        "未知部门 '甯傚叕瀹夊眬'：疑似编码混用（文件按 GBK 读取，但该行像是 UTF-8 文本，原文应为 '市公安局'）："
        "请把整个文件另存为同一种编码（建议 UTF-8）后重新导入，不要为乱码添加别名"
    )
    assert "疑似编码混用（文件按 GBK 读取，但该行像是 UTF-8 文本）" in second


def test_a_mapped_value_pasted_from_a_utf8_file_is_named_as_mixed_encodings(engine, tmp_path):
    register(engine, ["市公安局"])
    (tmp_path / "drop").mkdir()
    gbk = "编号,部门,受理时间,评价\nT1,市公安局,2026-03-01 08:00,满意\n".encode("gbk")
    pasted = "T2,市公安局,2026-03-01 09:00,满意\n".encode()
    (tmp_path / "drop" / "tickets.csv").write_bytes(gbk + pasted)
    columns = {**COLUMNS, "评价": "satisfaction"}
    run = run_source(engine, source(tmp_path, kind="complaint", columns=columns))
    assert (run.counts.rows_loaded, run.counts.rows_quarantined) == (1, 1), run.error
    # "满意" in UTF-8 read as GBK is "婊℃剰": the value fails before the department's name does
    assert [q["reason"] for q in quarantine_rows(engine)] == [
        "字段 satisfaction 的取值 '婊℃剰' 无法识别：疑似编码混用（文件按 GBK 读取，但该行像是 UTF-8 文本，原文应为 '满意'）："
        "请把整个文件另存为同一种编码（建议 UTF-8）后重新导入"
    ]


def test_invisible_characters_in_a_name_are_shown_escaped(engine, tmp_path):
    register(engine, ["市公安局"])
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "tickets.csv").write_text(
        "编号,部门,受理时间\nT1,市公安局\u200b,2026-03-01 08:00\nT2,市\u00a0公安局,2026-03-01 09:00\n"
        "T3,市\x00公安局,2026-03-01 10:00\n",
        encoding="utf-8",
    )
    run = run_source(engine, source(tmp_path, kind="complaint", columns=COLUMNS))
    assert (run.counts.rows_loaded, run.counts.rows_quarantined) == (1, 2)  # NFKC turns U+00A0 into a space
    assert [q["reason"] for q in quarantine_rows(engine)] == [
        "未知部门 '市公安局\\u200b'：请在部门别名中添加（[source.aliases] 或 python -m data dept add --alias）",
        "字段 dept 含数据库无法保存的控制字符：'市\\x00公安局'，请在源数据中删除这些字符",
    ]
