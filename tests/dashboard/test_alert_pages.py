"""AppTest of the alert pages on the dashboard store: the inspector filters, acknowledges,
resolves and turns an alert into a 督办事项 on 预警; a leader reads without acting; a
department sees and handles only its own alerts on 我的得分; an administrator handles
collector health on 数据源状态; the navigation badge counts what each viewer may see."""

from __future__ import annotations

import json

import pytest

from dashboard.alert_badge import alert_title
from data import alert_queries, alerts, supervision
from data.db import get_engine
from data.viewer import Viewer
from tests.dashboard.conftest import login
from tests.dashboard.test_pages import open_page, page_text
from tests.data.alert_frames import day, frame, outage, silent


@pytest.fixture
def found(dashboard_store):
    """市卫健委: a high outage on 2 Nov; 市公安局: a medium one; source exchange silent."""
    ids = dashboard_store.fixture.dept
    alerts.sync_alerts(
        get_engine(),
        frame(outage(ids["市卫健委"], 2), outage(ids["市公安局"], 2, "medium", failed=10), silent("exchange", 2)),
        [day(2)],
    )
    with get_engine().connect() as conn:
        rows = conn.execute(alerts.Alert.__table__.select()).mappings().all()
    return {r["subject"]: r["id"] for r in rows}


def _alert(alert_id: int) -> dict:
    with get_engine().connect() as conn:
        return alerts.get_alert(conn, Viewer("t", "inspector"), alert_id)


def test_inspector_acknowledges_resolves_and_supervises(app, dashboard_store, found):
    health = dashboard_store.fixture.dept["市卫健委"]
    outage_id = found[f"dept:{health}"]
    at = open_page(login(app, "inspector"), "alerts.py")
    text = page_text(at)
    assert "共 2 条，其中高级别 1 条" in text and "数据源 exchange" not in at.dataframe[0].value.to_string()
    assert list(at.dataframe[0].value["对象"]) == ["市卫健委", "市公安局"]
    # 说明 is read whole at 1280×720: a sentence column's width, and rows tall enough to wrap
    columns = json.loads(at.dataframe[0].proto.columns)
    assert columns["说明"]["width"] >= 320 and at.dataframe[0].proto.row_height > 64
    at.selectbox(key="alerts_dept").set_value(health).run()
    assert list(at.dataframe[0].value["对象"]) == ["市卫健委"]
    at.selectbox(key="alerts_pick").set_value(outage_id).run()
    assert "2026-11-02 该部门接口 50 次调用中失败 40 次" in page_text(at)
    at.text_area(key=f"alerts_note_{outage_id}").input("已通知厂商")
    at.button(key=f"alerts_ack_{outage_id}").click().run()
    assert not at.exception and _alert(outage_id)["state"] == "acknowledged"
    with get_engine().connect() as conn:
        assert alert_queries.alert_events(conn, Viewer("t", "inspector"), outage_id)[-1]["note"] == "已通知厂商"
    at.text_area(key=f"alerts_note_{outage_id}").input(" ")
    at.button(key=f"alerts_resolve_{outage_id}").click().run()
    assert "请填写处理说明" in "\n".join(e.value for e in at.error)

    at.text_area(key=f"alerts_req_{outage_id}").input("三个工作日内恢复接口并说明原因")
    at.button(key=f"alerts_supervise_{outage_id}").click().run()
    assert not at.error, [e.value for e in at.error]
    item_id = _alert(outage_id)["supervision_item_id"]
    with get_engine().connect() as conn:
        item = supervision.get_item(conn, Viewer("t", "inspector"), item_id)
    assert (item["dept_id"], item["kind"], item["title"]) == (
        health,
        "service",
        "预警：部门接口集中中断（2026-11-02 起）",
    )

    at.text_area(key=f"alerts_note_{outage_id}").input("接口已恢复")
    at.button(key=f"alerts_resolve_{outage_id}").click().run()
    assert _alert(outage_id)["state"] == "resolved"
    assert "没有符合条件的预警" in page_text(at)  # 市卫健委 has no open alert left


def test_the_department_page_opens_at_the_month_of_the_alert(app, dashboard_store, found):
    health = dashboard_store.fixture.dept["市卫健委"]
    at = open_page(login(app, "leader"), "alerts.py")
    at.selectbox(key="alerts_pick").set_value(found[f"dept:{health}"]).run()
    at.button(key=f"alerts_dept_{found[f'dept:{health}']}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["部门详情"]
    assert at.selectbox(key="department_pick").value == health
    assert at.selectbox(key="department_period_month").value == "2026-11"


def test_leader_reads_without_acting(app, found):
    at = open_page(login(app, "leader"), "alerts.py")
    assert len(at.dataframe[0].value) == 2
    assert not any(b.key and ("_ack_" in b.key or "_resolve_" in b.key) for b in at.button)


def test_department_sees_and_handles_only_its_own(app, dashboard_store, found):
    police = dashboard_store.fixture.dept["市公安局"]
    at = open_page(login(app, dashboard_store.dept_user("市公安局")), "my_scores.py")
    text = page_text(at)
    assert "本部门预警" in text and "市卫健委" not in text and "exchange" not in text
    own_id = found[f"dept:{police}"]
    assert list(at.dataframe[0].value["编号"]) == [own_id]
    at.text_area(key=f"mine_alerts_note_{own_id}").input("已排查，系网络割接")
    at.button(key=f"mine_alerts_resolve_{own_id}").click().run()
    assert _alert(own_id)["state"] == "resolved"
    assert "本部门当前没有未解决的预警" in page_text(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/alerts.py")


def test_admin_handles_collector_health_on_sources(app, found):
    at = open_page(login(app, "root"), "sources.py")
    health_id = found["source:exchange"]
    assert "数据源 exchange" in page_text(at)
    at.text_area(key=f"sources_alerts_note_{health_id}").input("采集服务器已恢复")
    at.button(key=f"sources_alerts_resolve_{health_id}").click().run()
    assert _alert(health_id)["state"] == "resolved"


def test_badge_counts_what_each_viewer_may_see(dashboard_store, found):
    ids = dashboard_store.fixture.dept
    assert alert_title(Viewer("i", "inspector"), "alerts.py", "预警") == "预警（2 条预警）"
    assert alert_title(Viewer("d", "department", dept_id=ids["市公安局"]), "my_scores.py", "我的得分") == (
        "我的得分（1 条预警）"
    )
    assert alert_title(Viewer("d", "department", dept_id=ids["西湖区"]), "my_scores.py", "我的得分") == "我的得分"
    assert alert_title(Viewer("a", "admin"), "sources.py", "数据源状态") == "数据源状态（1 条预警）"
