"""The many-users measurement, small: one session of each role alone and three at once on the
dashboard test store, none failing, and its report section from a hand-made result."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.report import users_section
from bench.runner import BenchConfig, Results
from bench.users import CHROMIUM, time_users
from data.db import make_engine
from data.migrate import upgrade
from tests.dashboard import score_fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_every_role_walks_its_path_alone_and_together(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (make system-deps)")
    url = f"sqlite:///{tmp_path / 'paoban.db'}"
    engine = make_engine(url)
    upgrade(engine)
    score_fixture.load(engine)
    engine.dispose()
    result = time_users(url, 3, None, tmp_path / "users.log")
    assert result["errors"] == []
    assert set(result["together"]) == set(result["alone"]) == {"leader", "inspector", "department"}
    assert result["together"]["department"]["消息"]["n"] == 1 and result["alone"]["leader"]["部门详情"]["n"] == 2
    assert result["dashboard_peak_rss_mb"] > 0 and result["collector_ran"] is False


def test_the_report_section_sets_each_step_beside_its_time_alone():
    step = {"n": 2, "p50": 1.5, "p95": 2.0}
    results = Results(BenchConfig(sizes=(1,), engines=("sqlite",)))
    results.users.append(
        {
            "engine": "sqlite",
            "rows": 1_000_000,
            "day_rows": 2739,
            "users": 20,
            "alone": {"leader": {"部门详情": {"n": 2, "p50": 0.5, "p95": 0.6}}},
            "together": {"leader": {"部门详情": step}},
            "errors": [],
            "together_wall_s": 42.0,
            "dashboard_peak_rss_mb": 612.4,
            "collector_exit": 0,
            "collector_finished_during": True,
        }
    )
    text = "\n".join(users_section(results))
    assert "| sqlite | 1,000,000 | leader | 部门详情 | 0.50 | 1.50 | 2.00 | 3.00× |" in text
    assert "| sqlite | 1,000,000 | 20 | 0 | 42.0 | 612 | 2,739 rows, exit 0 |" in text
