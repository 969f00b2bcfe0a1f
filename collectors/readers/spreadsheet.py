"""XLSX as office staff make them: title rows above the header, merged cells, dates as
Excel serial numbers or as text."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd

from collectors.config import SourceConfig
from collectors.readers.text import UnreadableFile, find_header, unique_names


def read_xlsx(data: bytes, cfg: SourceConfig) -> tuple[pd.DataFrame, np.ndarray]:
    """(records below the header, their 1-based row numbers in the sheet)."""
    # imported here: openpyxl is a fifth of `collectors once` start-up, and most runs read no XLSX
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise UnreadableFile(
            "不是有效的 Excel (.xlsx) 文件，或文件已损坏/被截断：请用 Excel 打开后另存为 .xlsx"
        ) from exc
    try:
        sheet = book.worksheets[cfg.sheet] if isinstance(cfg.sheet, int) else book[cfg.sheet]
    except (IndexError, KeyError) as exc:
        names = "、".join(book.sheetnames)
        raise UnreadableFile(f"找不到工作表 {cfg.sheet!r}：文件中的工作表为 {names}") from exc
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    if not rows:
        raise UnreadableFile("工作表是空的：请确认导出了数据")
    header = find_header(rows[:30], cfg)
    if fill_merged(sheet, below_row=header + 1):
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    columns = unique_names(rows[header])
    body = rows[header + 1 :]
    numbers = np.arange(header + 2, header + 2 + len(body), dtype=np.int64)
    keep = [i for i, r in enumerate(body) if any(v is not None and str(v).strip() for v in r)]
    width = len(columns)
    frame = pd.DataFrame([(body[i] + [None] * width)[:width] for i in keep], columns=columns, dtype=object)
    return frame, numbers[keep]


def fill_merged(sheet, below_row: int) -> bool:
    """Give every cell of a merged range below the header the value of its top-left cell
    (a department name merged down several rows belongs to each of them)."""
    ranges = [m for m in sheet.merged_cells.ranges if m.min_row > below_row]
    for merged in ranges:
        value = sheet.cell(merged.min_row, merged.min_col).value
        sheet.unmerge_cells(str(merged))
        for row in range(merged.min_row, merged.max_row + 1):
            for col in range(merged.min_col, merged.max_col + 1):
                sheet.cell(row, col).value = value
    return bool(ranges)
