"""催办 / 逾期 / escalation around the 2026 National Day holiday, counted by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd

from metrics.supervision import overdue_workdays, reminders

ITEMS = pd.DataFrame(
    [
        {"id": 1, "dept_id": 10, "state": "rectifying", "deadline": date(2026, 10, 13)},  # 2nd working day from today
        {"id": 2, "dept_id": 10, "state": "pending", "deadline": date(2026, 10, 14)},  # 3rd: not yet
        {"id": 3, "dept_id": 11, "state": "rectifying", "deadline": date(2026, 9, 30)},  # overdue 10-08, 09, 10
        {
            "id": 7,
            "dept_id": 11,
            "state": "verifying",
            "deadline": date(2026, 9, 30),
        },  # submitted: the inspector's turn
        {"id": 4, "dept_id": 11, "state": "rectifying", "deadline": date(2026, 9, 28)},  # 9-29, 9-30, 10-08…10 → 5
        {"id": 5, "dept_id": 11, "state": "closed", "deadline": date(2026, 9, 1)},  # closed: no message
        {"id": 6, "dept_id": 12, "state": "pending", "deadline": date(2026, 10, 10)},  # due today (调休 Saturday)
    ]
)
TODAY = date(2026, 10, 10)  # Saturday, a working day (调休)


def test_overdue_counts_working_days_after_the_deadline():
    late = overdue_workdays(ITEMS["deadline"], TODAY, _cal())
    # 9-02…10-10: 28 weekdays − 9-25 (中秋) − 10-01, 02, 05, 06, 07 + 9-20 and 10-10 (调休) = 24
    assert late.tolist() == [0, 0, 3, 3, 5, 24, 0]


def test_reminders_due_today():
    due = reminders(ITEMS, TODAY, remind_before=2, escalate_after=5)
    # horizon: 2 working days after Sat 10-10 → Mon 10-12, Tue 10-13 (Sunday 10-11 is off)
    assert due[["item_id", "kind", "overdue_workdays"]].values.tolist() == [
        [1, "remind", 0],
        [3, "overdue", 3],
        [4, "escalate", 5],
        [6, "remind", 0],
    ]


def _cal():
    from data.workdays import calendar_for

    return calendar_for(date(2026, 1, 1), date(2026, 12, 31))


def test_interview_list_needs_the_bottom_in_every_one_of_the_last_periods():
    from metrics.supervision import interview_list

    rows = []
    # five city departments ranked in four months; bottom 2 = ranks 4 and 5
    months = {
        "2026-06": [1, 2, 3, 4, 5],
        "2026-07": [2, 1, 5, 3, 4],
        "2026-08": [1, 3, 2, 5, 4],
        "2026-09": [1, 2, 4, 5, 3],
    }
    for key, ranking in months.items():
        rows += [
            {"period_key": key, "dept_id": d, "category": "city_dept", "rank": r}
            for d, r in enumerate(ranking, start=1)
        ]
    ranks = pd.DataFrame(rows)
    # last 3 months: dept 4 ranks 3, 5, 5 (not bottom in 07); dept 5 ranks 4, 4, 3 (not in 09)
    assert interview_list(ranks, bottom=2, periods=3).empty
    # last 2 months: dept 4 is 5th and 5th
    assert interview_list(ranks, bottom=2, periods=2).to_dict("records") == [
        {"dept_id": 4, "category": "city_dept", "ranks": [5, 5]}
    ]
    assert interview_list(ranks, bottom=2, periods=5).empty  # fewer periods than asked
