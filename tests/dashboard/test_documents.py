"""The Word documents of the supervision loop, opened again with python-docx: what a clerk
files must say who, what, by when, and be signed."""

from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from dashboard.documents import (
    ItemText,
    Signature,
    inspectors_of,
    publicity_notice,
    rectification_report,
    supervision_notice,
)

ITEM = ItemText(
    item_id=17,
    title="目录资源逾期未更新",
    department="市卫健委",
    assisting=("市大数据发展管理局",),
    severity="较重",
    state="整改中",
    issued_on=date(2026, 11, 20),
    deadline=date(2026, 11, 27),
    problem="医疗机构执业登记信息超期未更新",
    requirement="按月更新并说明原因",
)
OFFICE = Signature("示例市最多跑一次改革办公室", "", date(2026, 11, 20))


def _texts(data: bytes) -> tuple[list[str], Document]:
    doc = Document(io.BytesIO(data))
    return [p.text for p in doc.paragraphs], doc


def test_notice_addresses_the_department_with_deadline_evidence_and_signature():
    evidence = pd.DataFrame([{"指标": "数据更新及时率", "编号": "WJ-001", "名称": "医疗机构执业登记信息"}])
    texts, doc = _texts(supervision_notice(ITEM, evidence, OFFICE))
    assert texts[:4] == ["督办通知单", "督办编号：2026-0017", "市卫健委：", "协办单位：市大数据发展管理局"]
    assert "请于 2026年11月27日 前完成整改" in texts[4] and "较重" in texts[4]
    assert "一、督办事项：目录资源逾期未更新" in texts and "按月更新并说明原因" in texts
    assert [[c.text for c in row.cells] for row in doc.tables[0].rows] == [
        ["指标", "编号", "名称"],
        ["数据更新及时率", "WJ-001", "医疗机构执业登记信息"],
    ]
    assert texts[-2:] == ["示例市最多跑一次改革办公室", "2026年11月20日"]
    assert doc.paragraphs[-1].alignment == WD_ALIGN_PARAGRAPH.RIGHT


def test_notice_without_evidence_says_so():
    texts, _ = _texts(supervision_notice(ITEM, pd.DataFrame(), OFFICE))
    assert "本事项未附数据证据。" in texts


def test_report_lists_each_feedback_with_its_files_in_local_time():
    feedback = [
        {
            "author": "weijian",
            "text": "已补录 10 月数据",
            "submitted_at": datetime(2026, 11, 23, 2, 30),
            "attachments": [],
        },
        {
            "author": "weijian",
            "text": "建立月度更新提醒",
            "submitted_at": datetime(2026, 11, 25, 16, 5),  # 00:05 on 26 Nov in Beijing
            "attachments": [{"filename": "更新记录.pdf"}, {"filename": "制度.docx"}],
        },
    ]
    timeline = pd.DataFrame([{"时间": "2026-11-20 09:00", "操作": "下发"}])
    office = inspectors_of("示例市最多跑一次改革办公室")
    texts, doc = _texts(
        rectification_report(ITEM, feedback, timeline, Signature("市卫健委", "", date(2026, 11, 26)), office)
    )
    assert texts[0] == "关于「目录资源逾期未更新」的整改情况报告"
    assert texts[2] == "示例市最多跑一次改革办公室督察组：" and inspectors_of("") == "督察组"
    assert "第 1 次反馈（2026-11-23 10:30，weijian）" in texts
    assert "第 2 次反馈（2026-11-26 00:05，weijian）" in texts
    assert "佐证材料：无" in texts and "佐证材料：更新记录.pdf、制度.docx" in texts
    assert "目前状态：整改中" in texts[3]
    assert texts[-2:] == ["市卫健委", "2026年11月26日"]
    assert [c.text for c in doc.tables[0].rows[1].cells] == ["2026-11-20 09:00", "下发"]


def test_publicity_notice_gives_the_period_each_category_and_how_to_appeal():
    city = pd.DataFrame([{"排名": 1, "部门": "市公安局", "总分": 92.5, "等次": "优秀"}])
    texts, doc = _texts(
        publicity_notice(
            2026,
            2,
            date(2027, 1, 4),
            date(2027, 1, 8),
            {"市直部门": city, "区县": city.head(0)},
            Signature("示例市最多跑一次改革办公室", "", date(2027, 1, 4)),
        )
    )
    assert texts[0] == "2026年度数据共享与政务服务考核结果公示"
    assert "（第 2 版）" in texts[1] and "公示期为 2027年1月4日 至 2027年1月8日" in texts[1]
    assert "一、市直部门" in texts and "二、区县" in texts and "本类别无参评单位。" in texts
    assert [c.text for c in doc.tables[0].rows[1].cells] == ["1", "市公安局", "92.50", "优秀"]
    assert "申诉方式" in texts
    assert texts[-1] == "2027年1月4日"
