"""Downloads: Excel workbook and CSV, with formula-injection protection and audit (Word
documents are in dashboard/documents.py).

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
from datetime import date, datetime

import pandas as pd
import xlsxwriter
from sqlalchemy.engine import Engine

from data import audit
from data.viewer import Viewer

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_COLUMN_WIDTH = 60
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"


def safe_text(value: str) -> str:
    """Neutralise text a spreadsheet would evaluate as a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def display_width(text: str) -> int:
    """Columns a string occupies: wide (CJK) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def is_blank(value) -> bool:
    return value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def cell_text(value) -> str:
    if is_blank(value):
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
                if is_blank(value):
                    continue
                if isinstance(value, bool):
                    text = "是" if value else "否"
                    sheet.write_string(row, col, text)
                elif isinstance(value, numbers.Real):
                    sheet.write_number(row, col, value)
                    text = f"{value:g}"
                else:
                    text = safe_text(cell_text(value))
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
