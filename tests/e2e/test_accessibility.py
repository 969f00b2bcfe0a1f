"""axe-core in a real Chromium on 排名总览, 部门详情 and 我的得分: no color-contrast or label
violations, at 1440×900 and at a laptop's 1280×720, with a screenshot of each first screen in
test-artifacts/screenshots/. At 1280×720 the ranking's tier counts and first rows are on the
first screen and the table needs no sideways scrolling; 部门详情's anchor list reaches its sections.

axe-core comes bundled in axe-playwright-python (requirements.txt), injected into the page.
The ranking table and the charts draw on canvas/SVG, which axe does not read: their cell
colours are checked by the WCAG formula in tests/dashboard/test_colours.py. No selector is
excluded: every violation axe found in these pages was in our markup and is fixed.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.test_browser import SHOTS, TIMEOUT_MS, browser, logged_in, open_page, server, wait_idle  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZES = ((1440, 900), (1280, 720))
RULES = {"runOnly": {"type": "rule", "values": ["color-contrast", "label"]}, "resultTypes": ["violations"]}


def violations(page) -> list[str]:
    found = Axe().run(page, options=RULES).response["violations"]
    return [f"{v['id']}: {n['target']} {n['failureSummary']}" for v in found for n in v["nodes"]]


LOADED = """() => {
    const shown = sel => [...document.querySelectorAll(sel)].filter(e => e.checkVisibility());
    return !shown("[data-testid^='stSkeleton'], [data-testid='stAppSkeleton']").length
        && shown("[data-testid='stDataFrame']").every(g => g.querySelector('canvas'));
}"""


def settled(page) -> None:
    """Streamlit draws grey placeholders until a widget's code has loaded, and a grid's canvas
    after that: axe and the screenshot must see the real widgets (those in a closed expander
    or tab are not drawn at all)."""
    page.wait_for_function(LOADED, timeout=TIMEOUT_MS)
    page.wait_for_selector("[data-testid='stSelectbox']", timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)  # let the grid and plotly redraw at the new size


def check(page, name: str, ready) -> None:
    """At each size: wait for the page, save its first screen, and run axe on it."""
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        ready.wait_for()
        wait_idle(page)
        settled(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"a11y_{name}_{width}x{height}.png"))
        assert violations(page) == [], (name, width)


def test_ranking_is_readable_and_fits_a_laptop_screen(server, browser):  # noqa: F811
    context, page = logged_in(browser, server[0], "leader")
    check(page, "ranking", page.get_by_role("tab", name="进退步"))
    # 1280×720: the tier counts and the first rows are on the first screen ...
    expect(page.get_by_test_id("stMetricLabel").filter(has_text="较差")).to_be_in_viewport()
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    assert box["y"] + 3 * 35 <= 720, box  # header and the first two rows
    # ... and every column fits: the grid does not scroll sideways
    scroller = grid.locator(".dvn-scroller").first
    assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), scroller.evaluate(
        "e => [e.scrollWidth, e.clientWidth]"
    )
    context.close()


def test_department_page_anchor_list_and_contrast(server, browser):  # noqa: F811
    context, page = logged_in(browser, server[0], "leader")
    page.get_by_role("button", name="打开部门详情").click()
    check(page, "department", page.get_by_role("heading", name="月度总分走势"))
    page.get_by_role("link", name="问题清单", exact=True).click()
    expect(page.get_by_role("heading", name="问题清单（证据）")).to_be_in_viewport(timeout=TIMEOUT_MS)
    context.close()


def test_my_scores_contrast_and_labels(server, browser):  # noqa: F811
    context, page = logged_in(browser, server[0], "weijian")
    check(page, "my_scores", page.get_by_role("heading", name="我的得分"))
    context.close()


ROLE_USERS = {"leader": "leader", "inspector": "inspector", "department": "weijian", "admin": "root"}


def nav_titles(page) -> list[str]:
    nav = page.get_by_test_id("stSidebarNav")
    nav.wait_for()
    # a link's text starts with its icon's ligature name ("leaderboard"): the title is its last line
    return [t.strip().splitlines()[-1].strip() for t in nav.get_by_role("link").all_inner_texts()]


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_every_page_of_every_role_has_no_contrast_or_label_violation(server, browser, role):  # noqa: F811
    """Each page the role's navigation offers, opened from it, at both sizes."""
    context, page = logged_in(browser, server[0], ROLE_USERS[role])
    titles = nav_titles(page)
    assert titles, role
    found = {}
    for title in titles:
        heading = page.get_by_role("heading", level=1).filter(has_text=title.split("（")[0]).first
        open_page(page, title, heading)
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            heading.wait_for()
            wait_idle(page)
            page.wait_for_function(LOADED, timeout=TIMEOUT_MS)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(SHOTS / f"a11y_{role}_{title.split('（')[0]}_{width}x{height}.png"))
            if problems := violations(page):
                found[(title, width)] = problems
    context.close()
    assert found == {}, found
