"""Word documents an office files: the 通报, the 督办通知单, the 整改情况报告 and the
考核结果公示, all on one official layout (黑体 headings, 宋体 text, 文号 under the title,
落款 at the end) so they print alike."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from dashboard.exports import cell_text, is_blank
from data.clock import to_local

EAST_ASIAN_FONT = "宋体"
LATIN_FONT = "Times New Roman"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _east_asian(run_or_style, font: str = EAST_ASIAN_FONT) -> None:
    """Set the East-Asian font slot (w:eastAsia) so Word renders Chinese in a CJK face."""
    run_or_style.font.name = LATIN_FONT
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def add_table(document, frame: pd.DataFrame) -> None:
    table = document.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, frame.columns):
        cell.text = str(title)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for record in frame.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, record):
            cell.text = f"{value:.2f}" if isinstance(value, float) and not is_blank(value) else cell_text(value)


def cn_date(day: date) -> str:
    """2026年12月3日, as official documents write dates."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Signature:
    """Who issues a document, its 文号 and its date (成文日期), as an official document carries them."""

    issuer: str
    number: str
    dated: date


def sign(document, signature: Signature) -> None:
    """落款: the issuing body and the date, right-aligned under the text."""
    for text in (signature.issuer, cn_date(signature.dated)):
        if text:
            document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT


