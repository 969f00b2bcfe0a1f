"""红榜/黑榜 by the scheme's [honours] rule, on hand-made rankings."""

from __future__ import annotations

import pandas as pd

from metrics.honours import honour_lists
from metrics.scheme import Honours

THIRD = Honours(divisor=3, minimum=1, maximum=3, black_tiers=("较差",))


def ranking(category: str, tiers: list[str]) -> pd.DataFrame:
    n = len(tiers)
    return pd.DataFrame(
        {
            "department": [f"{category}{i + 1}" for i in range(n)],
            "category": category,
            "rank": range(1, n + 1),
            "total": [95.0 - i for i in range(n)],
            "tier": tiers,
        }
    )


def test_a_third_of_each_category_bounded_by_one_and_three():
    city = ranking("局", ["优秀"] * 3 + ["良好"] * 7)  # 10 // 3 = 3
    districts = ranking("区", ["良好", "一般"])  # 2 // 3 = 0 → at least 1
    red, black = honour_lists(pd.concat([city, districts], ignore_index=True), THIRD)
    assert list(red["department"]) == ["局1", "局2", "局3", "区1"]
    assert list(black["department"]) == ["局8", "局9", "局10", "区2"]


def test_black_list_takes_every_department_of_a_named_tier():
    city = ranking("局", ["优秀", "良好", "较差", "较差", "一般", "一般"])  # 6 // 3 = 2
    red, black = honour_lists(city, THIRD)
    assert list(red["department"]) == ["局1", "局2"]
    assert list(black["department"]) == ["局3", "局4", "局5", "局6"]


def test_another_rule_changes_the_lists():
    city = ranking("局", ["优秀"] * 4 + ["良好"] * 8)
    red, black = honour_lists(city, Honours(divisor=2, minimum=1, maximum=5, black_tiers=()))
    assert list(red["department"]) == ["局1", "局2", "局3", "局4", "局5"]  # 12 // 2 = 6 → at most 5
    assert list(black["department"]) == ["局8", "局9", "局10", "局11", "局12"]


def test_unranked_departments_are_on_neither_list():
    city = ranking("局", ["优秀", "良好", "一般"])
    city.loc[0, "total"] = None
    red, black = honour_lists(city, THIRD)
    assert list(red["department"]) == ["局2"] and list(black["department"]) == ["局3"]
    empty = honour_lists(city.head(0), THIRD)
    assert empty[0].empty and empty[1].empty


def test_the_lists_take_only_the_tiers_the_rule_allows():
    # 9 districts, 9 // 3 = 3 a list; the best is only 一般 in a weak category, the last three are 一般, 一般, 较差
    rule = Honours(
        divisor=3, minimum=1, maximum=3, black_tiers=("较差",), red_tiers=("优秀", "良好"), bottom_tiers=("较差",)
    )
    districts = ranking("区", ["良好", "一般", "一般", "一般", "一般", "一般", "一般", "一般", "较差"])
    red, black = honour_lists(districts, rule)
    assert list(red["department"]) == ["区1"]  # 区2 and 区3 are in the top third but only 一般
    assert list(black["department"]) == ["区9"]  # 区7 and 区8 rank last but are not 较差


def test_the_2026_scheme_praises_good_tiers_and_names_only_poor_ones():
    from metrics.scheme import load_scheme

    rule = load_scheme(2026).honours
    assert (rule.red_tiers, rule.bottom_tiers, rule.black_tiers) == (("优秀", "良好"), ("较差",), ("较差",))
