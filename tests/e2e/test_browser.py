"""End to end in a real headless Chromium: log in, read the ranking, open a department,
download the Excel export and check a value in it; a screenshot of every page goes to
test-artifacts/screenshots/.

Uses Debian's /usr/bin/chromium through Playwright (never `playwright install`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from sqlalchemy import select

from data.db import make_engine
from data.migrate import upgrade
from data.models import AuditLog
from data.users import create_user
from tests.dashboard import score_fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "e2e-password-1"
TIMEOUT_MS = 60_000  # CI runs two test processes on two cores beside the dashboard and Chromium


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dashboard exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("dashboard did not become healthy")


def need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (make system-deps)")


@contextmanager
def dashboard_server(tmp: Path, launcher: tuple[str, ...] = ("-m", "dashboard"), **env_extra: str):
    """The real launcher (or a wrapper of it, such as tests/e2e/pinned.py) on a free
    loopback port, against a temp store holding the fixture; yields (base URL, store URL)."""
    need_chromium()
    url = f"sqlite:///{tmp / 'paoban.db'}"
    engine = make_engine(url)
    upgrade(engine)
    fx = score_fixture.load(engine)
    with engine.begin() as conn:
        create_user(conn, "leader", "leader", PASSWORD, actor="e2e")
        create_user(conn, "root", "admin", PASSWORD, actor="e2e")
        create_user(conn, "inspector", "inspector", PASSWORD, actor="e2e")
        create_user(conn, "weijian", "department", PASSWORD, actor="e2e", dept_id=fx.dept["市卫健委"])
    engine.dispose()
    with served(tmp, url, launcher, **env_extra) as base:
        yield base, url


@contextmanager
def served(tmp: Path, url: str, launcher: tuple[str, ...], port: int | None = None, **env_extra: str):
    """The launcher on a loopback port (a free one unless given) against the store at `url`;
    yields the base URL."""
    port = port or free_port()
    env = {**os.environ, "DATABASE_URL": url, "PAOBAN_VAR_DIR": str(tmp), **env_extra}
    log = open(tmp / "streamlit.log", "wb")  # noqa: SIM115 - the server outlives this block; closed in finally
    proc = subprocess.Popen(
        [
            sys.executable,
            *launcher,
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--server.headless=true",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with dashboard_server(tmp_path_factory.mktemp("e2e")) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def shot(page, name: str) -> None:
    """Screenshot of the whole page: Streamlit scrolls inside its main block, so the
    viewport is stretched to the content's height first."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], section')]"
        ".map(e => e.scrollHeight), 900)"
    )
    page.set_viewport_size({"width": 1440, "height": min(int(height) + 40, 12000)})
    page.wait_for_timeout(1500)  # let plotly redraw at the new size
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})


def logged_in(browser, base: str, username: str):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    return context, page


IDLE_APP = "[data-testid='stApp'][data-test-connection-state='CONNECTED'][data-test-script-state='notRunning']"


def wait_idle(page) -> None:
    """Until the app is connected and no script run is going on (the app root says so in its
    data-test-* attributes at once; the running indicator shows only after a delay)."""
    page.wait_for_selector(IDLE_APP, timeout=TIMEOUT_MS)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=TIMEOUT_MS)


def open_page(page, link: str, heading=None, tries: int = 3) -> None:
    """Open a page from the sidebar navigation and wait for its heading (by default the
    page's h1 named like the link). Under CI load a click can land while a rerun redraws
    the navigation and be lost (CI once waited 60 s for 数据源状态 after such a click),
    so the link is clicked again when the heading has not come within a share of the wait."""
    nav = page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).first
    target = heading if heading is not None else page.get_by_role("heading", name=link, exact=True, level=1)
    for _ in range(tries):
        nav.click()
        try:
            target.first.wait_for(timeout=TIMEOUT_MS // tries)
            break
        except PlaywrightTimeout:
            continue
    else:
        body = page.inner_text("body")[:800]
        raise AssertionError(f"{link} did not open after {tries} clicks; the page reads:\n{body}")
    wait_idle(page)


def test_leader_ranking_department_and_excel(server, browser, tmp_path):
    base, url = server
    context, page = logged_in(browser, base, "leader")
    page.get_by_role("heading", name="排名总览").wait_for()
    page.get_by_role("tab", name="进退步").wait_for()
    wait_idle(page)
    # expect() retries until the page settles: read at once under CI load it once saw "1"
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("3", timeout=TIMEOUT_MS)  # 参评部门
    shot(page, "ranking")

    with page.expect_download() as download:
        page.get_by_role("button", name="下载 Excel 工作簿").click()
    saved = tmp_path / "ranking.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved)["排名"]
    header = [c.value for c in sheet[1]]  # read by column name: the ranking gains columns (排名区间)
    rows = {r["部门"]: r for r in (dict(zip(header, v)) for v in sheet.iter_rows(min_row=2, values_only=True))}
    assert rows["市公安局"]["总分"] == 92.5 and rows["市公安局"]["等次"] == "优秀"
    assert rows["市卫健委"]["排名"] == 3
    engine = make_engine(url)
    with engine.connect() as conn:
        audit = conn.execute(
            select(AuditLog.actor, AuditLog.action, AuditLog.target).where(AuditLog.action == "export")
        ).all()
    engine.dispose()
    assert audit == [("leader", "export", "ranking:city_dept")]

    page.get_by_role("button", name="打开部门详情").click()
    page.get_by_role("heading", name="部门详情").wait_for()
    page.get_by_role("button", name="下载证据 Excel 工作簿").wait_for()
    wait_idle(page)
    expect(page.get_by_test_id("stMetricValue").first).to_contain_text("92.50", timeout=TIMEOUT_MS)
    shot(page, "department")
    context.close()


def test_clicking_a_ranking_row_opens_that_department(server, browser):
    base, _ = server
    context, page = logged_in(browser, base, "leader")
    page.get_by_role("tab", name="进退步").wait_for()
    wait_idle(page)
    grid = page.get_by_test_id("stDataFrame").first.bounding_box()
    # the selection checkbox of the third row (市卫健委): header and rows are 35 px high
    page.mouse.click(grid["x"] + 16, grid["y"] + 35 + 2 * 35 + 17)
    page.get_by_role("heading", name="部门详情").wait_for()
    page.get_by_role("heading", name="市卫健委").wait_for()
    wait_idle(page)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("55.00", timeout=TIMEOUT_MS)
    context.close()


def test_department_user_my_scores(server, browser):
    context, page = logged_in(browser, server[0], "weijian")
    page.get_by_role("heading", name="我的得分").wait_for()
    page.get_by_role("button", name="下载本部门得分与提分清单（Excel）").wait_for()
    wait_idle(page)
    # expect() retries: under CI load the body was once read while a rerun was still drawing the scores
    expect(page.locator("body")).to_contain_text("55.00", timeout=TIMEOUT_MS)
    assert "市公安局" not in page.inner_text("body")
    shot(page, "my_scores")
    context.close()


def test_admin_sources(server, browser):
    context, page = logged_in(browser, server[0], "root")
    open_page(page, "数据源状态")
    page.get_by_text("方案原文（TOML）").wait_for()
    wait_idle(page)
    shot(page, "sources")
    context.close()


def test_login_page(server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(server[0])
    page.get_by_role("button", name="登录").wait_for(timeout=TIMEOUT_MS)
    shot(page, "login")
    context.close()
