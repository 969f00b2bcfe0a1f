"""Build the demo city: one pandas DataFrame per record kind except the exchange calls,
which `data.demo.calls.call_months` streams month by month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from data.demo.calendar import Window, WorkCalendar
from data.demo.casework import complaints_frame, kpis_frame, objections_frame, requests_frame
from data.demo.catalog import catalog_frame, departments_frame, last_updated, updates_frame
from data.demo.story import Story, story_for


@dataclass
class City:
    seed: int
    window: Window
    cal: WorkCalendar
    story: Story
    departments: pd.DataFrame
    catalog: pd.DataFrame
    updates: pd.DataFrame
    requests: pd.DataFrame
    objections: pd.DataFrame
    complaints: pd.DataFrame
    kpis: pd.DataFrame

    def dept_code(self, name: str) -> int:
        return int(self.departments.index[self.departments["name"] == name][0])


def build_city(seed: int, end: date) -> City:
    """Everything but the exchange calls, which are streamed by `call_months`."""
    window = Window.ending(end)
    cal = WorkCalendar.around(window)
    story = story_for(window, cal)
    depts = departments_frame(seed, story)
    catalog = catalog_frame(seed, window, depts, story)
    updates = updates_frame(seed, window, catalog, depts, story)
    catalog["last_updated_at"] = last_updated(seed, window, catalog, updates)
    kpis = kpis_frame(seed, window, depts)
    return City(
        seed,
        window,
        cal,
        story,
        depts,
        catalog,
        updates,
        requests=requests_frame(seed, window, cal, depts, catalog),
        objections=objections_frame(seed, window, cal, depts, catalog),
        complaints=complaints_frame(seed, window, cal, depts, kpis, story),
        kpis=kpis,
    )
