"""What-if rescoring from stored indicator values, with hand-computed numbers.

The toy scheme has two dimensions whose single indicators score their value (floor 0,
target 100), so each total is a weighted mean one can check by hand.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from data.periods import Period
from data.stored_values import SnapshotValues, snapshot_values
from data.viewer import AccessDenied, Viewer
from metrics import snapshots
from metrics.scheme import parse_scheme, scheme_path
from metrics.scheme_text import raw_scheme, reweigh, to_toml, with_setting
from metrics.sensitivity import sensitivity
from metrics.whatif import compare, kept_adjustments, rescore
from tests.metrics.store import seed
from tests.metrics.test_demo_pin import demo_engine  # noqa: F401 (the demo city fixture)

BASE = raw_scheme(scheme_path(2026).read_text(encoding="utf-8"))
TOY = {
    **BASE,
    "dimensions": [
        {
            "key": "sharing",
            "name": "数据共享",
            "weight": 60,
            "indicators": [
                {
                    "key": "mount_rate",
                    "name": "资源挂接率",
                    "weight": 60,
                    "floor": 0,
                    "target": 100,
                    "direction": "higher",
                }
            ],
        },
        {
            "key": "updates",
            "name": "数据更新",
            "weight": 40,
            "indicators": [
                {
                    "key": "update_on_time",
                    "name": "数据更新及时率",
                    "weight": 40,
                    "floor": 0,
                    "target": 100,
                    "direction": "higher",
                }
            ],
        },
    ],
}
# department → (mount_rate numerator of 100, update_on_time numerator of 100)
COUNTS = {"甲": (90, 50), "乙": (60, 100), "丙": (100, 80), "丁": (70, 70)}
# as the snapshot stored them under TOY: total, tier, rank (see the first test)
STORED = {"甲": (74.0, "一般", 3), "乙": (76.0, "一般", 2), "丙": (92.0, "优秀", 1), "丁": (70.0, "一般", 4)}
NO_ADJUSTMENTS = pd.DataFrame(columns=["id", "dept_id", "kind", "points", "reason", "author", "created_at"])


def scheme(raw: dict):
    return parse_scheme(to_toml(raw))


def values(counts=COUNTS, adjustments=NO_ADJUSTMENTS, status=None) -> SnapshotValues:
    ids = {name: n for n, name in enumerate(counts, start=1)}
    rows = [
        {"dept_id": ids[name], "key": key, "numerator": float(num), "denominator": 100.0, "status": "ok"}
        for name, nums in counts.items()
        for key, num in zip(("mount_rate", "update_on_time"), nums)
    ]
    inds = pd.DataFrame(rows)
    for (name, key), st in (status or {}).items():
        inds.loc[(inds["dept_id"] == ids[name]) & (inds["key"] == key), "status"] = st
    depts = pd.DataFrame(
        {
            "dept_id": list(ids.values()),
            "name": list(ids),
            "category": "city_dept",
            "total": [STORED[n][0] for n in ids],
            "tier": [STORED[n][1] for n in ids],
        }
    )
    depts["rank"] = pd.array([STORED[n][2] for n in ids], dtype="Int64")
    return SnapshotValues(
        1, Period.parse("2026"), date(2026, 11, 30), "2026.1", datetime(2026, 12, 1), depts, inds, adjustments
    )


def test_rescore_totals_tiers_ranks_by_hand():
    r = rescore(values(), scheme(TOY)).set_index("name")
    # 甲 0.6×90 + 0.4×50 = 74; 乙 36 + 40 = 76; 丙 60 + 32 = 92; 丁 42 + 28 = 70
    assert r["total"].to_dict() == {"甲": 74.0, "乙": 76.0, "丙": 92.0, "丁": 70.0}
    assert r["rank"].to_dict() == {"甲": 3, "乙": 2, "丙": 1, "丁": 4}
    # 优秀 quota floor(0.3 × 4) = 1: 丙 alone
    assert r["tier"].to_dict() == {"甲": "一般", "乙": "一般", "丙": "优秀", "丁": "一般"}


def test_compare_a_draft_that_moves_weight_to_updates():
    draft = reweigh(TOY, "dimensions[0].weight", 40)
    assert [d["weight"] for d in draft["dimensions"]] == [40, 60]
    assert [d["indicators"][0]["weight"] for d in draft["dimensions"]] == [40, 60]
    c = compare(values(), scheme(TOY), scheme(draft))
    t = c.table.set_index("name")
    # 甲 0.4×90 + 0.6×50 = 66; 乙 24 + 60 = 84; 丙 40 + 48 = 88; 丁 28 + 42 = 70
    assert t["total_draft"].to_dict() == {"甲": 66.0, "乙": 84.0, "丙": 88.0, "丁": 70.0}
    assert t["total_change"].to_dict() == {"甲": -8.0, "乙": 8.0, "丙": -4.0, "丁": 0.0}
    assert t["rank_draft"].to_dict() == {"甲": 4, "乙": 2, "丙": 1, "丁": 3}
    assert t["rank_change"].to_dict() == {"甲": -1, "乙": 0, "丙": 0, "丁": 1}
    assert t["tier_draft"].to_dict() == {"甲": "一般", "乙": "良好", "丙": "良好", "丁": "一般"}
    assert list(c.table["name"]) == ["丙", "乙", "丁", "甲"]  # by draft rank
    assert (c.ranks_moved, c.tier_changes) == (2, 2)
    assert c.mismatches == []
    s = c.summary.iloc[0]
    assert (s["gainer"], s["gain"], s["loser"], s["loss"], s["largest_rank_move"]) == ("乙", 8.0, "甲", -8.0, 1)
    assert c.notes == []


def test_same_scheme_changes_nothing_and_na_weight_is_spread():
    v = values(status={("丁", "update_on_time"): "na"})
    c = compare(v, scheme(TOY), scheme(TOY))
    t = c.table.set_index("name")
    assert t.loc["丁", "total_now"] == 70.0  # updates N/A: mount_rate alone, 70
    assert (c.ranks_moved, c.tier_changes) == (0, 0)
    assert (t["total_change"] == 0).all()


def test_caps_and_struck_veto_items_apply_to_the_draft():
    adj = pd.DataFrame(
        [
            {"id": 1, "dept_id": 4, "kind": "bonus", "points": 8.0, "reason": "试点", "author": "a"},
            {"id": 2, "dept_id": 3, "kind": "veto", "reason": "发生数据安全事件", "points": 0.0, "author": "a"},
        ]
    ).assign(created_at=pd.Timestamp("2026-11-01"))
    current = scheme(TOY)
    draft = scheme(
        with_setting(with_setting(TOY, "adjustments.bonus_cap", 10), "adjustments.veto_items", ["泄露敏感数据"])
    )
    assert len(kept_adjustments(adj, current, draft)) == 1
    c = compare(values(adjustments=adj), current, draft).table.set_index("name")
    # 丁 70 + bonus 8 capped at 5 = 75 now, at 10 → 78 in the draft
    assert (c.loc["丁", "total_now"], c.loc["丁", "total_draft"]) == (75.0, 78.0)
    # 丙's veto named a struck item: 较差 now, 优秀 (92) in the draft
    assert (c.loc["丙", "tier_now"], c.loc["丙", "tier_draft"]) == ("较差", "优秀")


def test_settings_the_what_if_cannot_show_are_named():
    draft = scheme(with_setting(TOY, "limits.request", 10))
    notes = compare(values(), scheme(TOY), draft).notes
    assert notes == ["草案修改了答复/处理/办结时限：这类设置改变指标本身，模拟只重算得分，未反映其影响"]


@pytest.fixture
def city(engine):
    seed(engine)
    return engine


def test_the_scheme_in_force_reproduces_the_stored_snapshot(city):
    a = snapshots.compute(city, "2026", date(2026, 11, 20))
    with city.begin() as conn:
        snap_id = snapshots.write_snapshot(conn, a)
    with city.connect() as conn:
        v = snapshot_values(conn, Viewer("lead", "leader"), snap_id)
        with pytest.raises(AccessDenied):
            snapshot_values(conn, Viewer("d", "department", dept_id=1), snap_id)
    c = compare(v, a.scheme, a.scheme)
    assert c.mismatches == []
    stored = a.departments.set_index("dept_id")
    t = c.table.set_index("dept_id")
    assert t["total_now"].to_dict() == stored["total"].to_dict()
    assert t["rank_now"].to_dict() == stored["rank"].to_dict()


@pytest.mark.slow
def test_the_demo_city_year_is_reproduced_exactly(demo_engine):  # noqa: F811
    a = snapshots.compute(demo_engine, "2026", date(2026, 11, 30))
    with demo_engine.begin() as conn:
        snap_id = snapshots.write_snapshot(conn, a)
    with demo_engine.connect() as conn:
        v = snapshot_values(conn, Viewer("lead", "leader"), snap_id)
    c = compare(v, a.scheme, a.scheme)
    assert c.mismatches == [] and c.ranks_moved == 0
    stored = a.departments.set_index("dept_id")
    t = c.table.set_index("dept_id")
    assert t["total_now"].to_dict() == stored["total"].to_dict()
    assert t["tier_now"].to_dict() == stored["tier"].to_dict()


def test_sensitivity_of_the_toy_ranking():
    result = sensitivity(values(), TOY)
    s = result.scenarios
    assert list(s["label"]) == [
        "维度“数据共享”权重 60 → 65",
        "维度“数据共享”权重 60 → 55",
        "指标“资源挂接率”目标 100 → 105",
        "指标“资源挂接率”目标 100 → 95",
        "维度“数据更新”权重 40 → 45",
        "维度“数据更新”权重 40 → 35",
        "指标“数据更新及时率”目标 100 → 105",
        "指标“数据更新及时率”目标 100 → 95",
    ]
    # 60/40 → 65/35: 甲 58.5 + 17.5 = 76 passes 乙 39 + 35 = 74; the same split again as 数据更新 35
    assert list(s["ranks_moved"]) == [2, 0, 0, 0, 0, 2, 0, 0]
    assert list(s["largest_move"]) == [1, 0, 0, 0, 0, 1, 0, 0]
    # 资源挂接率 target 105: 丙 0.6 × 100/105 × 100 + 32 = 89.14 falls below 优秀
    assert list(s["tier_changes"]) == [0, 0, 1, 0, 0, 0, 0, 0]
    d = result.departments
    assert list(d["name"]) == ["乙", "甲", "丙", "丁"]
    assert list(d["scenarios_moved"]) == [2, 2, 0, 0]
    assert list(zip(d["best_rank"], d["worst_rank"])) == [(2, 3), (2, 3), (1, 1), (4, 4)]


def test_the_draft_can_turn_shrinkage_on():
    # 丁's updates: 3 of 4 on time; the other three 100 of 100 (pooled 300 of 300 = 1.0 without 丁)
    v = values(
        counts={"甲": (90, 100), "乙": (60, 100), "丙": (100, 100), "丁": (70, 3)},
        status={("丁", "update_on_time"): "small"},
    )
    v.indicators.loc[(v.indicators["dept_id"] == 4) & (v.indicators["key"] == "update_on_time"), "denominator"] = 4.0
    toy = with_setting(TOY, "scoring", {"shrink_small_samples": False, "prior_strength": 5})
    shrunk = with_setting(toy, "scoring.shrink_small_samples", True)
    t = compare(v, scheme(toy), scheme(shrunk)).table.set_index("name")
    # off: 丁 0.6 × 70 + 0.4 × 75 = 72; on: pooled updates 303/304, (3 + 5 × 303/304)/(4 + 5) = 0.8871
    # → 0.4 × 88.71 = 35.48, 42 + 35.48 = 77.48
    assert t.loc["丁", "total_now"] == 72.0
    assert t.loc["丁", "total_draft"] == pytest.approx(77.48)
