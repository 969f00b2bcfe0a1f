"""Exports opened back with openpyxl / python-docx; formula injection; audit rows."""

from __future__ import annotations

import io
import json
from datetime import date

import openpyxl
import pandas as pd
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from sqlalchemy import select

from dashboard.documents import Signature, bulletin
from dashboard.exports import audited, csv_bytes, display_width, safe_text, workbook
from dashboard.format import scheme_for
from dashboard.tables import problem_lines, ranking_table
from data import queries
from data.models import AuditLog
from data.viewer import Viewer
from metrics.honours import honour_lists
from tests.dashboard.score_fixture import load

LEADER = Viewer("lead", "leader")


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("=1+1", "'=1+1"),
        ("+86 571", "'+86 571"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("市公安局", "市公安局"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_safe_text(raw, shown):
    assert safe_text(raw) == shown


def test_display_width_counts_wide_characters_twice():
    assert display_width("市公安局") == 8
    assert display_width("GA-ID") == 5
    assert display_width("总分（元）") == 10


def test_workbook_sheets_header_widths_and_injection():
    views = {
        "排名": pd.DataFrame({"部门": ["市公安局", '=HYPERLINK("http://x")'], "总分": [92.5, 55.0], "排名": [1, 2]}),
        "问题/清单": pd.DataFrame({"编号": ["@cmd"], "期限": [pd.NaT]}),
    }
    book = openpyxl.load_workbook(io.BytesIO(workbook(views)))
    assert book.sheetnames == ["排名", "问题_清单"]
    sheet = book["排名"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["部门", "总分", "排名"]
    assert sheet["B2"].value == 92.5 and sheet["C3"].value == 2
    injected = sheet["A3"]
    assert injected.data_type == "s" and injected.value == '\'=HYPERLINK("http://x")'
    # 市公安局 is 8 columns wide, the injected text 22 + the apostrophe = 23; +2 padding
    assert sheet.column_dimensions["A"].width == pytest.approx(25, abs=1)
    # 总分 header 4, "92.5" 4 → 4 + 2
    assert sheet.column_dimensions["B"].width == pytest.approx(6, abs=1)
    other = book["问题_清单"]
    assert other["A2"].value == "'@cmd" and other["B2"].value is None


def test_csv_has_bom_and_protected_cells():
    data = csv_bytes(pd.DataFrame({"名称": ["=cmd|' /C calc'!A0", "正常"], "数量": [-1, 2]}))
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines == ["名称,数量", "'=cmd|' /C calc'!A0,-1", "正常,2"]


@pytest.fixture
def frames(sqlite_engine):
    fx = load(sqlite_engine)
    s10 = fx.snapshot["2026-10"]
    with sqlite_engine.connect() as conn:
        ranking = queries.ranking(conn, LEADER, s10)
        indicators = queries.indicator_scores(conn, LEADER, s10)
        evidence = queries.evidence(conn, LEADER, s10)
    return fx, ranking, indicators, evidence


def test_honour_lists_per_category(frames):
    _, ranking, _, _ = frames
    red, black = honour_lists(ranking, scheme_for(2026).honours)
    # 3 city departments and 2 districts: one place each (a third, at least one), but the
    # 2026 scheme praises only 优秀/良好 and names only 较差: both districts are 一般
    assert list(red["department"]) == ["市公安局"]
    assert list(black["department"]) == ["市卫健委"]


def test_problem_lines_name_the_lowest_indicators_with_evidence(frames):
    fx, _, indicators, evidence = frames
    health = fx.dept["市卫健委"]
    lines = problem_lines(
        indicators[indicators["dept_id"] == health], evidence[evidence["dept_id"] == health], scheme_for(2026)
    )
    assert lines == [
        "数据更新及时率：指标值 65%，得分 12.50，涉及问题 1 项。",
        "接口调用成功率：指标值 92%，得分 21.10。",
        "资源挂接率：指标值 70%，得分 25.00，涉及问题 1 项。",
    ]


def test_bulletin_document(frames):
    fx, ranking, indicators, evidence = frames
    scheme = scheme_for(2026)
    short = ["排名", "部门", "总分", "等次"]
    city = ranking[ranking["category"] == "city_dept"]
    red, black = honour_lists(city, scheme.honours)
    data = bulletin(
        "2026年10月市直部门考核情况通报",
        "说明文字。",
        ranking_table(city, scheme)[short],
        ranking_table(red, scheme)[short],
        ranking_table(black, scheme)[short],
        {"市卫健委": ["数据更新及时率：得分 12.50。"]},
        Signature("示例市最多跑一次改革办公室", "示跑办〔2026〕12号", date(2026, 11, 9)),
    )
    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    assert texts[:2] == ["2026年10月市直部门考核情况通报", "示跑办〔2026〕12号"]
    assert texts[-2:] == ["示例市最多跑一次改革办公室", "2026年11月9日"]  # 落款, right-aligned
    assert doc.paragraphs[-1].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert [t for t in texts if t[:2] in ("一、", "二、", "三、", "四、")] == [
        "一、排名情况",
        "二、红榜",
        "三、黑榜",
        "四、较差部门主要问题",
    ]
    assert "数据更新及时率：得分 12.50。" in texts
    ranking_rows = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert ranking_rows[0] == short
    assert ranking_rows[1] == ["1", "市公安局", "92.50", "优秀"]
    assert [[c.text for c in r.cells][1] for r in doc.tables[1].rows[1:]] == ["市公安局"]
    assert [[c.text for c in r.cells][1] for r in doc.tables[2].rows[1:]] == ["市卫健委"]
    fonts = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "宋体"


def test_export_is_audited(engine):
    viewer = Viewer("inspector1", "inspector")
    make = audited(engine, viewer, "ranking:city_dept", "2026-10", "xlsx", lambda: b"payload")
    with engine.connect() as conn:
        assert conn.execute(select(AuditLog.__table__)).first() is None
    assert make() == b"payload"
    with engine.connect() as conn:
        row = conn.execute(select(AuditLog.__table__)).mappings().one()
    assert (row["actor"], row["action"], row["target"]) == ("inspector1", "export", "ranking:city_dept")
    assert json.loads(row["detail"]) == {"period": "2026-10", "kind": "xlsx"}


def test_evidence_details_read_as_sentences():
    from dashboard.tables import detail_text

    detail = {
        "逾期周期数": 2,
        "更新频率": "weekly",
        "共享类型": "conditional",
        "最近更新日期": None,
        "逾期周期": [
            {"周期开始": "2026-10-05", "应更新截止": "2026-10-13"},
            {"周期开始": "2026-10-12", "应更新截止": "2026-10-20"},
        ],
    }
    assert [detail_text(v) for v in detail.values()] == [
        "2",
        "每周",
        "有条件共享",
        "无",
        "周期开始 2026-10-05，应更新截止 2026-10-13；周期开始 2026-10-12，应更新截止 2026-10-20",
    ]


def test_evidence_groups_cover_every_row_once():
    from dashboard.tables import evidence_groups

    evidence = pd.DataFrame(
        {
            "item_type": ["resource", "resource", "resource", "request", "service", "resource"],
            "indicator": ["update_on_time", "mount_rate", "usage_rate", "request_on_time", "call_success", "open_rate"],
            "status": ["late", "unmounted", "unused", "open", "failing", "flagged"],
        }
    )
    groups = evidence_groups(evidence)
    sizes = {title: len(rows) for title, rows in groups.items() if len(rows)}
    assert sizes == {
        "逾期或未按时更新的资源": 1,
        "未挂接的资源": 1,
        "无人调用的资源": 1,
        "逾期或未答复的共享申请": 1,
        "失败的接口服务": 1,
        "其他问题": 1,
    }
    assert sorted(i for rows in groups.values() for i in rows.index) == list(range(6))


def test_unranked_department_is_blank_not_text():
    """A department without a rank (no total) leaves the cell empty; numpy numbers stay numbers."""
    import numpy as np

    frame = pd.DataFrame(
        {"排名": pd.array([1, None], dtype="Int64"), "部门": ["甲", "乙"], "总分": [np.float64(91.5), np.nan]}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(workbook({"排名": frame})))["排名"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [[1, "甲", 91.5], [None, "乙", None]]
    doc = Document(io.BytesIO(bulletin("通报", "", frame, frame, frame, {}, Signature("", "", date(2026, 12, 1)))))
    assert [[c.text for c in row.cells] for row in doc.tables[0].rows[1:]] == [["1", "甲", "91.50"], ["", "乙", ""]]
