"""The domain's words: every spelling a source may use → one canonical code, and the
slots each canonical frequency cuts time into."""

from __future__ import annotations

import pandas as pd
import pytest

from collectors.mapping import ENUM_VALUES
from data.departments import parse_category
from data.vocabulary import (
    CATEGORIES,
    FREQUENCY_LABELS,
    NOTE_LENGTH,
    SATISFACTION,
    SHARE_TYPES,
    TIER_COLOURS,
    TIERS,
    normalise_frequency,
    parse_frequency,
    split_frequencies,
    split_frequency,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("实时", "realtime"),
        ("每日", "daily"),
        ("每天", "daily"),
        ("每周", "weekly"),
        ("每月", "monthly"),
        ("每季度", "quarterly"),
        ("每季", "quarterly"),
        ("每半年", "half_yearly"),
        ("每年", "yearly"),
        ("不定期", "irregular"),
        ("irregular", "irregular"),
        ("realtime", "realtime"),
        ("daily", "daily"),
        ("weekly", "weekly"),
        ("monthly", "monthly"),
        ("quarterly", "quarterly"),
        ("half_yearly", "half_yearly"),
        ("yearly", "yearly"),
        ("continuous", "realtime"),
        ("annual", "yearly"),
        ("Annual", "yearly"),
        (" 每 日 ", "daily"),
        ("每 2 日", "every_2_days"),
        ("每2天", "every_2_days"),
        ("每 3 月", "every_3_months"),
        ("每 3 个月", "every_3_months"),
        ("每 2 月", "every_2_months"),
        ("每 2 周", "every_2_weeks"),
        ("每2星期", "every_2_weeks"),
        ("每 121 日", "every_121_days"),
        ("每１月", "monthly"),
        ("每 1 周", "weekly"),
        ("every 2 days", "every_2_days"),
        ("every3months", "every_3_months"),
        ("Every 1 Week", "weekly"),
        ("R/P1D", "daily"),
        ("R/P1W", "weekly"),
        ("R/P1M", "monthly"),
        ("R/P3M", "quarterly"),
        ("R/P6M", "half_yearly"),
        ("R/P12M", "yearly"),
        ("R/P1Y", "yearly"),
        ("R/P2Y", "every_24_months"),
        ("R/P2M", "every_2_months"),
        ("R/PT1S", "realtime"),
        ("r/p1d", "daily"),
        ("R/P2D", "every_2_days"),
        ("R/P2W", "every_2_weeks"),
        # as real portals write them
        ("小时级", "realtime"),
        ("分钟级", "realtime"),
        ("每小时", "realtime"),
        ("实时更新", "realtime"),
        ("不更新", "irregular"),
        ("按需", "irregular"),
        ("每两周", "every_2_weeks"),
        ("每旬", "every_10_days"),
        ("季度", "quarterly"),
        ("半年", "half_yearly"),
        ("年度", "yearly"),
        ("每月更新", "monthly"),
        ("每年一次", "yearly"),
        ("每三月", "every_3_months"),
        ("每 两 周", "every_2_weeks"),
    ],
)
def test_every_frequency_spelling_has_one_canonical_form(raw, expected):
    assert normalise_frequency(raw) == expected


@pytest.mark.parametrize("raw", ["偶尔", "每更新", "R/P0D", "", None, float("nan"), "每 0 日"])
def test_unknown_frequencies_are_refused_not_guessed(raw):
    assert normalise_frequency(raw) is None


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("每月(更新说明:暂无新业务数据产生)", ("monthly", "更新说明:暂无新业务数据产生")),
        ("每年（更新说明：每年一月更新）", ("yearly", "更新说明：每年一月更新")),
        ("每季度【按季汇总】", ("quarterly", "按季汇总")),
        ("每日()", ("daily", None)),
        ("每月", ("monthly", None)),
        ("偶尔(看情况)", ("unknown", "偶尔(看情况)")),  # not understood: the whole text is kept as the note
        ("（每月）", ("unknown", "（每月）")),
        ("", ("unknown", None)),
        (None, ("unknown", None)),
    ],
)
def test_a_bracketed_note_never_hides_the_frequency(raw, expected):
    assert split_frequency(raw) == expected


def test_a_long_note_is_cut_to_what_the_store_keeps():
    assert split_frequency("每月(" + "很" * 600 + ")") == ("monthly", "很" * NOTE_LENGTH)
    assert split_frequency("偶" * 600) == ("unknown", "偶" * NOTE_LENGTH)


def test_split_frequencies_over_a_column():
    codes, notes = split_frequencies(pd.Series(["每月(暂无新数据)", None, "每月(暂无新数据)", "偶尔"]))
    assert list(codes) == ["monthly", "unknown", "monthly", "unknown"]
    assert list(notes) == ["暂无新数据", None, "暂无新数据", "偶尔"]


def test_every_label_reads_back_as_its_code():
    for code, label in FREQUENCY_LABELS.items():
        assert normalise_frequency(label) == code and normalise_frequency(code) == code


@pytest.mark.parametrize(
    "freq, unit, length, anchored, standard",
    [
        ("realtime", "day", 1, False, "daily"),
        ("daily", "day", 1, False, "daily"),
        ("weekly", "day", 7, False, "weekly"),
        ("monthly", "month", 1, False, "monthly"),
        ("quarterly", "month", 3, False, "quarterly"),
        ("half_yearly", "month", 6, False, "half_yearly"),
        ("yearly", "month", 12, False, "yearly"),
        ("every_2_days", "day", 2, True, "daily"),  # the longest standard slot not longer is a day (grace 1)
        ("every_121_days", "day", 121, True, "quarterly"),  # 121 ≥ 90 (shortest quarter) but < 181 → grace 10
        ("every_3_months", "month", 3, True, "quarterly"),
        ("every_2_months", "month", 2, True, "monthly"),
        ("every_7_months", "month", 7, True, "half_yearly"),
        ("every_24_months", "month", 24, True, "yearly"),
        ("every_1_weeks", "day", 7, True, "weekly"),
        ("every_4_weeks", "day", 28, True, "monthly"),  # 28 days = the shortest month
    ],
)
def test_slots_and_grace_of_each_frequency(freq, unit, length, anchored, standard):
    f = parse_frequency(freq)
    assert (f.unit, f.length, f.anchored, f.standard) == (unit, length, anchored, standard)


@pytest.mark.parametrize("freq", ["irregular", "unknown", "every_0_days", "sometimes", None])
def test_irregular_and_unknown_are_not_counted(freq):
    assert parse_frequency(freq) is None


@pytest.mark.parametrize("field, labels", [("share_type", SHARE_TYPES), ("satisfaction", SATISFACTION)])
def test_coded_values_accept_code_and_chinese_label(field, labels):
    spellings = ENUM_VALUES[field]
    assert len(spellings) == 2 * len(labels)
    for code, label in labels.items():
        assert spellings[label] == code and spellings[code] == code


def test_categories_by_label_or_code():
    assert [parse_category(s) for s in ("市直部门", "区县", "city_dept", " district ")] == [
        "city_dept",
        "district",
        "city_dept",
        "district",
    ]
    assert list(CATEGORIES) == ["city_dept", "district"]


def test_tiers_best_first_each_with_a_colour():
    assert TIERS == ("优秀", "良好", "一般", "较差") and set(TIER_COLOURS) == set(TIERS)
