"""Column widths and row height that let a clerk read every cell of a table on a laptop.

Streamlit draws tables on a canvas that cuts a cell's text at the column edge, and
width="large" (400 px) is not enough for an evidence sentence. So the sentence columns
keep at least MIN_SENTENCE_PX of the narrowest screen the office uses (1280×720), every short
column gets the width of its longest text (the widest shrink to fit, never below their
header), the sentences share what is left (any rest widens the short columns cut), and when a cell needs more than one line the rows grow tall enough for its lines: Streamlit wraps
text once a row is taller than 64 px. A cell longer than MAX_LINES lines is listed in full
under its table. Text widths are estimated from the characters at the table font (14 px): a
CJK character is one em, any other character is counted at its widest, so the estimate never
falls short of what Chromium draws.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

FONT_PX = 14.0
NARROW_CHAR_PX = 9.0  # Latin letters and digits at 14 px are 4–8 px wide (W, M up to 12: rare in codes)
PADDING_PX = 8  # each side of a cell
HEADER_ICONS_PX = 24  # the sort arrow and the column menu beside a header
LINE_PX = 20  # one wrapped line: 14 px × the grid's 1.4 line height, rounded up
ROW_PADDING_PX = 12  # above the first and below the last line
WRAP_ROW_PX = 65  # Streamlit wraps cell text only in rows taller than 4 rem (64 px)
MAX_LINES = 5  # taller rows would make a table of short rows unreadable; longer cells are listed below it
MIN_COLUMN_PX = 56
MAX_SHORT_PX = 180  # a short column takes no more: the rest goes to the sentences
MIN_SENTENCE_PX = 320
# The table's width in the main block at 1280×720 (sidebar open, compact padding) inside an
# expander, less a scroll bar: the width tables are laid out for; wider screens share out the rest.
LAPTOP_TABLE_PX = 880
PLACEHOLDER = "—"
# Where a line may break: after a CJK character or a space, never inside a run of Latin
# letters, digits and code punctuation ("SL-023-0011", "2026-08-03").
TOKENS = re.compile(r"[0-9A-Za-z_.:/%+-]+ ?|.")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$])")


@dataclass(frozen=True)
class TableLayout:
    widths: dict[str, int]  # column → pixels
    row_height: int | None  # None: Streamlit's one-line rows
    overflow: list[tuple[int, str]]  # (row position, column) of cells longer than MAX_LINES lines


def text_px(text: str) -> float:
    """Width of `text` at the table font, never less than Chromium draws it."""
    return sum(FONT_PX if unicodedata.east_asian_width(ch) in "WF" else NARROW_CHAR_PX for ch in text)


def cell_text(value) -> str:
    """A cell as the table shows it: missing values as the placeholder, times to the second."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return PLACEHOLDER
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    return str(value)


def lines_needed(text: str, width: int) -> int:
    """Lines of `text` wrapped greedily at the break points of TOKENS in a column `width` px wide."""
    room = width - 2 * PADDING_PX
    lines, used = 1, 0.0
    for token in TOKENS.findall(text):
        w = text_px(token)
        if used and used + w > room:
            lines, used = lines + 1, 0.0
        if w > room:  # a code longer than the column breaks anywhere
            lines, w = lines + math.ceil(w / room) - 1, w % room
        used += w
    return lines


def markdown_text(text: str) -> str:
    """`text` shown literally by st.markdown."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _fit(natural: dict[str, int], floor: dict[str, int], budget: int) -> dict[str, int]:
    """Shrink the widest columns (never below their header) until they fit `budget`."""
    if sum(natural.values()) <= budget:
        return natural
    low, high = 0, max(natural.values(), default=0)
    while low < high:
        cap = (low + high + 1) // 2
        if sum(max(floor[c], min(n, cap)) for c, n in natural.items()) <= budget:
            low = cap
        else:
            high = cap - 1
    return {c: max(floor[c], min(n, low)) for c, n in natural.items()}


def _widths(texts: dict[str, list[str]], sentences: list[str], table_px: int) -> dict[str, int]:
    """Sentence columns keep MIN_SENTENCE_PX (less if their text is shorter); short columns
    take the width of their longest text up to MAX_SHORT_PX, the widest shrunk to fit what the
    sentences leave; the sentences share the rest, each up to its longest text."""
    natural, floor = {}, {}
    for c, ts in texts.items():
        natural[c] = math.ceil(max([text_px(t) for t in ts], default=0.0)) + 2 * PADDING_PX
        floor[c] = max(math.ceil(text_px(str(c))) + HEADER_ICONS_PX + 2 * PADDING_PX, MIN_COLUMN_PX)
        natural[c] = max(natural[c], floor[c])
    kept = {c: min(natural[c], MIN_SENTENCE_PX) for c in sentences}
    short = {c: min(n, MAX_SHORT_PX) for c, n in natural.items() if c not in kept}
    widths = _fit(short, floor, table_px - sum(kept.values()))
    for n, c in enumerate(sorted(sentences, key=natural.get)):
        share = (table_px - sum(widths.values())) // (len(sentences) - n)
        widths[c] = max(kept[c], min(natural[c], share))
    for c in short:  # what the sentences leave goes to the short columns cut at MAX_SHORT_PX
        widths[c] = min(natural[c], widths[c] + table_px - sum(widths.values()))
    return widths


def table_layout(frame: pd.DataFrame, sentences: tuple[str, ...], table_px: int = LAPTOP_TABLE_PX) -> TableLayout:
    """Widths for `frame`'s columns, the row height its longest cell needs (up to MAX_LINES)
    and the rows whose cells are longer still."""
    texts = {c: [cell_text(v) for v in frame[c]] for c in frame.columns}
    widths = _widths(texts, [c for c in frame.columns if c in sentences], table_px)
    needed = {(i, c): lines_needed(t, widths[c]) for c in frame.columns for i, t in enumerate(texts[c])}
    lines = min(max(needed.values(), default=1), MAX_LINES)
    row_height = None if lines == 1 else max(WRAP_ROW_PX, lines * LINE_PX + ROW_PADDING_PX)
    overflow = sorted(cell for cell, n in needed.items() if n > MAX_LINES)
    return TableLayout({c: widths[c] for c in frame.columns}, row_height, overflow)
