"""AppTest: the ranking table can be searched by department and filtered by tier, and its
cells stay numbers (so a header click sorts numerically)."""

from __future__ import annotations

from pandas.api.types import is_float_dtype, is_integer_dtype

from tests.dashboard.conftest import login
from tests.dashboard.test_pages import open_page


def departments(at) -> list[str]:
    return list(at.dataframe[0].value["部门"])


def test_search_and_tier_filter_narrow_the_table(app):
    at = open_page(login(app, "leader"), "ranking.py")
    assert departments(at) == ["市公安局", "市人社局", "市卫健委"]
    assert at.multiselect(key="ranking_tiers").value == []  # no tier chosen: every tier

    at.text_input(key="ranking_search").input("卫健").run()
    assert departments(at) == ["市卫健委"]
    at.text_input(key="ranking_search").input("教育").run()
    assert departments(at) == []
    assert "没有符合搜索和筛选条件的部门。" in [c.value for c in at.caption]

    at.text_input(key="ranking_search").input("").run()
    at.multiselect(key="ranking_tiers").set_value(["优秀", "较差"]).run()
    assert departments(at) == ["市公安局", "市卫健委"]
    # the tier counts above describe the whole category, not the filtered rows
    assert {m.label: m.value for m in at.metric}["良好"] == "1"
    # the choice holds across categories: 区县 has no 优秀 or 较差 unit in October
    at.radio(key="ranking_category").set_value("district").run()
    assert departments(at) == []
    assert not at.exception


def test_ranking_cells_are_numbers(app):
    at = open_page(login(app, "leader"), "ranking.py")
    table = at.dataframe[0].value
    for column in ("排名", "上期排名"):
        assert is_integer_dtype(table[column]), column
    for column in ("总分", "扣分", "加分", "上期总分", "数据共享"):
        assert is_float_dtype(table[column]), column
    assert list(table.sort_values("总分")["部门"]) == ["市卫健委", "市人社局", "市公安局"]