def official_document(title: str, number: str = "") -> Document:
    """A new document in the office layout, with its title and, when given, its 文号."""
    document = Document()
    for style in ("Normal", "Title", "Heading 1", "Heading 2", "Table Grid"):
        _east_asian(document.styles[style], "黑体" if style.startswith(("Title", "Heading")) else EAST_ASIAN_FONT)
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading(title, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    if number:
        document.add_paragraph(number).alignment = WD_ALIGN_PARAGRAPH.CENTER
    return document


def finished(document, signature: Signature) -> bytes:
    """The document with its 落款, as the bytes of a .docx file."""
    sign(document, signature)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def table_or(document, frame: pd.DataFrame, empty: str) -> None:
    if frame.empty:
        document.add_paragraph(empty)
    else:
        add_table(document, frame)


def bulletin(
    title: str,
    intro: str,
    ranking: pd.DataFrame,
    red: pd.DataFrame,
    black: pd.DataFrame,
    problems: dict[str, list[str]],
    signature: Signature,
) -> bytes:
    """The period's 通报: ranking table, 红榜, 黑榜 and each 较差 department's main problems."""
    document = official_document(title, signature.number)
    document.add_paragraph(intro)
    document.add_heading("一、排名情况", level=1)
    add_table(document, ranking)
    document.add_heading("二、红榜", level=1)
    table_or(document, red, "本期无上榜部门。")
    document.add_heading("三、黑榜", level=1)
    table_or(document, black, "本期无上榜部门。")
    document.add_heading("四、较差部门主要问题", level=1)
    if not problems:
        document.add_paragraph("本期无等次为较差的部门。")
    for name, items in problems.items():
        document.add_heading(name, level=2)
        for item in items:
            document.add_paragraph(item, style="List Bullet")
    return finished(document, signature)


@dataclass(frozen=True)
class ItemText:
    """What a 督办事项's documents say about it, in the words the pages show."""

    item_id: int
    title: str
    department: str
    assisting: tuple[str, ...]
    severity: str
    state: str
    issued_on: date
    deadline: date
    problem: str
    requirement: str

    @property
    def number(self) -> str:
        return f"督办编号：{self.issued_on.year}-{self.item_id:04d}"


def supervision_notice(item: ItemText, evidence: pd.DataFrame, signature: Signature) -> bytes:
    """督办通知单: to the lead department (and the assisting ones), what is wrong, what is
    required, by when, the evidence as it was when the item was drafted, and how to reply."""
    document = official_document("督办通知单", item.number)
    document.add_paragraph(f"{item.department}：")
    if item.assisting:
        document.add_paragraph(f"协办单位：{'、'.join(item.assisting)}")
    document.add_paragraph(
        f"经核查，你单位存在以下问题，现予督办（严重程度：{item.severity}）。请于 {cn_date(item.deadline)} 前"
        "完成整改，并通过跑办督考台「我的整改」提交整改情况和佐证材料。"
    )
    document.add_heading(f"一、督办事项：{item.title}", level=1)
    document.add_paragraph(item.problem)
    document.add_heading("二、整改要求", level=1)
    document.add_paragraph(item.requirement)
    document.add_heading("三、问题证据（下发时）", level=1)
    table_or(document, evidence, "本事项未附数据证据。")
    document.add_heading("四、办理要求", level=1)
    for line in (
        "收到本通知后请及时在系统中签收；逾期未签收的，按逾期处理。",
        "确需延期的，请在整改期限届满前在系统中申请延期，说明理由，经领导小组审批后生效。",
        "整改反馈经督察组核验通过后销号；核验未通过的退回重新整改。",
    ):
        document.add_paragraph(line, style="List Bullet")
    return finished(document, signature)


def inspectors_of(office: str) -> str:
    """The office's 督察组, to whom departments report (office: PAOBAN_ISSUER, may be empty)."""
    return f"{office}督察组" if office else "督察组"


def rectification_report(
    item: ItemText, feedback: list[dict], timeline: pd.DataFrame, signature: Signature, addressee: str
) -> bytes:
    """整改情况报告 to `addressee` (inspectors_of the office): the department's account of each
    feedback it sent (text and the files it attached), the item's state now, and the timeline
    the store recorded."""
    document = official_document(f"关于「{item.title}」的整改情况报告", item.number)
    document.add_paragraph(f"{addressee}：")
    document.add_paragraph(
        f"{cn_date(item.issued_on)}下发的督办事项「{item.title}」（整改期限 {cn_date(item.deadline)}），"
        f"我单位整改情况报告如下。目前状态：{item.state}。"
    )
    document.add_heading("一、存在的问题", level=1)
    document.add_paragraph(item.problem)
    document.add_heading("二、整改情况", level=1)
    if not feedback:
        document.add_paragraph("尚未提交整改反馈。")
    for n, rect in enumerate(feedback, start=1):
        document.add_heading(
            f"第 {n} 次反馈（{to_local(rect['submitted_at']):%Y-%m-%d %H:%M}，{rect['author']}）", level=2
        )
        document.add_paragraph(rect["text"])
        names = [a["filename"] for a in rect["attachments"]]
        document.add_paragraph(f"佐证材料：{'、'.join(names) if names else '无'}")
    document.add_heading("三、办理过程", level=1)
    add_table(document, timeline)
    return finished(document, signature)


def publicity_notice(
    year: int,
    version: int,
    start: date,
    end: date,
    rankings: dict[str, pd.DataFrame],
    signature: Signature,
) -> bytes:
    """考核结果公示: the year's result per category, the 公示期, and how to appeal within it."""
    document = official_document(f"{year}年度数据共享与政务服务考核结果公示", signature.number)
    document.add_paragraph(
        f"根据{year}年度考核方案，现将{year}年度考核结果（第 {version} 版）予以公示。"
        f"公示期为 {cn_date(start)} 至 {cn_date(end)}。"
    )
    for n, (category, ranking) in enumerate(rankings.items(), start=1):
        document.add_heading(f"{'一二三四五六七八九'[n - 1]}、{category}", level=1)
        table_or(document, ranking, "本类别无参评单位。")
    document.add_heading("申诉方式", level=1)
    document.add_paragraph(
        "公示期内，对考核结果有异议的单位，可通过跑办督考台「申诉」页提出申诉，写明异议的指标、理由，"
        "并附佐证材料。督察组在规定期限内复核并答复；申诉被采纳的，重新计算并发布新版本结果。"
    )
    return finished(document, signature)
