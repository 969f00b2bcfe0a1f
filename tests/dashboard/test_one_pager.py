"""一页纸 PDF: built from what 我的得分 and 部门详情 read (AppTest on the score fixture),
read back with pypdf: one A4 page, the Chinese font embedded, the department's numbers in
it; a long 提分清单 still fits one page; without a Chinese font the page says so."""

from __future__ import annotations

import io
import os
import re
from datetime import date

import pandas as pd
import pytest
from pypdf import PdfReader

from dashboard.format import scheme_for
from dashboard.one_pager import NO_FONT, Summary, find_font, one_pager, summary_for
from dashboard.panels import ONE_PAGER
from data.periods import Period
from data.queries import ShownSnapshot
from tests.dashboard.conftest import login
from tests.dashboard.test_access import downloads  # noqa: F401  (fixture)
from tests.dashboard.test_pages import open_page, page_text

FONT = find_font()
needs_font = pytest.mark.skipif(
    FONT is None and not os.environ.get("CI"), reason="no CJK font here (make system-deps installs fonts-noto-cjk)"
)
A4 = (595.28, 841.89)  # points


def pdf_of(captured, name_part: str) -> bytes:
    built = [build() for name, build in captured if name_part in name]
    assert built, [name for name, _ in captured]
    return built[-1]


def read_back(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    text = re.sub(r"[\s\x00]+", "", "".join(p.extract_text() for p in reader.pages))
    return reader, text


def embedded_fonts(reader: PdfReader) -> list[str]:
    """BaseFont names of the fonts whose program is inside the file (a /FontFile* entry)."""
    found = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        for part in [font, *[d.get_object() for d in font.get("/DescendantFonts", [])]]:
            descriptor = part.get("/FontDescriptor")
            if descriptor is not None and any(k.startswith("/FontFile") for k in descriptor.get_object()):
                found.append(str(font["/BaseFont"]))
    return found


@pytest.mark.slow
@needs_font
def test_my_scores_one_pager(app, dashboard_store, downloads):  # noqa: F811
    at = open_page(login(app, dashboard_store.dept_user("市卫健委")), "my_scores.py")
    assert any(b.label == ONE_PAGER for b in at.get("download_button"))
    reader, text = read_back(pdf_of(downloads, "一页纸_市卫健委_2026-10"))
    assert len(reader.pages) == 1
    assert tuple(round(float(x), 2) for x in reader.pages[0].mediabox[2:]) == A4
    assert any("NotoSansCJK" in name for name in embedded_fonts(reader))
    # the stored 2026-10 numbers (score_fixture): 55.00, 较差, rank 3 of 3, −3.00 against 58.0
    for shown in ("市卫健委考核情况", "2026年10月", "55.00", "较差", "第3名", "共3个参评单位", "较上期-3.00分"):
        assert shown in text, shown
    # indicators, and 提分清单 most points first: 2.50 挂接, then 1.25 按月更新
    assert "资源挂接率70%（7/10）25.00" in text
    assert text.index("挂接资源“出生医学证明信息”") < text.index("按月更新“医疗机构执业登记信息”")
    assert "2026-11-10临近" in text
    # the trend holds the closed months: 2026-09 (58.0) and 2026-10 (55.0), not running 2026-11
    assert "58.0" in text and "61.0" not in text


@pytest.mark.slow
@needs_font
def test_department_page_one_pager_for_an_inspector(app, dashboard_store, downloads):  # noqa: F811
    at = login(app, "inspector")
    at.session_state["selected_dept_id"] = dashboard_store.fixture.dept["市人社局"]
    open_page(at, "department.py")
    reader, text = read_back(pdf_of(downloads, "一页纸_市人社局_2026-10"))
    assert len(reader.pages) == 1
    assert "市人社局考核情况" in text and "81.25" in text and "良好" in text
    assert "每万件投诉量无数据" in text and "无数据，不计分" in text and "样本少" in text


def long_summary(gains: int) -> Summary:
    indicators = [
        ["数据共享", indicator.name, "95%（19/20）", "87.50", "8", ""]
        for indicator in scheme_for(2026).indicators.values()
    ]
    action = (
        "挂接资源“某某信息”，在共享平台登记接口服务编码，补齐字段说明、更新频率和联系人，并在下月 5 日前完成首次更新"
    )
    return Summary(
        department="市住房和城乡建设局",
        subtitle="考核周期 2026年10月",
        figures=[("总分", "80.00", ""), ("等次", "良好", ""), ("排名", "第 2 名", ""), ("加分 / 扣分", "0 / 0", "")],
        indicators=indicators,
        gains=[[f"{3 - n * 0.1:.2f}", "资源挂接率", f"{action}（第 {n} 项）", "2026-11-10"] for n in range(gains)],
        trend=[(f"{m}月", 70.0 + m) for m in range(1, 12)],
        generated=date(2026, 12, 3),
    )


@pytest.mark.slow
@needs_font
def test_a_long_list_still_fits_one_page():
    reader, text = read_back(one_pager(long_summary(40), FONT))
    assert len(reader.pages) == 1
    assert "共40项" in text and "（第0项）" in text
    shown = int(re.search(r"可提分最多的(\d)项", text).group(1))
    assert 1 <= shown <= 5 and f"（第{shown}项）" not in text
    assert f"其余{40 - shown}项见系统“我的得分”页面的提分清单。" in text


def test_without_a_chinese_font_the_button_says_so(app, dashboard_store, monkeypatch):
    assert find_font("/nonexistent/font.ttf") is None
    monkeypatch.setenv("PAOBAN_PDF_FONT", "/nonexistent/font.ttf")
    at = open_page(login(app, dashboard_store.dept_user("市卫健委")), "my_scores.py")
    button = next(b for b in at.button if b.label == ONE_PAGER)
    assert button.disabled
    assert NO_FONT in page_text(at)
    assert ONE_PAGER not in [b.label for b in at.get("download_button")]


def test_trend_leaves_out_running_periods():
    shown = ShownSnapshot(1, Period.parse("2026-10"), date(2026, 11, 5), "2026.1", "current", pd.Timestamp(0), True)
    row = pd.Series(
        {
            "total": 80.0,
            "prev_total": None,
            "rank": 2,
            "prev_rank": None,
            "tier": "良好",
            "vetoed": False,
            "bonus": 1.5,
            "deduction": 0.0,
            "active_from": None,
        }
    )
    history = pd.DataFrame(
        {"period_key": ["2026-09", "2026-10", "2026-11"], "complete": [True, True, False], "total": [70.0, 80.0, 40.0]}
    )
    empty = pd.DataFrame(columns=["key"])
    gains = pd.DataFrame(columns=["points", "indicator", "action", "deadline", "upcoming"])
    s = summary_for(
        {"name": "某局", "category": "city_dept", "active_from": None},
        shown,
        "",
        row,
        7,
        empty,
        gains,
        history,
        scheme_for(2026),
        date(2026, 12, 3),
    )
    assert s.trend == [("9月", 70.0), ("10月", 80.0)]
    assert s.figures[0] == ("总分", "80.00", "")
    assert s.figures[2] == ("排名", "第 2 名", "共 7 个参评单位")
    assert s.figures[3] == ("加分 / 扣分", "+1.5 / 0", "")
