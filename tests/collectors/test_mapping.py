"""Dates and value maps: every spelling the sources use, and refusals."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from collectors.mapping import clean_text, local_dates, map_values, months, parse_datetimes

# 2026-03-05 09:32:09 in Shanghai (UTC+8) is 01:32:09 UTC.
UTC_0132 = datetime(2026, 3, 5, 1, 32, 9)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2026-03-05 09:32:09", UTC_0132),
        ("2026/3/5 9:32:09", UTC_0132),
        ("2026-3-5 9:32:09", UTC_0132),
        ("2026-03-05T09:32:09", UTC_0132),
        ("2026-03-05T01:32:09Z", UTC_0132),
        ("2026-03-05T09:32:09+08:00", UTC_0132),
        ("2026年3月5日", datetime(2026, 3, 4, 16, 0)),  # local midnight = 16:00 UTC the day before
        ("2026年3月5日 9时32分09秒", UTC_0132),
        ("20260305", datetime(2026, 3, 4, 16, 0)),
        ("46086", datetime(2026, 3, 4, 16, 0)),  # Excel serial: 1899-12-30 + 46086 days
        ("46086.397326389", UTC_0132),  # + 0.397326389 day = 09:32:09
        ("1772674329000", UTC_0132),  # epoch ms (absolute, no zone shift)
        (46086.397326389, UTC_0132),
        (1772674329000, UTC_0132),
        (datetime(2026, 3, 5, 9, 32, 9), UTC_0132),  # a spreadsheet date cell is local
    ],
)
def test_timestamps_become_naive_utc(raw, expected):
    values, bad = parse_datetimes(pd.Series([raw], dtype=object), "Asia/Shanghai")
    assert not bad.iloc[0]
    assert values.iloc[0].to_pydatetime() == expected


def test_unreadable_timestamps_are_flagged_and_missing_ones_are_not():
    values, bad = parse_datetimes(pd.Series(["2026-13-45 25:61:00", "昨天", None, ""], dtype=object), "Asia/Shanghai")
    assert bad.tolist() == [True, True, False, False]
    assert values.isna().all()


def test_extra_formats_from_config_are_tried_first():
    values, bad = parse_datetimes(pd.Series(["05.03.2026 09:32"]), "Asia/Shanghai", ["%d.%m.%Y %H:%M"])
    assert not bad.iloc[0] and values.iloc[0].to_pydatetime() == datetime(2026, 3, 5, 1, 32)


def test_other_time_zone():
    values, _ = parse_datetimes(pd.Series(["2026-03-05 09:32:09"]), "Europe/Tallinn")  # UTC+2 in March
    assert values.iloc[0].to_pydatetime() == datetime(2026, 3, 5, 7, 32, 9)


def test_dates_stay_local_calendar_dates_and_months_are_first_days():
    days, bad = local_dates(
        pd.Series(["2026/3/5", "2026-03-05 23:30:00", "46086", "nope"], dtype=object), "Asia/Shanghai"
    )
    assert days.tolist()[:3] == [date(2026, 3, 5)] * 3 and bad.tolist() == [False, False, False, True]
    firsts, bad = months(
        pd.Series(["2026-03", "2026年3月", "202603", "2026-03-17", date(2026, 3, 9), "三月"], dtype=object)
    )
    assert firsts.tolist()[:5] == [date(2026, 3, 1)] * 5 and bad.tolist() == [False] * 5 + [True]


def test_value_maps_source_first_then_builtin_and_unknown_flagged():
    values, bad = map_values(
        pd.Series(["OK", "成功", "失败", "TRUE", "0", "也许", None], dtype=object), "bool", {"OK": True}
    )
    assert values.tolist()[:5] == [True, True, False, True, False]
    assert bad.tolist() == [False, False, False, False, False, True, False]
    share, bad = map_values(pd.Series(["无条件共享", "有条件共享", "不予共享", "部分共享"]), "share_type", {})
    assert share.tolist()[:3] == ["unconditional", "conditional", "not_shared"] and bad.tolist()[3]
    sat, _ = map_values(pd.Series(["满意", "基本满意", "不满意", "未评价"]), "satisfaction", {})
    assert sat.tolist() == ["satisfied", "basically_satisfied", "dissatisfied", "unrated"]


@pytest.mark.parametrize("dtype", ["str", object])
def test_clean_text_strips_and_blanks_become_missing(dtype):
    raw = pd.Series(
        ["\u3000市公安局\u3000", "  ", "", None, " S1 ", "\t市人社局\r"], dtype=dtype, index=[5, 6, 7, 8, 9, 10]
    )
    cleaned = clean_text(raw)
    assert list(cleaned.index) == [5, 6, 7, 8, 9, 10]
    assert [None if pd.isna(v) else v for v in cleaned] == ["市公安局", None, None, None, "S1", "市人社局"]
