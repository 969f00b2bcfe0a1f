"""对比 page (AppTest through app.py and the login form) on the score fixture: the
differences and contributions are hand-computed from tests/dashboard/score_fixture.py,
where every indicator weighs 8 points (so contribution = 8 × score ÷ 100)."""

from __future__ import annotations

import json
import math

import pytest
from sqlalchemy import delete
from streamlit.testing.v1 import AppTest

from data.db import get_engine
from data.models import DeptScore, IndicatorScore
from tests.dashboard.conftest import login
from tests.dashboard.test_pages import open_page, page_text

TWO_PERIODS = "同一部门（两个周期）"


def table(at: AppTest) -> dict[str, dict]:
    frame = at.dataframe[0].value
    return {row["指标"]: row for row in frame.to_dict("records")}


def metrics(at: AppTest) -> list[tuple[str, str, str | None]]:
    return [(m.label, m.value, m.delta or None) for m in at.metric]


def test_two_departments_in_one_period(app, dashboard_store):
    at = open_page(login(app, "leader"), "compare.py")
    ids = dashboard_store.fixture.dept
    at.selectbox(key="compare_dept_a").set_value(ids["市公安局"]).run()
    at.selectbox(key="compare_dept_b").set_value(ids["市人社局"]).run()
    assert not at.exception
    assert at.selectbox(key="compare_period_month").value == "2026-10"
    # 市公安局 92.5 (rank 1) against 市人社局 81.25 (rank 2): +11.25, one place ahead
    assert metrics(at)[:3] == [("总分", "92.50", "+11.25"), ("等次", "优秀", None), ("排名", "第 1 名", "+1 位")]
    assert metrics(at)[3:6] == [("总分", "81.25", None), ("等次", "良好", None), ("排名", "第 2 名", None)]
    rows = table(at)
    mount = rows["资源挂接率"]
    assert mount["部门一 指标值"] == "95%" and mount["部门二 指标值"] == "90%"
    assert mount["得分差"] == 12.5  # 87.5 − 75
    assert mount["部门一 贡献（分）"] == 7.0 and mount["部门二 贡献（分）"] == 6.0
    assert mount["贡献差（分）"] == pytest.approx(1.0)
    assert rows["接口调用成功率"]["贡献差（分）"] == pytest.approx(8.0 - 6.736)  # 8 × (100 − 84.2) %
    assert rows["数据更新及时率"]["部门二 指标值"] == "75%（样本少）"
    assert rows["数据更新及时率"]["得分差"] == 62.5
    complaints = rows["每万件投诉量"]
    assert complaints["部门二 指标值"] == "无数据" and math.isnan(complaints["得分差"])
    assert complaints["贡献差（分）"] == 8.0  # N/A contributes nothing
    # 11.25 apart; the four indicators account for 8 + 5 + 1.264 + 1 = 15.264, the rest is −4.014
    text = page_text(at)
    assert "加分 0，扣分 0" in text and "扣分 -0" not in text  # neither side has an adjustment
    assert "部门一：市公安局；部门二：市人社局。" in text
    assert "市公安局比市人社局总分高 11.25 分，主要来自：每万件投诉量 +8.00 分、数据更新及时率 +5.00 分、" in text
    assert "其他（总分封顶等） -4.01 分" in text
    bridge = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert bridge["y"] == [
        "市人社局",
        "每万件投诉量",
        "数据更新及时率",
        "接口调用成功率",
        "资源挂接率",
        "其他（总分封顶等）",
        "市公安局",
    ]
    assert bridge["text"][0] == "81.25" and bridge["text"][-1] == "92.50"


def test_one_department_in_two_periods(app, dashboard_store):
    at = open_page(login(app, "inspector"), "compare.py")
    at.radio(key="compare_mode").set_value(TWO_PERIODS).run()
    at.selectbox(key="compare_dept").set_value(dashboard_store.fixture.dept["市卫健委"]).run()
    assert not at.exception
    # 2026-10 against the period before with data, 2026-09 (its published snapshot: 58.0, rank 3)
    assert at.selectbox(key="compare_other_month").value == "2026-09"
    assert metrics(at)[:3] == [
        ("总分", "55.00", "-3.00"),
        ("等次", "较差", None),
        ("排名", "第 3 名", None),
    ]  # same rank: no arrow
    rows = table(at)
    # every 2026-09 indicator score is October's − 5: 5 points up, 8 × 5 % = 0.4 more each
    for name in ("资源挂接率", "接口调用成功率", "数据更新及时率", "每万件投诉量"):
        assert rows[name]["得分差"] == pytest.approx(5.0)
        assert rows[name]["贡献差（分）"] == pytest.approx(0.4)
    assert rows["资源挂接率"]["2026年9月 得分"] == 20.0
    # −3 = 4 × 0.4 + the rest −4.6
    assert "2026年10月比2026年9月总分低 3.00 分，主要来自：其他（总分封顶等） -4.60 分" in page_text(at)


def test_a_period_without_scores_shows_no_data(app, dashboard_store):
    at = open_page(login(app, "leader"), "compare.py")
    at.radio(key="compare_mode").set_value(TWO_PERIODS).run()
    at.radio(key="compare_kind").set_value("quarter").run()  # only 2026-Q3: nothing to compare with
    assert "没有同类型的其他周期可供对比。" in page_text(at)


def test_department_compares_only_itself_across_periods(app, dashboard_store):
    ids = dashboard_store.fixture.dept
    at = login(app, dashboard_store.dept_user("市卫健委"))
    at.session_state["compare_mode"] = "两个部门（同一周期）"
    at.session_state["compare_dept_a"] = ids["市公安局"]
    at = open_page(at, "compare.py")
    assert "compare_mode" not in [r.key for r in at.radio]  # no choice of two departments
    assert [s.key for s in at.selectbox] == ["compare_period_month", "compare_other_month"]
    text = page_text(at)
    assert "市卫健委" in text and "2026年9月" in text
    for other in ("市公安局", "市人社局", "西湖区", "滨江区"):
        assert other not in text
    assert table(at)["资源挂接率"]["得分差"] == pytest.approx(5.0)


def test_a_side_without_a_score_reads_no_data(app, dashboard_store):
    fx = dashboard_store.fixture
    with get_engine().begin() as conn:
        for stored in (DeptScore.__table__, IndicatorScore.__table__):
            conn.execute(
                delete(stored).where(
                    stored.c.snapshot_id == fx.snapshot["2026-09"], stored.c.dept_id == fx.dept["市卫健委"]
                )
            )
    at = open_page(login(app, "leader"), "compare.py")
    at.radio(key="compare_mode").set_value(TWO_PERIODS).run()
    at.selectbox(key="compare_dept").set_value(fx.dept["市卫健委"]).run()
    text = page_text(at)
    assert "市卫健委在2026年9月无数据（没有得分，不参与排名）。" in text
    assert "有一方无数据，无法分解总分差异。" in text
    mount = table(at)["资源挂接率"]
    assert mount["2026年9月 指标值"] == "无数据" and math.isnan(mount["2026年9月 贡献（分）"])
    assert mount["2026年10月 贡献（分）"] == 2.0 and math.isnan(mount["贡献差（分）"])
    assert metrics(at)[0] == ("总分", "55.00", None)  # nothing to subtract
