"""The [supervision] table of the scheme: read with defaults, wrong values named by key."""

from __future__ import annotations

import pytest

from data.supervision_settings import (
    DEFAULT_DEADLINES,
    SupervisionSettings,
    SupervisionSettingsError,
    parse_settings,
    settings_for,
)


def test_the_2026_scheme_sets_the_loop():
    s = settings_for(2026)
    assert (s.remind_before_workdays, s.escalate_after_workdays, s.publicity_workdays) == (2, 5, 5)
    assert (s.interview_bottom, s.interview_periods) == (3, 3)
    assert s.deadline_for("service") == 3 and s.deadline_for("indicator") == 15


def test_missing_table_takes_defaults_and_bad_values_are_named():
    assert parse_settings("year = 2026\n") == SupervisionSettings()
    assert parse_settings("[supervision.deadline_workdays]\nservice = 1\n").deadline_workdays == {
        **DEFAULT_DEADLINES,
        "service": 1,
    }
    with pytest.raises(SupervisionSettingsError, match="supervision.publicity_workdays 应为正整数"):
        parse_settings("[supervision]\npublicity_workdays = 0\n")
    with pytest.raises(SupervisionSettingsError, match="deadline_workdays.typo：未知的督办类型"):
        parse_settings("[supervision.deadline_workdays]\ntypo = 3\n")
    with pytest.raises(SupervisionSettingsError, match="未知的督办类型 'x'"):
        SupervisionSettings().deadline_for("x")
