"""Trends draw a running period apart from the closed ones: dashed, open marker, 进行中."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from dashboard import charts

HISTORY = pd.DataFrame(
    {
        "period_key": ["2026-09", "2026-10", "2026-11"],
        "period_start": ["2026-09-01", "2026-10-01", "2026-11-01"],
        "complete": [True, True, False],
        "total": [85.0, 92.5, 38.0],
        "rank": [2, 1, 1],
        "tier": ["良好", "优秀", "较差"],
    }
)


def test_the_running_month_is_a_dashed_segment_labelled_running():
    closed, running = charts.trend(HISTORY).data
    assert list(closed.x) == ["9月", "10月"] and list(closed.y) == [85.0, 92.5]
    assert closed.line.dash is None
    # joined to the last closed month, dashed, its point open and labelled
    assert list(running.x) == ["10月", "11月（进行中）"] and list(running.y) == [92.5, 38.0]
    assert running.line.dash == "dash" and running.name.startswith("进行中")
    assert list(running.marker.symbol) == ["circle", "circle-open"]
    assert list(running.text) == ["92.5", "38.0（进行中）"]


def test_a_year_of_closed_months_has_one_solid_line():
    (line,) = charts.trend(HISTORY[HISTORY["complete"]]).data
    assert line.line.dash is None and list(line.text) == ["85.0", "92.5"]


def test_sparkline_dashes_the_running_period():
    """240 × 56 with 6 of padding: three periods 114 apart; 92.5 is the top (y 6), 38.0 the
    bottom (y 50) and 85.0 at 6 + (92.5 - 85) / 54.5 × 44 = 12.06."""
    svg = charts.sparkline(HISTORY.rename(columns={"total": "score"}))
    closed, running = re.findall(r"<polyline ([^>]*)/>", svg)
    assert 'points="6.0,12.1 120.0,6.0"' in closed and "dasharray" not in closed
    assert 'points="120.0,6.0 234.0,50.0"' in running and 'stroke-dasharray="5 3"' in running
    assert re.findall(r"<title>([^<]*)</title>", svg) == ["9月：85.00", "10月：92.50", "11月（进行中）：38.00"]
    assert 'fill="white"' in svg.split("<title>11月")[0].rsplit("<circle", 1)[1]  # the running point is open
    assert 'aria-label="得分走势：9月 85.00，10月 92.50，11月（进行中） 38.00"' in svg


def test_sparkline_of_a_flat_score_is_a_level_line_and_a_gap_is_left_out():
    history = pd.DataFrame(
        {"period_key": ["2026-01", "2026-02", "2026-03"], "complete": [True] * 3, "score": [70.0, None, 70.0]}
    )
    (closed,) = re.findall(r"<polyline ([^>]*)/>", charts.sparkline(history))
    assert 'points="6.0,28.0 234.0,28.0"' in closed


def test_open_alerts_writes_dates_the_chinese_way():
    fig = charts.open_alerts(pd.DataFrame({"day": [date(2026, 11, 1), date(2026, 11, 2)], "open": [3, 5]}))
    assert fig.layout.xaxis.tickformat == "%m月%d日"
    assert list(fig.data[0].y) == [3, 5] and "未解决" in fig.data[0].hovertemplate
