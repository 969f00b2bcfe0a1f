"""Downloads: Excel workbook, Word 通报 and CSV, with formula-injection protection and audit.

Text a spreadsheet would treat as a formula (starting with = + - @, tab or CR) is
prefixed with an apostrophe, so a department name or complaint summary coming from a
source file can never run in the reader's Excel.
"""

from __future__ import annotations

import io
import math
import numbers
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import xlsxwriter
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from sqlalchemy.engine import Engine

from data import audit
from data.viewer import Viewer

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_COLUMN_WIDTH = 60
EAST_ASIAN_FONT = "宋体"
LATIN_FONT = "Times New Roman"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV_MIME = "text/csv"


def safe_text(value: str) -> str:
    """Neutralise text a spreadsheet would evaluate as a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def display_width(text: str) -> int:
    """Columns a string occupies: wide (CJK) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _is_blank(value) -> bool:
    return value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _cell_text(value) -> str:
    if _is_blank(value):
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate in used:
        candidate = f"{clean[:28]}_{n}"
        n += 1
    used.add(candidate)
    return candidate


def workbook(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per view: bold frozen header, widths fitted to Chinese text, safe cells."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    header = book.add_format({"bold": True, "bg_color": "#f2f2f2", "border": 1, "text_wrap": True, "valign": "top"})
    used: set[str] = set()
    for name, frame in sheets.items():
        sheet = book.add_worksheet(_sheet_name(name, used))
        widths = [display_width(str(c)) for c in frame.columns]
        for col, title in enumerate(frame.columns):
            sheet.write_string(0, col, str(title), header)
        for row, record in enumerate(frame.itertuples(index=False), start=1):
            for col, value in enumerate(record):
                if _is_blank(value):
                    continue
                if isinstance(value, bool):
                    text = "是" if value else "否"
                    sheet.write_string(row, col, text)
                elif isinstance(value, numbers.Real):
                    sheet.write_number(row, col, value)
                    text = f"{value:g}"
                else:
                    text = safe_text(_cell_text(value))
                    sheet.write_string(row, col, text)
                widths[col] = max(widths[col], display_width(text))
        for col, width in enumerate(widths):
            sheet.set_column(col, col, min(width + 2, MAX_COLUMN_WIDTH))
        sheet.freeze_panes(1, 0)
        if len(frame.columns):
            sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
    book.close()
    return buffer.getvalue()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with BOM (so Excel opens Chinese correctly), text cells protected."""
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = [v if not isinstance(v, str) else safe_text(v) for v in safe[col]]
    return safe.to_csv(index=False).encode("utf-8-sig")


def _east_asian(run_or_style, font: str = EAST_ASIAN_FONT) -> None:
    """Set the East-Asian font slot (w:eastAsia) so Word renders Chinese in a CJK face."""
    run_or_style.font.name = LATIN_FONT
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def _table(document, frame: pd.DataFrame) -> None:
    table = document.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, frame.columns):
        cell.text = str(title)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for record in frame.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, record):
            cell.text = f"{value:.2f}" if isinstance(value, float) and not _is_blank(value) else _cell_text(value)


@dataclass(frozen=True)
class Signature:
    """Who issues a document, its 文号 and its date (成文日期), as an official document carries them."""

    issuer: str
    number: str
    dated: date

    def date_text(self) -> str:
        return f"{self.dated.year}年{self.dated.month}月{self.dated.day}日"


def _signed(document, signature: Signature) -> None:
    """落款: the issuing body and the date, right-aligned under the text."""
    for text in (signature.issuer, signature.date_text()):
        if text:
            document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT


def bulletin(
    title: str,
    intro: str,
    ranking: pd.DataFrame,
    red: pd.DataFrame,
    black: pd.DataFrame,
    problems: dict[str, list[str]],
    signature: Signature,
) -> bytes:
    """The period's 通报: 文号, ranking table, 红榜, 黑榜, each 较差 department's main
    problems, and the 落款."""
    document = Document()
    for style in ("Normal", "Title", "Heading 1", "Heading 2", "Table Grid"):
        _east_asian(document.styles[style], "黑体" if style.startswith(("Title", "Heading")) else EAST_ASIAN_FONT)
    document.styles["Normal"].font.size = Pt(11)
    heading = document.add_heading(title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if signature.number:
        document.add_paragraph(signature.number).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(intro)
    document.add_heading("一、排名情况", level=1)
    _table(document, ranking)
    document.add_heading("二、红榜", level=1)
    if red.empty:
        document.add_paragraph("本期无上榜部门。")
    else:
        _table(document, red)
    document.add_heading("三、黑榜", level=1)
    if black.empty:
        document.add_paragraph("本期无上榜部门。")
    else:
        _table(document, black)
    document.add_heading("四、较差部门主要问题", level=1)
    if not problems:
        document.add_paragraph("本期无等次为较差的部门。")
    for name, items in problems.items():
        document.add_heading(name, level=2)
        for item in items:
            document.add_paragraph(item, style="List Bullet")
    _signed(document, signature)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def audited(
    engine: Engine, viewer: Viewer, target: str, period: str, kind: str, build: Callable[[], bytes]
) -> Callable[[], bytes]:
    """A download's data callable: builds the file when clicked and records who exported what."""

    def make() -> bytes:
        payload = build()
        with engine.begin() as conn:
            audit.record(conn, viewer.username, "export", target, period=period, kind=kind)
        return payload

    return make
