"""AppTest of every dashboard page, logged in through the real login form.

The numbers on a page must equal the stored snapshot (tests/dashboard/score_fixture.py),
pickers must switch period and category, the drill-down must reach the right department,
and a department viewer must not reach another department by query parameter or state.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data.clock import utcnow
from data.db import forget_engines, get_engine
from data.users import create_user
from data.viewer import Viewer
from metrics import snapshots
from tests.dashboard.conftest import PASSWORD, login
from tests.dashboard.score_fixture import CITY, DISTRICT, INDICATOR_ROWS, TOTALS
from tests.metrics.store import seed

PAGES = Path(__file__).resolve().parents[2] / "dashboard" / "views"


def page_text(at: AppTest) -> str:
    """Everything a person could read on the page, as one string."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "error", "warning", "code"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [e.label for e in at.expander]
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    for box in at.selectbox:
        parts += list(box.options)
    return "\n".join(parts)


def ranking_rows(at: AppTest) -> list[tuple]:
    table = at.dataframe[0].value
    return list(zip(table["排名"], table["部门"], table["总分"], table["等次"], table["变化"]))


def expected_rows(period: str, names: list[str]) -> list[tuple]:
    arrows = {}
    for name in names:
        rank, prev = TOTALS[period][name][2], TOTALS[period][name][4]
        arrows[name] = (
            "新"
            if prev is None
            else ("—" if prev == rank else (f"↑{prev - rank}" if prev > rank else f"↓{rank - prev}"))
        )
    rows = [(TOTALS[period][n][2], n, TOTALS[period][n][0], TOTALS[period][n][1], arrows[n]) for n in names]
    return sorted(rows)


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"views/{page}").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_ranking_numbers_period_and_category(app):
    at = open_page(login(app, "leader"), "ranking.py")
    # default: the latest complete period (2026-11 is still running on its as_of)
    assert at.selectbox(key="ranking_period_month").value == "2026-10"
    assert ranking_rows(at) == expected_rows("2026-10", CITY)
    assert ranking_rows(at)[:2] == [(1, "市公安局", 92.5, "优秀", "↑1"), (2, "市人社局", 81.25, "良好", "↓1")]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["平均分"] == "76.25"  # (92.5 + 81.25 + 55.0) / 3

    at.radio(key="ranking_category").set_value("district").run()
    assert ranking_rows(at) == expected_rows("2026-10", DISTRICT)

    at.selectbox(key="ranking_period_month").set_value("2026-09").run()
    # the published September snapshot, not the later 'current' recomputation
    assert ranking_rows(at) == expected_rows("2026-09", DISTRICT)

    at.radio(key="ranking_kind").set_value("quarter").run()
    at.radio(key="ranking_category").set_value("city_dept").run()
    assert ranking_rows(at) == expected_rows("2026-Q3", CITY)
    assert not at.exception


def test_ranking_dimension_columns_and_downloads(app):
    at = open_page(login(app, "leader"), "ranking.py")
    table = at.dataframe[0].value.set_index("部门")
    assert table.loc["市公安局", "数据共享"] == pytest.approx(93.1)
    assert table.loc["市卫健委", "数据更新"] == pytest.approx(12.5)
    keys = {b.key for b in at.get("download_button")}
    assert {"ranking_xlsx", "ranking_docx", "ranking_csv"} <= keys


