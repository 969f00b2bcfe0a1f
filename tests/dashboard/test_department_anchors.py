"""AppTest: 部门详情 opens with an anchor list whose every link lands on one of its section headings."""

from __future__ import annotations

import re

from tests.dashboard.conftest import login
from tests.dashboard.test_pages import open_page


def test_anchor_list_links_every_section(app, dashboard_store):
    at = login(app, "leader")
    at.query_params["dept"] = str(dashboard_store.fixture.dept["市卫健委"])
    open_page(at, "department.py")
    links = next(m.value for m in at.markdown if m.value.startswith("[指标]"))
    pairs = re.findall(r"\[([^\]]+)\]\(#([a-z]+)\)", links)
    assert [title for title, _ in pairs] == ["指标", "计算说明", "问题清单", "接口调用", "投诉工单", "月度总分走势"]
    anchors = {h.proto.anchor: h.value for h in at.subheader}
    for title, anchor in pairs:
        assert anchors[anchor].startswith(title), (title, anchor)
