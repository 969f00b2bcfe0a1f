"""一页纸: one department's result for one period on a single A4 page (PDF) for a meeting
folder: total, tier and rank, the indicator table, the top of 提分清单 and a small trend.

The Chinese font is embedded (subset), so the page prints the same on a machine without
Chinese fonts. The font is the configured file (PAOBAN_PDF_FONT) or the first of the
usual system CJK fonts found; without one there is no PDF and the page says so.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd
from fontTools.ttLib import TTCollection
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from dashboard.format import (
    NO_DATA,
    PART_YEAR,
    SMALL_SAMPLE,
    bonus_deduction,
    category_label,
    dimension_label,
    fmt_score,
    fmt_value,
    founded_note,
    indicator_label,
    missing,
    part_year,
    rank_change,
)
from data.periods import Period
from data.queries import ShownSnapshot
from metrics.scheme import Scheme

PDF_MIME = "application/pdf"
FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),  # Debian/Ubuntu fonts-noto-cjk
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),  # Arch, Fedora
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),  # fonts-wqy-zenhei
    Path("C:/Windows/Fonts/simhei.ttf"),
)
NO_FONT = (
    "未找到可嵌入 PDF 的中文字体，暂不能生成一页纸。请管理员安装中文字体"
    "（Debian/Ubuntu：apt-get install fonts-noto-cjk），或在环境变量 PAOBAN_PDF_FONT 中指定字体文件路径。"
)
GAIN_ROWS = 5
GAIN_WIDTHS = (18, 34, 98, 30)
MARGIN = 15
LINE_HEIGHT = 5
PAD_X, PAD_Y = 1.2, 0.8  # cell padding
HEADING = 8.5  # a section heading with the space around it
TREND_HEIGHT = 30
SLACK = 1  # mm kept free; an overflow is caught by laying the page again
INK = (33, 33, 33)
GRID = (189, 189, 189)
LINE = (192, 57, 43)
FILL = (240, 240, 240)


@dataclass(frozen=True)
class CjkFont:
    """A font file with Chinese glyphs; `face` is the index inside a .ttc collection."""

    path: Path
    face: int = 0


def find_font(configured: str = "") -> CjkFont | None:
    """The configured font file if it exists, else the first system candidate found."""
    paths = [Path(configured)] if configured else list(FONT_CANDIDATES)
    for path in paths:
        if path.is_file():
            return CjkFont(path, _simplified_face(path))
    return None


@lru_cache(maxsize=8)
def _simplified_face(path: Path) -> int:
    """In a collection, the Simplified Chinese face (a family named '… SC' or '… GB')."""
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    faces = TTCollection(str(path), lazy=True).fonts
    for n, face in enumerate(faces):
        if re.search(r"\b(SC|GB)\b", face["name"].getDebugName(1) or ""):
            return n
    return 0


@dataclass(frozen=True)
class Summary:
    """What the page prints, as display text; the numbers come from a stored snapshot."""

    department: str
    subtitle: str  # period, category, data date, scheme, status
    figures: list[tuple[str, str, str]]  # (label, value, note under it)
    indicators: list[list[str]]  # rows of 维度, 指标, 指标值, 得分, 权重, 说明
    gains: list[list[str]]  # rows of 可提分, 指标, 怎么做, 期限 (most points first)
    trend: list[tuple[str, float]]  # closed periods: (short label, total)
    generated: date
    notes: list[str] = field(default_factory=list)


def summary_for(
    dept: dict,
    shown: ShownSnapshot,
    state: str,
    row: pd.Series,
    entrants: int,
    indicators: pd.DataFrame,
    gains: pd.DataFrame,
    history: pd.DataFrame,
    scheme: Scheme,
    today: date,
) -> Summary:
    """The page's text from what 部门详情 and 我的得分 read: the department's ranking row,
    the number ranked in its category, its indicators, 提分清单 and the year's totals."""
    period = shown.period
    status = {"published": "已发布", "current": "最新计算"}.get(shown.status, shown.status)
    subtitle = (
        f"考核周期 {period.label}{state}：{period.start} 至 {period.end} · {category_label(dept['category'])}\n"
        f"数据截至 {shown.as_of} · 考核方案 {shown.scheme_version} · {status}"
    )
    change = ""
    if not missing(row["total"]) and not missing(row["prev_total"]):
        change = f"较上期 {float(row['total']) - float(row['prev_total']):+.2f} 分"
    moved = rank_change(row["rank"], row["prev_rank"])
    rank = NO_DATA if missing(row["rank"]) else f"第 {int(row['rank'])} 名"
    partial = part_year(row["active_from"], period)
    figures = [
        ("总分", fmt_score(row["total"]), change),
        ("等次", row["tier"] or NO_DATA, "一票否决" if row["vetoed"] else ""),
        (
            f"排名（{PART_YEAR}）" if partial else "排名",
            rank,
            f"共 {entrants} 个参评单位" + ("" if moved in ("", "新", "—") else f"，较上期 {moved}"),
        ),
        ("加分 / 扣分", " / ".join(bonus_deduction(row)), ""),
    ]
    notes = [founded_note(dept["name"], dept["active_from"], period)] if partial else []
    return Summary(
        department=dept["name"],
        subtitle=subtitle,
        figures=figures,
        indicators=_indicator_rows(indicators, scheme),
        gains=[
            [
                f"{float(g['points']):.2f}",
                indicator_label(scheme, g["indicator"]),
                str(g["action"]),
                "" if missing(g["deadline"]) else f"{g['deadline']}" + (" 临近" if g["upcoming"] else ""),
            ]
            for g in gains.to_dict("records")
        ],
        trend=[
            (Period.parse(h["period_key"]).short_label, float(h["total"]))
            for h in history.to_dict("records")
            if h["complete"] and not missing(h["total"])
        ],
        generated=today,
        notes=notes,
    )


