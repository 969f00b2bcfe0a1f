"""Many users at once: N browser sessions (Playwright contexts in one headless Chromium),
logged in as leaders, inspectors and department liaisons, each walking its role's path
(open the landing page, a second page, an export) against one dashboard process, first one
user alone, then all together while a collector ingests a day's file; page times (click to
the page drawn and idle), errors, and the dashboard process's peak memory.

Run as `python -m bench.users URL [--users 20] [--ingest-config FILE]` in a child process;
it prints one JSON line. Chromium is Debian's (`make system-deps`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.process import ROOT

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Bench-2026-users!"
TIMEOUT_MS = 300_000  # a step still waiting after five minutes is an error, not a slow page
# role → its path after logging in: ("page", link) opens a page, ("export", button) downloads
PATHS = {
    "leader": (("page", "部门详情"), ("export", "下载证据 Excel 工作簿")),
    "inspector": (("page", "督查督办"), ("export", "下载整改台账（Excel）")),
    "department": (("export", "下载本部门得分与提分清单（Excel）"), ("page", "消息")),
}
LANDING = {"leader": "排名总览", "inspector": "排名总览", "department": "我的得分"}
ROLE_CYCLE = ("leader", "inspector", "department", "department")


def create_users(url: str, n: int) -> list[tuple[str, str]]:
    """(username, role) of n bench users, department users spread over the departments."""
    from sqlalchemy import select

    from data.db import make_engine
    from data.models import AppUser, Department
    from data.users import create_user

    engine = make_engine(url)
    users = []
    with engine.begin() as conn:
        depts = list(conn.execute(select(Department.id).order_by(Department.id)).scalars())
        known = set(conn.execute(select(AppUser.username)).scalars())
        for i in range(n):
            role = ROLE_CYCLE[i % len(ROLE_CYCLE)]
            name = f"bench-{role}-{i}"
            if name not in known:
                dept = depts[i % len(depts)] if role == "department" else None
                create_user(conn, name, role, PASSWORD, actor="bench", dept_id=dept)
            users.append((name, role))
    engine.dispose()
    return users


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_dashboard(url: str, var_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PAOBAN_VAR_DIR": str(var_dir)}
    log = (var_dir / "dashboard.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dashboard",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--server.headless=true",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"dashboard did not start (see {var_dir / 'dashboard.log'})")


def peak_rss_mb(pid: int) -> float:
    """VmHWM of the process: its peak resident set since it started."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _idle(page) -> None:
    await page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=TIMEOUT_MS)


async def _timed(times: dict, step: str, action) -> None:
    start = time.monotonic()
    await action()
    times.setdefault(step, []).append(time.monotonic() - start)


async def walk(browser, base: str, username: str, role: str, times: dict, errors: list) -> None:
    """One user's path: log in to the landing page, then its role's pages and exports."""
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    async def open_page(title: str) -> None:
        await page.get_by_role("heading", name=title, exact=True, level=1).wait_for()
        await _idle(page)

    async def log_in():
        await page.get_by_role("button", name="登录").click()
        await open_page(LANDING[role])

    def step(kind: str, name: str):
        async def click_link():
            await page.get_by_role("link", name=name).click()
            await open_page(name)

        async def download():
            async with page.expect_download() as info:
                await page.get_by_role("button", name=name).first.click()
            await (await info.value).path()

        return click_link if kind == "page" else download

    try:
        await page.goto(base + "/")
        await page.get_by_label("用户名").fill(username)
        await page.get_by_label("密码").fill(PASSWORD)
        await _timed(times, "登录→" + LANDING[role], log_in)
        for kind, name in PATHS[role]:
            await _timed(times, name, step(kind, name))
        if await page.locator("[data-testid='stException']").count():
            errors.append(f"{username}: the page shows an exception")
    except Exception as exc:  # noqa: BLE001 - every failure of a session is a finding, counted
        errors.append(f"{username}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    finally:
        await context.close()


def _summary(times: dict) -> dict:
    out = {}
    for step, values in times.items():
        values = sorted(values)
        out[step] = {
            "n": len(values),
            "p50": statistics.median(values),
            "p95": values[min(len(values) - 1, round(0.95 * (len(values) - 1)))],
        }
    return out


async def measure(base: str, users: list[tuple[str, str]], alone_runs: int, ingest: list[str] | None) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        alone, alone_errors = {}, []
        for role in dict.fromkeys(role for _, role in users):  # each role's path alone, after a warm-up walk
            username = next(u for u, r in users if r == role)
            await walk(browser, base, username, role, {}, alone_errors)
            for _ in range(alone_runs):
                await walk(browser, base, username, role, alone.setdefault(role, {}), alone_errors)
        collector = (
            subprocess.Popen(ingest, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) if ingest else None
        )
        together, errors = {}, []
        start = time.monotonic()
        await asyncio.gather(*(walk(browser, base, u, r, together.setdefault(r, {}), errors) for u, r in users))
        wall = time.monotonic() - start
        ingest_done = collector is not None and collector.poll() is not None
        if collector is not None:
            collector.wait()
        await browser.close()
    return {
        "alone": {role: _summary(t) for role, t in alone.items()},
        "together": {role: _summary(t) for role, t in together.items()},
        "errors": alone_errors + errors,
        "together_wall_s": wall,
        "collector_ran": collector is not None,
        "collector_finished_during": ingest_done,
        "collector_exit": collector.returncode if collector is not None else None,
    }


def time_users(url: str, users: int, ingest_config: Path | None, log: Path) -> dict:
    from bench.process import run_child

    args = ["-m", "bench.users", url, "--users", str(users)]
    if ingest_config is not None:
        args += ["--ingest-config", str(ingest_config)]
    child = run_child(args, env={"DATABASE_URL": url}, log=log)
    return json.loads(child.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.users")
    parser.add_argument("url")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--alone-runs", type=int, default=2, help="walks of each role's path alone; all count")
    parser.add_argument("--ingest-config", help="sources.toml whose exchange source the collector runs meanwhile")
    args = parser.parse_args(argv)
    users = create_users(args.url, args.users)
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_dashboard(args.url, Path(tmp))
        try:
            ingest = (
                [
                    sys.executable,
                    "-m",
                    "collectors",
                    "once",
                    "--config",
                    args.ingest_config,
                    "--source",
                    "bench-exchange",
                ]
                if args.ingest_config
                else None
            )
            result = asyncio.run(measure(base, users, args.alone_runs, ingest))
            result["dashboard_peak_rss_mb"] = peak_rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    result["users"] = args.users
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
