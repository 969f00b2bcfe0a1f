"""Coloured cells stay readable (WCAG AA), numbers show as counts and 2-decimal scores, and
the heat map names its thresholds and prints 2 decimals in a readable colour per band."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import charts
from dashboard.colours import AA_NORMAL, FALL_TEXT, RISE_TEXT, contrast_ratio, luminance, text_colour, tier_style
from dashboard.format import BAND_COLOURS, band_legend, styled_numbers
from dashboard.layout import CAPTION_TEXT
from data.vocabulary import TIER_COLOURS
from metrics.scheme import load_scheme


def test_contrast_ratio_follows_the_wcag_formula():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    # #1a9850: channels 26, 152, 80 linearise to 0.0103, 0.3139, 0.0802, so L = 0.2325;
    # on white (1.05) / (0.2825) = 3.72 fails AA, black (0.2825 / 0.05) = 5.65 passes
    assert luminance("#1a9850") == pytest.approx(0.2325, abs=5e-4)
    assert contrast_ratio("#ffffff", "#1a9850") == pytest.approx(3.72, abs=0.01)
    assert contrast_ratio("#000000", "#1a9850") == pytest.approx(5.65, abs=0.01)
    # #d73027: 215, 48, 39 → 0.6795, 0.0296, 0.0203, L = 0.1671; white 1.05 / 0.2171 = 4.84
    assert contrast_ratio("#ffffff", "#d73027") == pytest.approx(4.84, abs=0.01)
    assert contrast_ratio("#000000", "#d73027") == pytest.approx(4.34, abs=0.01)


def test_every_tier_and_band_colour_gets_text_passing_aa():
    assert text_colour("#1a9850") == "#000000" and text_colour("#d73027") == "#ffffff"
    for background in (*TIER_COLOURS.values(), *BAND_COLOURS.values()):
        assert contrast_ratio(text_colour(background), background) >= AA_NORMAL, background
    assert tier_style("良好") == "background-color: #91cf60; color: #000000; font-weight: bold"
    assert tier_style("无数据") == ""
    for arrow in (RISE_TEXT, FALL_TEXT):
        assert contrast_ratio(arrow, "#ffffff") >= AA_NORMAL


def displayed(frame: pd.DataFrame) -> list[list[str]]:
    styler = styled_numbers(frame.style, frame)
    styler._compute()
    body = styler._translate(False, False)["body"]
    return [[str(c["display_value"]) for c in row if c.get("id", "").startswith("row")] for row in body]


def test_counts_are_whole_and_scores_have_two_decimals():
    frame = pd.DataFrame({"排名": pd.array([12, None], dtype="Int64"), "总分": [81.25, None], "部门": ["甲", "乙"]})
    assert displayed(frame) == [["12", "81.25", "甲"], ["", "无数据", "乙"]]


def test_scorecard_prints_two_decimals_in_a_readable_colour_per_band():
    scheme = load_scheme(2026)
    assert band_legend(scheme.tiers) == (
        "绿色：得分 ≥ 80（良好线）；黄色：60 ≤ 得分 < 80（一般线）；红色：得分 < 60；灰色：无数据。"
    )
    indicators = pd.DataFrame(
        [
            {"department": "甲局", "key": "mount_rate", "score": 87.5, "status": "ok"},
            {"department": "甲局", "key": "call_success", "score": 61.256, "status": "ok"},
            {"department": "乙局", "key": "mount_rate", "score": 12.0, "status": "ok"},
            {"department": "乙局", "key": "call_success", "score": None, "status": "na"},
        ]
    )
    fig = charts.scorecard(indicators, ["甲局", "乙局"], scheme)
    cells = {t.name: (t.textfont.color, [v for row in t.text for v in row if v]) for t in fig.data}
    assert cells == {
        "无数据": ("#000000", ["无数据"]),
        "低于一般线": ("#ffffff", ["12.00"]),
        "达到一般线": ("#000000", ["61.26"]),
        "达到良好线": ("#000000", ["87.50"]),
    }
    assert all(t.hovertemplate.startswith("部门：%{y}<br>指标：%{x}<br>得分：") for t in fig.data)


def test_caption_grey_passes_aa_where_streamlits_does_not():
    assert contrast_ratio("#828180", "#ffffff") == pytest.approx(3.88, abs=0.01)
    assert contrast_ratio(CAPTION_TEXT, "#ffffff") >= AA_NORMAL
