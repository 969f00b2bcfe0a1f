"""The story an inspector should find, with dates that follow the window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from data.demo import city as C
from data.demo.calendar import Window, WorkCalendar, month_start
from data.periods import add_months


@dataclass(frozen=True)
class Story:
    """What an inspector should find in the demo city."""

    strong: tuple[str, ...]
    weak: tuple[str, ...]
    outage_provider: str
    outage_days: tuple[date, date]
    stale_provider: str
    stale_since: date
    complaint_rise: str
    rise_from: date
    new_dept: str
    new_dept_from: date

    def lines(self) -> list[str]:
        d1, d2 = self.outage_days
        return [
            f"表现突出：{'、'.join(self.strong)}",
            f"表现较差：{'、'.join(self.weak)}",
            f"服务中断：{self.outage_provider} 的全部接口在 {d1} 与 {d2} 两天调用全部失败",
            f"停止更新：{self.stale_provider} 的按月更新资源自 {self.stale_since} 起没有任何更新",
            f"投诉激增：{self.complaint_rise} 自 {self.rise_from} 起投诉量约为此前的 {C.COMPLAINT_RISE_FACTOR} 倍",
            f"年中新设：{self.new_dept} 自 {self.new_dept_from} 起纳入考核",
        ]


def story_for(window: Window, cal: WorkCalendar) -> Story:
    """Story dates follow the window: the outage is in the month before the last one."""
    last_month = month_start(window.end)
    day = np.datetime64(add_months(last_month, -1) + timedelta(days=14))
    while not (day.astype(object).weekday() == 1 and cal.is_workday(np.array([day, day + 1])).all()):
        day += 1
    first = day.astype(object)
    return Story(
        strong=C.STRONG,
        weak=C.WEAK,
        outage_provider=C.OUTAGE_PROVIDER,
        outage_days=(first, first + timedelta(days=1)),
        stale_provider=C.STALE_PROVIDER,
        stale_since=add_months(last_month, -(C.STALE_MONTHS - 1)),
        complaint_rise=C.COMPLAINT_RISE,
        rise_from=add_months(last_month, -2),
        new_dept=C.NEW_DEPT,
        new_dept_from=add_months(month_start(window.start), C.NEW_DEPT_MONTH),
    )
