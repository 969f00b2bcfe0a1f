"""Column widths and row heights of dashboard/table_layout.py, computed by hand: a CJK
character is 14 px, any other 9 px, a cell has 8 px of padding each side, a header adds
24 px of icons."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from dashboard.table_layout import cell_text, lines_needed, markdown_text, table_layout, text_px


def test_text_width_counts_cjk_at_one_em():
    assert text_px("数据更新及时率") == 98  # 7 × 14
    assert text_px("SL-023-0011") == 99  # 11 × 9
    assert text_px("周期 2026") == 73  # 2 × 14 + 5 × 9


def test_cells_read_as_the_table_shows_them():
    assert cell_text(None) == "—" and cell_text(float("nan")) == "—" and cell_text(pd.NaT) == "—"
    assert cell_text(datetime(2026, 9, 1, 8, 30)) == "2026-09-01 08:30:00"
    assert cell_text(date(2026, 8, 19)) == "2026-08-19"


def test_lines_break_between_cjk_characters_and_never_inside_a_code():
    assert lines_needed("字" * 10, 86) == 2  # 70 px of room: 5 characters a line
    assert lines_needed("字" * 11, 86) == 3
    assert lines_needed("SL-023-0011", 60) == 3  # a 99 px code in 44 px of room breaks anywhere
    assert lines_needed("字字字 SL-023-0011", 150) == 2  # 42 + 9, then the code (99) on its own line


def test_a_sentence_takes_the_rest_and_rows_grow_for_two_lines():
    layout = table_layout(pd.DataFrame({"编号": ["A1"], "详情": ["字" * 50]}), ("详情",), table_px=500)
    # 编号: its header, 28 + 24 + 16 = 68; 详情: 500 − 68 = 432, 29 characters a line, 2 lines
    assert layout.widths == {"编号": 68, "详情": 432}
    assert layout.row_height == 65  # 2 × 20 + 12 = 52, raised to where the grid wraps
    assert layout.overflow == []


def test_one_line_tables_keep_streamlits_rows():
    layout = table_layout(pd.DataFrame({"编号": ["A1"], "详情": ["短句"]}), ("详情",), table_px=500)
    assert layout.widths == {"编号": 68, "详情": 68}
    assert layout.row_height is None


def test_a_cell_past_five_lines_is_listed_under_the_table():
    frame = pd.DataFrame({"编号": ["A1", "A2"], "详情": ["字" * 200, "字" * 20]})
    layout = table_layout(frame, ("详情",), table_px=500)
    assert layout.overflow == [(0, "详情")]  # 200 characters at 29 a line: 7 lines
    assert layout.row_height == 112  # 5 × 20 + 12


def test_wide_short_columns_shrink_to_leave_the_sentence_its_room():
    long = "字" * 12  # 168 + 16 = 184 px, cut at 180
    frame = pd.DataFrame({"甲": [long], "乙": [long], "丙": [long], "详情": ["字" * 100]})
    layout = table_layout(frame, ("详情",), table_px=600)
    # the sentence keeps 320, the three share 280: 93 each; the sentence takes the last 321
    assert layout.widths == {"甲": 93, "乙": 93, "丙": 93, "详情": 321}
    # 12 characters at 5 a line: 3 lines; 100 at 21 a line: 5 lines
    assert layout.row_height == 112 and layout.overflow == []


def test_listed_text_is_shown_literally():
    assert markdown_text("a*b_c (x) #1") == r"a\*b\_c \(x\) \#1"