def test_drill_down_reaches_the_chosen_department(app, dashboard_store):
    at = open_page(login(app, "inspector"), "ranking.py")
    at.selectbox(key="ranking_drill").set_value(dashboard_store.fixture.dept["市卫健委"])
    at.button(key="ranking_open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "部门详情"
    assert at.query_params["dept"] == str(dashboard_store.fixture.dept["市卫健委"])
    metrics = [(m.label, m.value) for m in at.metric]
    assert metrics[:3] == [("总分", "55.00"), ("排名", "第 3 名"), ("等次", "较差")]
    scores = [m.value for m in at.metric if m.label == "得分"]
    # cards in the scheme's order: mount_rate, call_success, update_on_time, complaints_per_10k
    assert scores == [
        f"{INDICATOR_ROWS['市卫健委'][k][1]:.2f}"
        for k in ("mount_rate", "call_success", "update_on_time", "complaints_per_10k")
    ]
    text = page_text(at)
    assert "医疗机构执业登记信息" in text and "'=出生医学证明信息" not in text


def test_department_page_by_query_parameter_shows_call_evidence(app, dashboard_store):
    at = login(app, "inspector")
    at.query_params["dept"] = str(dashboard_store.fixture.dept["市公安局"])
    open_page(at, "department.py")
    assert at.metric[0].value == "92.50"
    faults = next(f.value for f in at.dataframe if "错误码" in f.value.columns and "失败次数" in f.value.columns)
    # TIMEOUT c1 c2 c3 c5 = 4, AUTH c4 c6 = 2, EARLY c8 = 1 (c7 falls in November local time);
    # TIMEOUT is in data/fault_codes.toml, so its label shows with the code beside it
    assert list(zip(faults["错误码"], faults["失败次数"])) == [("调用超时（TIMEOUT）", 4), ("AUTH", 2), ("EARLY", 1)]
    assert "市人社局办事排队时间长" not in page_text(at)


def test_my_scores_shows_own_scores_gains_and_nothing_of_others(app, dashboard_store):
    fx = dashboard_store.fixture
    at = login(app, dashboard_store.dept_user("市卫健委"))
    # planted values for another department change nothing
    at.query_params["dept"] = str(fx.dept["市公安局"])
    at.session_state["selected_dept_id"] = fx.dept["市公安局"]
    open_page(at, "my_scores.py")
    metrics = [(m.label, m.value) for m in at.metric]
    assert metrics[:3] == [("总分", "55.00"), ("排名", "第 3 名"), ("等次", "较差")]
    gains = next(f.value for f in at.dataframe if "可提分" in f.value.columns)
    assert list(gains["可提分"]) == [2.5, 1.25]
    assert list(gains["临近期限"]) == ["", "是"]
    text = page_text(at)
    for other in CITY + DISTRICT:
        if other != "市卫健委":
            assert other not in text
    assert "共 3 个参评单位中排第 3 名" in text


def test_department_page_refuses_another_department_to_a_department_viewer(dashboard_store):
    """department.py run directly (navigation would hide it) shows nothing of the department asked for."""
    fx = dashboard_store.fixture
    at = AppTest.from_file(PAGES / "department.py", default_timeout=30)
    at.session_state["viewer"] = Viewer(
        dashboard_store.dept_user("市卫健委"), "department", dept_id=fx.dept["市卫健委"]
    )
    at.session_state["last_seen"] = utcnow()
    at.query_params["dept"] = str(fx.dept["市公安局"])
    at.run()
    assert not at.exception
    assert at.error and "无权" in at.error[0].value
    assert "92.50" not in page_text(at) and "市公安局" not in page_text(at)


def test_sources_page_for_administrators(app):
    at = open_page(login(app, "root"), "sources.py")
    runs = at.dataframe[0].value.set_index("数据源")
    assert runs.loc["exchange_log", "最近一次状态"] == "失败"
    assert "权限不足" in runs.loc["exchange_log", "错误信息"]
    assert runs.loc["complaints", "隔离行累计"] == 2
    held = at.dataframe[1].value
    assert list(held["行号"]) == [9, 7]
    assert "未知部门 '市人設局'：请在部门别名中添加" in list(held["原因"])
    assert any("exchange_log" in e.value for e in at.error)
    assert "资源挂接率" in page_text(at)


def test_an_administrator_asks_for_a_replay_on_the_sources_page(app):
    at = open_page(login(app, "root"), "sources.py")
    next(b for b in at.selectbox if b.label == "重放的数据源").select("complaints")
    next(t for t in at.text_input if t.label.startswith("只重放原因")).input("未知部门")
    next(b for b in at.button if b.label == "申请重放").click().run()
    assert not at.exception, [e.value for e in at.exception]
    asks = next(f.value for f in at.dataframe if "原因前缀" in f.value.columns)
    assert list(asks[["数据源", "原因前缀", "申请人", "状态"]].itertuples(index=False, name=None)) == [
        ("complaints", "未知部门", "root", "等待采集进程处理")
    ]
    next(b for b in at.button if b.label == "申请重放").click().run()
    assert any("已有一个相同的重放申请" in e.value for e in at.error)


@pytest.fixture
def empty_app(db_url, monkeypatch) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", db_url)
    forget_engines()
    import streamlit as st

    st.cache_data.clear()
    with get_engine().begin() as conn:
        for username, role in (("leader", "leader"), ("root", "admin")):
            create_user(conn, username, role, PASSWORD, actor="fixture")
    yield AppTest.from_file(PAGES.parent / "app.py", default_timeout=30)
    st.cache_data.clear()
    forget_engines()


def test_empty_store_says_what_to_do(empty_app):
    at = open_page(login(empty_app, "leader"), "ranking.py")
    assert "python -m data demo" in at.info[0].value
    at = open_page(login(AppTest.from_file(PAGES.parent / "app.py", default_timeout=30), "root"), "sources.py")
    assert "还没有任何采集记录" in at.info[0].value


@pytest.fixture
def scored_app(db_url, monkeypatch) -> AppTest:
    """A small city scored by the real metrics package for 2026-10, and a leader account."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    forget_engines()
    import streamlit as st

    st.cache_data.clear()
    engine = get_engine()
    seed(engine)
    assessment = snapshots.compute(engine, "2026-10")
    with engine.begin() as conn:
        snapshots.write_snapshot(conn, assessment)
        create_user(conn, "leader", "leader", PASSWORD, actor="fixture")
    yield AppTest.from_file(PAGES.parent / "app.py", default_timeout=30)
    st.cache_data.clear()
    forget_engines()


@pytest.mark.slow
def test_ranking_page_equals_the_metrics_cli(scored_app, db_url):
    out = subprocess.run(
        [sys.executable, "-m", "metrics", "score", "--period", "2026-10", "--format", "json"],
        env={**os.environ, "DATABASE_URL": db_url},
        capture_output=True,
        text=True,
        cwd=PAGES.parents[1],
    )
    assert out.returncode == 0, out.stderr
    cli = {d["部门"]: d for d in json.loads(out.stdout)["departments"]}
    at = open_page(login(scored_app, "leader"), "ranking.py")
    compared = 0
    for category in ("city_dept", "district"):
        at.radio(key="ranking_category").set_value(category).run()
        for row in at.dataframe[0].value.to_dict("records"):
            expected = cli.pop(row["部门"])
            for column in ("排名", "总分", "等次", "数据共享", "数据更新", "投诉", "政务服务"):
                want = expected.get(column, expected.get(f"{column}得分"))
                got = row[column]
                if want is None:
                    assert got is None or got != got, (row["部门"], column, got)
                else:
                    assert got == pytest.approx(want, abs=0.005), (row["部门"], column, got, want)
                compared += 1
    assert not cli, f"departments missing from the page: {list(cli)}"
    assert compared == 3 * 7
