"""The scheme page through AppTest: change a weight, see the comparison, build the workbook,
save a version (with its audit row), and the loader's error next to the field.

The scheme folder is a copy of metrics/schemes in tmp_path (PAOBAN_SCHEME_DIR), so saving
writes nowhere in the repository.
"""

from __future__ import annotations

import io
import json
import shutil

import openpyxl
import pytest
from sqlalchemy import select

from dashboard.whatif_panels import whatif_workbook
from data.db import get_engine
from data.models import AuditLog
from data.stored_values import snapshot_values
from data.viewer import Viewer
from metrics.scheme import load_scheme, parse_scheme, scheme_path, scheme_versions
from metrics.scheme_text import raw_scheme, reweigh, to_toml
from metrics.sensitivity import sensitivity
from metrics.whatif import compare
from tests.dashboard.conftest import login
from tests.dashboard.test_pages import open_page, page_text


@pytest.fixture
def schemes(monkeypatch, tmp_path):
    folder = tmp_path / "schemes"
    folder.mkdir()
    shutil.copy(scheme_path(2026), folder / "2026.toml")
    monkeypatch.setenv("PAOBAN_SCHEME_DIR", str(folder))
    return folder


def editor(app, user: str):
    at = open_page(login(app, user), "scheme_editor.py")
    at.radio(key="whatif_kind").set_value("month").run()
    at.selectbox(key="whatif_period_month").set_value("2026-10").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def comparison(at) -> dict:
    table = next(d for d in at.dataframe if "草案总分" in d.value.columns).value
    return table.set_index("部门").to_dict("index")


@pytest.mark.slow
def test_change_one_weight_compare_and_save(app, dashboard_store, schemes):
    at = editor(app, "root")
    assert at.selectbox(key="se_pick").value == "2026.1"
    assert at.text_input(key="se:version").value == "2026.2"
    rows = comparison(at)
    # unchanged draft: 市公安局 mount 87.5 (w 8), call 100 (w 7) → 数据共享 93.33; 数据更新 100;
    # 投诉 100; 政务服务 no data → (40 × 93.33 + 25 × 100 + 15 × 100) / 80 = 96.67
    assert rows["市公安局"]["草案总分"] == pytest.approx(96.67)
    assert rows["市公安局"]["总分变化"] == 0

    at.number_input(key="se:dimensions[0].weight").set_value(30.0).run()
    assert not at.exception, [e.value for e in at.exception]
    # 联动: 数据更新 25 → 29.17, 投诉 15 → 17.5, 政务服务 20 → 23.33
    assert at.number_input(key="se:dimensions[1].weight").value == pytest.approx(29.17)
    rows = comparison(at)
    # (30 × 93.33 + 29.17 × 100 + 17.5 × 100) / 76.67 = 97.39
    assert rows["市公安局"]["草案总分"] == pytest.approx(97.39)
    assert rows["市公安局"]["总分变化"] == pytest.approx(0.72)
    assert "维度“数据共享”权重：40 → 30" in page_text(at)

    at.text_input(key="se_note").input("2027 年度征求意见稿")
    at.button(key="se_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已保存为方案版本 2026.2" in s.value for s in at.success)
    saved = scheme_versions()["2026.2"]
    assert saved == schemes / "versions" / "2026.2.toml"
    assert parse_scheme(saved.read_text(encoding="utf-8")).dimensions[0].weight == 30
    assert load_scheme(2026).version == "2026.1"  # saving puts nothing in force
    with get_engine().connect() as conn:
        row = conn.execute(select(AuditLog.__table__).where(AuditLog.__table__.c.action == "scheme.save")).one()
    detail = json.loads(row.detail)
    assert (row.actor, row.target, detail["from_version"], detail["note"]) == (
        "root",
        "scheme:2026.2",
        "2026.1",
        "2027 年度征求意见稿",
    )
    assert "维度“数据共享”权重：40 → 30" in detail["changes"]
    # the page reopens on the saved version, offering the next free version number
    assert at.selectbox(key="se_pick").value == "2026.2"
    assert at.text_input(key="se:version").value == "2026.3"


def test_loader_error_is_shown_next_to_the_field(app, dashboard_store, schemes):
    at = editor(app, "root")
    at.number_input(key="se:dimensions[0].indicators[0].floor").set_value(100.0).run()
    errors = [e.value for e in at.error]
    assert any("dimensions[0].indicators[0].floor 与 target 相同" in e for e in errors), errors
    assert at.button(key="se_save").disabled
    assert "草案有错误，改正后即可看到模拟结果。" in page_text(at)


def test_leader_reads_but_cannot_edit(app, dashboard_store, schemes):
    at = editor(app, "leader")
    assert at.number_input(key="se:dimensions[0].weight").disabled
    assert not [b for b in at.button if b.key == "se_save"]
    assert "whatif_xlsx" in {b.key for b in at.get("download_button")}


@pytest.mark.slow
def test_sensitivity_view(app, dashboard_store, schemes):
    at = editor(app, "leader")
    at.toggle(key="whatif_sensitivity").set_value(True).run()
    scenarios = next(d for d in at.dataframe if "情景" in d.value.columns).value
    # 4 dimension weights and 13 targets, each up and down
    assert len(scenarios) == 34
    assert scenarios["情景"].iloc[0] == "维度“数据共享”权重 40 → 45"


def test_department_users_have_no_scheme_page(app, dashboard_store):
    at = login(app, dashboard_store.dept_user("市公安局"))
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/scheme_editor.py")


@pytest.mark.slow
def test_workbook_of_the_comparison(dashboard_store, schemes):
    raw = raw_scheme(scheme_path(2026).read_text(encoding="utf-8"))
    draft_raw = reweigh(raw, "dimensions[0].weight", 30)
    with get_engine().connect() as conn:
        values = snapshot_values(conn, Viewer("lead", "leader"), dashboard_store.fixture.snapshot["2026-10"])
    c = compare(values, load_scheme(2026), parse_scheme(to_toml(draft_raw)))
    book = openpyxl.load_workbook(
        io.BytesIO(whatif_workbook(values, c, ["维度“数据共享”权重：40 → 30"], sensitivity(values, draft_raw)))
    )
    assert book.sheetnames == ["对比", "汇总", "敏感性_情景", "敏感性_部门", "说明"]
    sheet = book["对比"]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[header.index("部门")] == "市公安局")
    assert row[header.index("草案总分")] == pytest.approx(97.39)
    assert row[header.index("现行总分")] == pytest.approx(96.67)


def test_scheme_dir_moves_the_folder_for_the_pages(app, dashboard_store, schemes):
    from dashboard.format import scheme_for

    path = schemes / "2026.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('"2026.1"', '"2026.9"'), encoding="utf-8")
    assert scheme_for(2026).version == "2026.9"
    at = open_page(login(app, "root"), "sources.py")
    assert "版本 2026.9" in page_text(at)
    at = open_page(at, "scheme_editor.py")
    assert at.selectbox(key="se_pick").options == ["2026.9（现行 2026 年方案）"]
    assert "现行方案 2026.9 对比草案 2026.10" in page_text(at)
