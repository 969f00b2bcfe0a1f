"""Number formatting helpers of dashboard/format.py."""

from __future__ import annotations

from dashboard.format import bonus_deduction, fmt_points


def test_zero_points_read_plain_zero():
    assert fmt_points(0.0, "-") == "0"
    assert fmt_points(-0.0, "+") == "0"
    assert bonus_deduction({"bonus": 0.0, "deduction": 0.0}) == ("0", "0")


def test_points_carry_their_sign():
    assert fmt_points(1.5, "+") == "+1.5"
    assert fmt_points(2.0, "-") == "-2"
    assert bonus_deduction({"bonus": 3.25, "deduction": 0.5}) == ("+3.25", "-0.5")
    assert bonus_deduction({"bonus": 0.0, "deduction": 4.0}) == ("0", "-4")
