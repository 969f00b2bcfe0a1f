"""Server-side render time of dashboard pages (Streamlit AppTest), as a leader sees them.

Run as `python -m bench.pages URL REPEAT` in a child process: the dashboard reads the
store named by DATABASE_URL through cached engines, so each store gets a fresh process.
Each page is run once to import and warm the process, then st.cache_data is cleared and
the page is timed from a new session, best of REPEAT, so the time is reading the store
and rendering, not importing.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from bench.process import ROOT, run_child

PAGES = {"ranking": "dashboard/views/ranking.py", "department": "dashboard/views/department.py"}
BENCH_USER = "bench-leader"
PAGE_TIMEOUT_S = 600
LOGIN_HEADING = "用户登录"


def time_pages(url: str, repeat: int, log: Path) -> dict[str, float]:
    child = run_child(["-m", "bench.pages", url, str(repeat)], env={"DATABASE_URL": url}, log=log)
    return json.loads(child.stdout.strip().splitlines()[-1])


def _leader(engine):
    from data.users import active_viewer, create_user, generate_password

    with engine.begin() as conn:
        if active_viewer(conn, BENCH_USER) is None:
            create_user(conn, BENCH_USER, "leader", generate_password(), actor="bench")
        return active_viewer(conn, BENCH_USER)


def _busiest_department(engine) -> int:
    from sqlalchemy import func, select

    from data.models import ExchangeDaily

    with engine.connect() as conn:
        return conn.execute(
            select(ExchangeDaily.provider_dept_id)
            .group_by(ExchangeDaily.provider_dept_id)
            .order_by(func.sum(ExchangeDaily.calls).desc())
            .limit(1)
        ).scalar_one()


def _render(page: str, viewer, dept_id: int) -> tuple[float, float]:
    """Wall and CPU seconds of one run of the page's script in a new session."""
    from streamlit.testing.v1 import AppTest

    from dashboard.auth import LAST_SEEN_KEY, VIEWER_KEY
    from data.clock import utcnow

    at = AppTest.from_file(str(ROOT / page), default_timeout=PAGE_TIMEOUT_S)
    at.session_state[VIEWER_KEY] = viewer
    at.session_state[LAST_SEEN_KEY] = utcnow()
    at.session_state["selected_dept_id"] = dept_id
    at.query_params["dept"] = str(dept_id)
    started, started_cpu = time.perf_counter(), time.process_time()
    at.run()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].message}\n{at.exception[0].stack_trace}")
    if any(h.value == LOGIN_HEADING for h in at.subheader):
        raise RuntimeError(f"{page} showed the login form instead of the page")
    return elapsed, cpu


def main(url: str, repeat: int) -> dict[str, float]:
    import streamlit as st

    from data.db import get_engine

    os.environ["DATABASE_URL"] = url
    engine = get_engine()
    viewer = _leader(engine)
    dept_id = _busiest_department(engine)
    times = {}
    for name, page in PAGES.items():
        _render(page, viewer, dept_id)
        runs = []
        for _ in range(repeat):
            st.cache_data.clear()
            runs.append(_render(page, viewer, dept_id))
        times[name] = min(wall for wall, _ in runs)
        times[f"{name}_cpu"] = min(cpu for _, cpu in runs)
    return times


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))))
