"""AppTest: the ranking page's 排名区间 column and the department header's rank note show
the rank intervals the snapshot stored (metrics/fairness.py), for a city scored by metrics."""

from __future__ import annotations

from sqlalchemy import select

from dashboard.format import RANK_SPAN_HELP
from data.db import get_engine
from data.models import Department, RankInterval
from tests.dashboard.conftest import login
from tests.dashboard.test_pages import open_page, page_text, scored_app  # noqa: F401  (fixture)


def stored_intervals() -> dict[str, tuple[int, int, str]]:
    r, d = RankInterval.__table__, Department.__table__
    with get_engine().connect() as conn:
        rows = conn.execute(select(d.c.name, r.c.rank_best, r.c.rank_worst, r.c.note).join(d, d.c.id == r.c.dept_id))
        return {name: (best, worst, note) for name, best, worst, note in rows}


def test_ranking_shows_the_stored_rank_interval_of_every_department(scored_app):  # noqa: F811
    stored = stored_intervals()
    assert set(stored) == {"市数据局", "市人社局", "甲区"}
    at = open_page(login(scored_app, "leader"), "ranking.py")
    shown = {}
    for category in ("city_dept", "district"):
        at.radio(key="ranking_category").set_value(category).run()
        table = at.dataframe[0].value
        assert list(table.columns[:3]) == ["排名", "排名区间", "变化"]
        shown.update(dict(zip(table["部门"], table["排名区间"])))
    assert shown == {name: f"{best}–{worst}" for name, (best, worst, _) in stored.items()}
    assert RANK_SPAN_HELP in page_text(at)
    # a department alone in its category cannot rank anywhere else
    assert stored["甲区"][:2] == (1, 1)


def test_department_header_shows_the_rank_note(scored_app):  # noqa: F811
    stored = stored_intervals()
    at = login(scored_app, "leader")
    with get_engine().connect() as conn:
        dept_id = conn.execute(select(Department.__table__.c.id).where(Department.__table__.c.name == "市人社局"))
        at.query_params["dept"] = str(dept_id.scalar_one())
    open_page(at, "department.py")
    note = stored["市人社局"][2]
    assert note.startswith(f"排名区间 {stored['市人社局'][0]}–{stored['市人社局'][1]}")
    assert note in [c.value for c in at.caption]