def _indicator_rows(indicators: pd.DataFrame, scheme: Scheme) -> list[list[str]]:
    rows = indicators.set_index("key")
    out = []
    for key in [k for k in scheme.indicators if k in rows.index]:
        r = rows.loc[key]
        unit = r["explanation"].get("unit") if isinstance(r["explanation"], dict) else None
        value = fmt_value(r["value"], unit)
        if not missing(r["denominator"]) and r["status"] != "na":
            value += f"（{fmt_value(r['numerator'])}/{fmt_value(r['denominator'])}）"
        out.append(
            [
                dimension_label(scheme, r["dimension"]),
                indicator_label(scheme, key),
                value,
                fmt_score(r["score"]),
                fmt_value(r["weight"]),
                {"na": f"{NO_DATA}，不计分", "small": SMALL_SAMPLE}.get(r["status"], ""),
            ]
        )
    return out


INDICATOR_HEADER = ("维度", "指标", "指标值", "得分", "权重", "说明")
GAIN_HEADER = ("可提分", "指标", "怎么做", "期限")


def one_pager(summary: Summary, font: CjkFont) -> bytes:
    """The PDF. Below the indicator table go as many 提分清单 rows (at most GAIN_ROWS) and
    the trend as fit, by measuring the rows' wrapped text; should the measure fall short,
    the page is laid again with one option less, so the result is always one page."""
    options = [(trend, rows) for trend in (True, False) for rows in range(min(GAIN_ROWS, len(summary.gains)), -1, -1)]
    pdf = _first_part(summary, font)
    room = pdf.page_break_trigger - pdf.get_y()
    start = next((n for n, o in enumerate(options) if _height(pdf, summary, *o) <= room), len(options) - 1)
    for n in range(start, len(options)):
        pdf = pdf or _first_part(summary, font)
        _second_part(pdf, summary, *options[n])
        if pdf.pages_count == 1 or n == len(options) - 1:
            break
        pdf = None
    return bytes(pdf.output())


def _height(pdf: FPDF, summary: Summary, with_trend: bool, gain_rows: int) -> float:
    """Millimetres _second_part takes, from the wrapped lines of each cell and note."""
    pdf.set_font("cjk", "", 9)
    rows = [GAIN_HEADER, *summary.gains[:gain_rows]] if gain_rows else []
    table = sum(_row_height(pdf, r, GAIN_WIDTHS) for r in rows) + (LINE_HEIGHT if gain_rows < len(summary.gains) else 0)
    trend = HEADING + TREND_HEIGHT + 8 if with_trend and len(summary.trend) >= 2 else 0
    pdf.set_font("cjk", "", 8)
    footer = 2 + sum(len(_lines(pdf, pdf.epw, n)) * 4 for n in [*summary.notes, "生成日期"])
    return HEADING + table + trend + footer + SLACK


def _lines(pdf: FPDF, width: float, text: str) -> list[str]:
    return pdf.multi_cell(width, LINE_HEIGHT, text, dry_run=True, output="LINES", wrapmode=WrapMode.CHAR)


def _row_height(pdf: FPDF, cells, widths: tuple[float, ...]) -> float:
    """A table row: its tallest cell (the table pads cells by PAD_X where multi_cell uses c_margin)."""
    text_width = [w - 2 * PAD_X + 2 * pdf.c_margin for w in widths]
    return max(len(_lines(pdf, w, str(t))) for t, w in zip(cells, text_width)) * LINE_HEIGHT + 2 * PAD_Y


