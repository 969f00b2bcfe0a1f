"""部门详情 shows the department's complaint tickets (count per month beside the stored
每万件投诉量, the list with filters), and no other department's."""

from __future__ import annotations

from tests.dashboard.conftest import login
from tests.dashboard.test_pages import open_page, page_text


def _tickets(at):
    return next(f.value for f in at.dataframe if "工单编号" in f.value.columns)


def test_department_page_lists_its_own_tickets_and_filters_them(app, dashboard_store):
    at = login(app, "inspector")
    at.query_params["dept"] = str(dashboard_store.fixture.dept["市公安局"])
    open_page(at, "department.py")
    assert not at.exception, [e.value for e in at.exception]
    assert "投诉工单" in [s.value for s in at.subheader]
    assert any(c.key == "department_complaints" for c in at.get("plotly_chart"))
    tickets = _tickets(at)
    # the fixture's two tickets, 02:00 UTC = 10:00 Beijing time, newest first, no category given
    assert list(tickets["工单编号"]) == ["GD-01-0002", "GD-01-0001"]
    assert list(tickets["受理时间"]) == ["2026-10-11 10:00", "2026-10-10 10:00"]
    assert tickets["办结时间"].isna().all()  # still open: blank, not NaT
    assert set(tickets["类别"]) == {"未分类"} and set(tickets["评价"]) == {"未评价"}
    assert "市人社局办事排队时间长" not in page_text(at)
    at.text_input(key="complaint_search").input("0001").run()
    assert list(_tickets(at)["工单编号"]) == ["GD-01-0001"]
    at.text_input(key="complaint_search").input("没有这样的诉求").run()
    assert "没有符合条件的投诉工单。" in page_text(at)
