"""部门详情's 部门 picker in a real Chromium: every choice shows the chosen department,
also after a period change and after arriving from a ranking row click (issue #17)."""

from __future__ import annotations

import pytest

from tests.e2e.test_browser import browser, logged_in, server, wait_idle  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def pick(page, label: str, option: str) -> None:
    """Open a Streamlit selectbox by its label and click one option."""
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option).click()
    wait_idle(page)


def heading_is(page, name: str) -> None:
    page.get_by_role("heading", name=name, exact=True).wait_for()
    wait_idle(page)
    headings = page.get_by_role("heading", level=3).all_inner_texts()
    assert name in headings, headings


def test_every_pick_shows_the_chosen_department(server, browser):  # noqa: F811
    base, _ = server
    context, page = logged_in(browser, base, "leader")
    page.get_by_role("tab", name="进退步").wait_for()
    wait_idle(page)
    grid = page.get_by_test_id("stDataFrame").first.bounding_box()
    # the selection checkbox of the third row (市卫健委): header and rows are 35 px high
    page.mouse.click(grid["x"] + 16, grid["y"] + 35 + 2 * 35 + 17)
    page.get_by_role("heading", name="部门详情").wait_for()
    heading_is(page, "市卫健委")
    for name in ["市公安局", "市人社局", "市卫健委", "市公安局"]:
        pick(page, "部门", f"{name}（市直部门）")
        heading_is(page, name)
    pick(page, "考核周期", "2026年11月（进行中）")
    heading_is(page, "市公安局")
    for name in ["市人社局", "市卫健委"]:
        pick(page, "部门", f"{name}（市直部门）")
        heading_is(page, name)
    context.close()
