"""Every sentence of the evidence table (部门详情) and of 提分清单 (我的得分) is readable at
1280×720 in a real Chromium, on the demo city (issue #17), without resizing a column.

The grid is a canvas, so the test measures what it draws: each column's width from the
vertical rules of the header row in a screenshot of the grid, the row height from the grid's
scroll height, and each cell's text with canvas measureText at the grid's own font, wrapped
at spaces and between CJK characters as the grid wraps. A cell fits when its lines fit its
row; a cell too long for any row must be written out in full under the table (plain HTML
text, not cut). No column may lie beyond the grid's right edge. Screenshots at 1440×900 and
1280×720: test-artifacts/screenshots/readable_*.png.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.test_browser import SHOTS, TIMEOUT_MS, browser, logged_in, wait_idle  # noqa: F401  (fixture)
from tests.e2e.test_period_walk import SIZES, demo, pick  # noqa: F401  (fixture)
from tests.e2e.test_session_links import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.slow]
HEADER_PX = 35  # Streamlit's header row
LINE_PX = 19.6  # a wrapped line: 14 px × the grid's 1.4 line height
VERTICAL_PADDING_PX = 3  # the grid's cell padding above and below

# Lines of each text, wrapped the grid's way, in columns of the given widths: measured in the
# page with the grid's font (its --gdg-* style variables).
LINES_JS = """(grid, [texts, widths]) => {
  const style = getComputedStyle(grid.querySelector('.stDataFrameGlideDataEditor'));
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = `${style.getPropertyValue('--gdg-base-font-style')} ${style.getPropertyValue('--gdg-font-family')}`;
  const pad = parseFloat(style.getPropertyValue('--gdg-cell-horizontal-padding'));
  const tokens = /[0-9A-Za-z_.:\\/%+-]+ ?|./gu;
  return texts.map((row) => row.map((text, c) => {
    const room = widths[c] - 2 * pad;
    let lines = 1, used = 0;
    for (const token of text.match(tokens) || []) {
      let w = ctx.measureText(token).width;
      if (used && used + w > room) { lines += 1; used = 0; }
      if (w > room) { lines += Math.ceil(w / room) - 1; w = w % room; }
      used += w;
    }
    return lines;
  }));
}"""


def column_widths(grid, columns: int) -> list[int]:
    """Widths between the vertical rules of the header row, read from a screenshot."""
    path = SHOTS / "readable_header.png"
    grid.screenshot(path=str(path))
    image = Image.open(path).convert("RGB")
    y = 4  # above the header text
    row = [image.getpixel((x, y)) for x in range(image.width)]
    background = Counter(row).most_common(1)[0][0]
    rules = [0]
    for x in range(3, image.width - 3):
        if sum(abs(a - b) for a, b in zip(row[x], background)) > 12 and x - rules[-1] > 20:
            rules.append(x)
    assert len(rules) == columns, f"{len(rules) - 1} rules between {columns} columns"
    return [b - a for a, b in zip(rules, [*rules[1:], image.width])]


def downloaded_rows(page, button) -> list[dict]:
    with page.expect_download() as download:
        button.click()
    return list(csv.DictReader(io.StringIO(download.value.path().read_bytes().decode("utf-8-sig"))))


def assert_readable(page, grid, button, listed, sentence: str) -> int:
    """Every cell of `grid` fits its row or is written out in `listed` under the grid; returns
    how many cells needed more than one line. `button` downloads the grid's rows."""
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    rows = downloaded_rows(page, button)
    header = list(rows[0])
    texts = [[r[c] or "—" for c in header] for r in rows]
    scroll = grid.evaluate(
        "g => { const s = g.querySelector('.dvn-scroller'); return [s.scrollWidth, s.clientWidth, s.scrollHeight]; }"
    )
    assert scroll[0] <= scroll[1], f"columns reach {scroll[0]} px in a grid {scroll[1]} px wide"
    row_px = (scroll[2] - HEADER_PX) / len(rows)
    fits = int((row_px - 2 * VERTICAL_PADDING_PX) // LINE_PX) if row_px > 64 else 1  # it wraps above 4 rem
    widths = column_widths(grid, len(header))
    lines = grid.evaluate(LINES_JS, [texts, widths])
    wrapped = 0
    for row, row_lines in zip(texts, lines):
        for column, text, n in zip(header, row, row_lines):
            wrapped += n > 1
            if n <= fits:
                continue
            item = listed.filter(has_text=text[:40])
            expect(item.first).to_be_visible(timeout=TIMEOUT_MS)
            assert text in item.first.inner_text(), (column, text)
            assert item.first.evaluate("e => e.scrollWidth <= e.clientWidth"), (column, text)
    assert any(n > 1 for row_lines in lines for n in row_lines[header.index(sentence) : header.index(sentence) + 1])
    return wrapped


def shots(page, name: str, target) -> None:
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(800)
        target.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"readable_{name}_{width}x{height}.png"))
    page.set_viewport_size({"width": 1280, "height": 720})


def test_evidence_details_are_readable_at_1280(demo, browser):  # noqa: F811
    context, page = logged_in(browser, demo, "leader")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_role("heading", name="排名总览").wait_for()
    page.get_by_role("link", name="部门详情").click()
    page.get_by_role("heading", name="部门详情").wait_for()
    wait_idle(page)
    pick(page, "部门", "市统计局（市直部门）", typed="市统计局")
    pick(page, "考核周期", "2026年8月")
    expect(page.get_by_role("heading", name="市统计局", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    box = page.locator("[data-testid='stExpander']").filter(has=page.get_by_text("逾期或未按时更新的资源（"))
    grid = box.get_by_test_id("stDataFrame").first
    assert assert_readable(page, grid, box.get_by_role("button", name="下载 CSV"), box.locator("li"), "详情") > 0
    shots(page, "evidence", grid)
    context.close()


def test_gain_actions_are_readable_at_1280(demo, browser):  # noqa: F811
    context, page = logged_in(browser, demo, "tongji")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_role("heading", name="我的得分").wait_for()
    wait_idle(page)
    session_cookie(context)  # the page fetches it after the login
    page.goto(f"{demo}/my_scores?period=2026-08")  # a link keeps the period (the session cookie keeps the login)
    page.get_by_role("heading", name="我的得分").wait_for()
    wait_idle(page)
    expect(page.get_by_role("combobox", name="考核周期")).to_have_value("2026年8月", timeout=TIMEOUT_MS)
    after = (
        "xpath=//h3[contains(., '提分清单')]/ancestor::div[@data-testid='stElementContainer'][1]/following-sibling::*"
    )
    grid = page.locator(f"{after}//div[@data-testid='stDataFrame']").first  # the first table under the heading
    button = page.locator(f"{after}//button[contains(., '下载 CSV')]").first
    assert assert_readable(page, grid, button, page.locator(f"{after}//li"), "怎么做") > 0
    shots(page, "gains", grid)
    context.close()