def _first_part(summary: Summary, font: CjkFont) -> FPDF:
    """Title, key figures and the indicator table."""
    pdf = FPDF(format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.set_title(f"{summary.department}考核情况一页纸")
    pdf.add_font("cjk", "", str(font.path), collection_font_number=font.face)
    pdf.add_page()
    pdf.set_text_color(*INK)
    with _bold(pdf, 18):
        pdf.cell(text=f"{summary.department}考核情况", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", "", 9.5)
    pdf.multi_cell(0, 5, summary.subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)
    pdf.ln(3)
    _figures(pdf, summary.figures)
    _heading(pdf, "各项指标")
    _table(pdf, INDICATOR_HEADER, summary.indicators, (20, 38, 46, 18, 14, 44))
    return pdf


def _second_part(pdf: FPDF, summary: Summary, with_trend: bool, gain_rows: int) -> None:
    """The top of 提分清单, the trend and the footer."""
    total = len(summary.gains)
    _heading(pdf, f"提分清单（可提分最多的 {gain_rows} 项，共 {total} 项）" if total else "提分清单")
    if gain_rows:
        _table(pdf, GAIN_HEADER, summary.gains[:gain_rows], GAIN_WIDTHS)
    if not total:
        _line(pdf, "本期没有可提分的事项。")
    elif gain_rows < total:
        _line(pdf, f"其余 {total - gain_rows} 项见系统“我的得分”页面的提分清单。")
    if with_trend and len(summary.trend) >= 2:
        _heading(pdf, "总分走势（已结束的周期）")
        _trend(pdf, summary.trend)
    pdf.ln(2)
    pdf.set_font("cjk", "", 8)
    for note in summary.notes:
        _line(pdf, note, 4)
    _line(pdf, f"生成日期 {summary.generated:%Y-%m-%d} · 跑办督考台 · 数据来自本期评分快照", 4)


@contextmanager
def _bold(pdf: FPDF, size: float):
    """Bold by stroking the glyph outlines: one embedded font file instead of two halves the
    time a PDF takes (the font is subset when the file is written)."""
    pdf.set_font("cjk", "", size)
    pdf.set_line_width(size / 60)
    pdf.set_draw_color(*INK)
    with pdf.local_context(text_mode="FILL_STROKE"):
        yield
    pdf.set_line_width(0.2)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    with _bold(pdf, 12):
        pdf.cell(text=text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_font("cjk", "", 9)


def _line(pdf: FPDF, text: str, height: float = 5) -> None:
    pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)


def _figures(pdf: FPDF, figures: list[tuple[str, str, str]]) -> None:
    """The key figures in boxes across the page: label, large value, small note."""
    width = (pdf.epw - 3 * (len(figures) - 1)) / len(figures)
    top = pdf.get_y()
    for n, (label, value, note) in enumerate(figures):
        x = pdf.l_margin + n * (width + 3)
        pdf.set_fill_color(*FILL)
        pdf.rect(x, top, width, 22, style="F")
        pdf.set_xy(x + 3, top + 2)
        pdf.set_font("cjk", "", 9)
        pdf.cell(width - 6, 5, label)
        pdf.set_xy(x + 3, top + 7)
        with _bold(pdf, 16):
            pdf.cell(width - 6, 8, value)
        pdf.set_xy(x + 3, top + 16)
        pdf.set_font("cjk", "", 8)
        pdf.cell(width - 6, 4, note)
    pdf.set_xy(pdf.l_margin, top + 24)


def _table(pdf: FPDF, header: tuple[str, ...], rows: list[list[str]], widths: tuple[float, ...]) -> None:
    pdf.set_font("cjk", "", 9)
    pdf.set_draw_color(*GRID)
    pdf.set_fill_color(255, 255, 255)
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        text_align="LEFT",
        line_height=LINE_HEIGHT,
        wrapmode=WrapMode.CHAR,
        headings_style=FontFace(emphasis=None, fill_color=FILL),
        padding=(PAD_Y, PAD_X),
    ) as table:
        for values in [list(header), *rows]:
            row = table.row()
            for value in values:
                row.cell(value)


def _trend(pdf: FPDF, points: list[tuple[str, float]], height: float = TREND_HEIGHT) -> None:
    """Totals on a 0–100 scale, one point per closed period, with its value above it."""
    left, top = pdf.l_margin + 8, pdf.get_y() + 2
    width = pdf.epw - 8
    step = width / len(points)
    pdf.set_font("cjk", "", 7.5)
    pdf.set_draw_color(*GRID)
    pdf.set_line_width(0.2)
    for mark in (0, 60, 80, 100):
        y = top + height * (1 - mark / 100)
        pdf.line(left, y, left + width, y)
        pdf.set_xy(pdf.l_margin, y - 2)
        pdf.cell(7, 4, str(mark), align="R")
    xy = [
        (left + step * (n + 0.5), top + height * (1 - max(0.0, min(100.0, t)) / 100)) for n, (_, t) in enumerate(points)
    ]
    pdf.set_draw_color(*LINE)
    pdf.set_line_width(0.6)
    pdf.polyline(xy)
    pdf.set_fill_color(*LINE)
    for (label, total), (x, y) in zip(points, xy):
        pdf.circle(x, y, 0.9, style="F")
        pdf.set_xy(x - step / 2, y - 5)
        pdf.cell(step, 4, f"{total:.1f}", align="C")
        pdf.set_xy(x - step / 2, top + height + 1)
        pdf.cell(step, 4, label, align="C")
    pdf.set_xy(pdf.l_margin, top + height + 6)
