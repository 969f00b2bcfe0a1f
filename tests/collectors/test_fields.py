"""Fields that are not plain columns: dotted paths into nested JSON (DCAT / data.json),
constants, extracts by pattern and a catalog's snapshot date, through a full run."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import select

from collectors.config import ConfigError, load_config
from collectors.mapping import ROW_PROBLEM
from collectors.records import canonical_frame
from collectors.runner import run_source
from data.models import CatalogResource
from metrics import snapshots
from tests.collectors.helpers import FIXTURES, REPO, all_rows, reasons, register, source

DATA_JSON = {
    "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
    "dataset": [
        {
            "identifier": "D1",
            "title": "企业名录",
            "accrualPeriodicity": "R/P1M",
            "publisher": {"@type": "org:Organization", "name": "市市场监管局"},
            "contactPoint": {"@type": "vcard:Contact", "fn": "张三"},
            "distribution": [
                {"@type": "dcat:Distribution", "format": "CSV"},
                {"@type": "dcat:Distribution", "accessURL": "https://data.example.cn/api/d1"},
            ],
        },
        {
            "identifier": "D2",
            "title": "年鉴",
            "accrualPeriodicity": "R/P1Y",
            "publisher": {"@type": "org:Organization", "name": "市统计局"},
            "distribution": [{"accessURL": "https://data.example.cn/api/d2"}],
        },
        {
            "identifier": "D3",
            "title": "无名",
            "accrualPeriodicity": "R/P1Y",
            "publisher": {"@type": "org:Organization", "subOrganizationOf": {"name": "省政府"}},
        },
    ],
}


def write(tmp_path, name: str, text: str) -> None:
    folder = tmp_path / "drop"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def catalog_rows(engine) -> list[tuple]:
    return all_rows(
        engine,
        "SELECT resource_code, name, provider_dept_id, update_frequency, service_code "
        "FROM catalog_resource ORDER BY resource_code",
    )


def test_dotted_paths_list_index_and_first_non_empty(engine, tmp_path):
    register(engine, ["市市场监管局", "市统计局"])
    write(tmp_path, "data.json", json.dumps(DATA_JSON, ensure_ascii=False))
    cfg = source(
        tmp_path,
        kind="catalog",
        records_path="dataset",
        columns={
            "identifier": "resource_code",
            "title": "name",
            "publisher.name": "provider_dept",
            "accrualPeriodicity": "update_frequency",
            "distribution.accessURL": "service_code",
        },
    )
    run = run_source(engine, cfg)
    assert (run.counts.rows_read, run.counts.rows_loaded, run.counts.rows_quarantined) == (3, 2, 1)
    # distribution.accessURL: the first distribution without one is passed over
    assert catalog_rows(engine) == [
        ("D1", "企业名录", 1, "monthly", "https://data.example.cn/api/d1"),
        ("D2", "年鉴", 2, "yearly", "https://data.example.cn/api/d2"),
    ]
    assert reasons(engine) == ["缺少必填字段 provider_dept（源列 'publisher.name'）：请在源数据中补全"]


def test_a_list_index_picks_one_element(engine, tmp_path):
    register(engine, ["市市场监管局", "市统计局"])
    write(tmp_path, "data.json", json.dumps(DATA_JSON, ensure_ascii=False))
    cfg = source(
        tmp_path,
        kind="catalog",
        records_path="dataset",
        columns={
            "identifier": "resource_code",
            "title": "name",
            "publisher.name": "provider_dept",
            "accrualPeriodicity": "update_frequency",
            "distribution.0.accessURL": "service_code",
        },
    )
    run_source(engine, cfg)
    assert [r[4] for r in catalog_rows(engine)] == [None, "https://data.example.cn/api/d2"]


def test_a_whole_object_mapped_to_a_text_field_is_quarantined(engine, tmp_path):
    register(engine, ["市市场监管局", "市统计局"])
    write(tmp_path, "data.json", json.dumps(DATA_JSON, ensure_ascii=False))
    cfg = source(
        tmp_path,
        kind="catalog",
        records_path="dataset",
        create_unknown_departments=True,
        columns={
            "identifier": "resource_code",
            "title": "name",
            "publisher": "provider_dept",
            "accrualPeriodicity": "update_frequency",
        },
    )
    run = run_source(engine, cfg)
    assert (run.counts.rows_loaded, run.counts.rows_quarantined) == (0, 3)
    assert set(reasons(engine)) == {
        "列 'publisher' 是一个对象或列表，不能作为字段 provider_dept 的取值：请在 [source.columns] 中指向其中的"
        '具体字段，如 "publisher.name"，或用 "publisher.0.name" 取列表第一项'
    }
    assert all_rows(engine, "SELECT name FROM department ORDER BY id") == [("市市场监管局",), ("市统计局",)]


HOTLINE = """工单号,留言主题,受理时间
T1,A3区 道路积水,2026-03-02 09:00
T2,关于A12县 噪音扰民,2026-03-02 10:00
T3,无地区的留言,2026-03-02 11:00
"""


def test_constant_department_for_a_file_of_one_unit(engine, tmp_path):
    register(engine, ["市公安局"])
    write(tmp_path, "hotline.csv", HOTLINE)
    cfg = source(
        tmp_path,
        kind="complaint",
        columns={"工单号": "ticket_id", "受理时间": "received_at"},
        constants={"dept": "市公安局"},
    )
    run = run_source(engine, cfg)
    assert (run.counts.rows_loaded, run.counts.rows_quarantined) == (3, 0)
    assert all_rows(engine, "SELECT DISTINCT dept_id FROM complaint") == [(1,)]


def test_department_extracted_from_the_subject(engine, tmp_path):
    register(engine, ["A3区", "A12县"])
    write(tmp_path, "hotline.csv", HOTLINE)
    cfg = source(
        tmp_path,
        kind="complaint",
        columns={"工单号": "ticket_id", "受理时间": "received_at"},
        extract={"dept": {"from": "留言主题", "pattern": "(A\\d+[区县市])"}},
    )
    run = run_source(engine, cfg)
    assert (run.counts.rows_loaded, run.counts.rows_quarantined) == (2, 1)
    assert all_rows(engine, "SELECT ticket_id, dept_id FROM complaint ORDER BY ticket_id") == [("T1", 1), ("T2", 2)]
    assert reasons(engine) == [
        "字段 dept 取自列 '留言主题'，按规则 (A\\d+[区县市]) 未匹配到：请核对该行的 留言主题，"
        "或调整 [source.extract] 中的 pattern"
    ]


CATALOG = "标题,来源部门,更新频率,更新时间\n年鉴,市统计局,每年,2023-06-12\n"
CATALOG_COLUMNS = {
    "标题": "name",
    "来源部门": "provider_dept",
    "更新频率": "update_frequency",
    "更新时间": "last_updated_at",
}


def snapshot_times(engine) -> list[tuple]:
    t = CatalogResource.__table__
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(t.c.first_seen_at, t.c.snapshot_at))]


def test_snapshot_at_of_a_source(engine, tmp_path):
    register(engine, ["市统计局"])
    write(tmp_path, "cat.csv", CATALOG)
    run_source(engine, source(tmp_path, kind="catalog", columns=CATALOG_COLUMNS, snapshot_at="2023-06-17"))
    # 2023-06-17 00:00 Shanghai
    assert snapshot_times(engine) == [(datetime(2023, 6, 16, 16),) * 2]


def test_snapshot_at_from_the_file_name(engine, tmp_path):
    register(engine, ["市统计局"])
    write(tmp_path, "catalog_20230617.csv", CATALOG)
    write(tmp_path, "catalog_latest.csv", CATALOG.replace("年鉴", "公报"))
    cfg = source(tmp_path, kind="catalog", columns=CATALOG_COLUMNS, snapshot_at_pattern="(\\d{8})")
    run = run_source(engine, cfg)
    assert (run.counts.rows_loaded, run.counts.rows_quarantined) == (1, 1)
    assert snapshot_times(engine) == [(datetime(2023, 6, 16, 16),) * 2]
    assert reasons(engine) == [
        "文件名 'catalog_latest.csv' 中找不到快照日期（snapshot_at_pattern = '(\\\\d{8})'）："
        "请按约定命名文件，或在数据源中填写 snapshot_at"
    ]


def test_real_portal_catalog_evaluated_at_the_day_it_was_crawled(engine, tmp_path):
    # the Anhui (六安) open-data catalog, crawled in June 2023: every resource's history starts then
    (tmp_path / "drop").mkdir()
    shutil.copy(FIXTURES / "opendata_catalog_anhui_luan.json", tmp_path / "drop")
    cfg = source(
        tmp_path,
        kind="catalog",
        glob="*.json",
        create_unknown_departments=True,
        snapshot_at="2023-06-17",
        columns={
            "标题": "name",
            "来源部门": "provider_dept",
            "更新频率": "update_frequency",
            "更新时间": "last_updated_at",
            "发布时间": "registered_at",
        },
    )
    run = run_source(engine, cfg)
    assert (run.counts.rows_loaded, run.counts.rows_quarantined) == (546, 0)
    assert set(snapshot_times(engine)) == {(datetime(2023, 6, 16, 16),) * 2}


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(kind="complaint", constants={"dept": ""}), "constants.dept 应为非空"),
        (dict(kind="complaint", constants={"owner": "x"}), "constants.owner 不是 complaint 的字段"),
        (dict(kind="complaint", columns={"部门": "dept"}, constants={"dept": "x"}), "已由 [source.columns]"),
        (dict(kind="complaint", extract={"dept": {"from": "主题"}}), "extract.dept 应写成"),
        (dict(kind="complaint", extract={"dept": {"from": "主题", "pattern": "("}}), "不是有效的正则表达式"),
        (dict(kind="complaint", snapshot_at="2023-06-17"), '只适用于 kind = "catalog"'),
        (dict(kind="catalog", snapshot_at_pattern=""), "snapshot_at_pattern 应为正则表达式字符串"),
        (
            dict(kind="catalog", reader="http", url="http://x", snapshot_at_pattern="(\\d{8})"),
            '只适用于 reader = "files"',
        ),
    ],
)
def test_config_errors_name_the_key(tmp_path, options, message):
    with pytest.raises(ConfigError, match=None) as err:
        source(tmp_path, **options)
    assert message in str(err.value)


def documented_examples() -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """docs/sources.md's `# example: NAME` blocks → (TOML, [(file path, content)] that follow it)."""
    text = (REPO / "docs" / "sources.md").read_text(encoding="utf-8")
    examples: dict[str, tuple[str, list]] = {}
    name = None
    for part in text.split("```")[1::2]:
        info, _, body = part.partition("\n")
        if info == "toml" and body.startswith("# example: "):
            name = body.splitlines()[0].removeprefix("# example: ")
            examples[name] = (body, [])
        elif info in ("csv", "json") and name:
            path, _, content = body.partition("\n")
            examples[name][1].append((path, content))
        elif info == "toml":
            name = None
    return examples


EXAMPLES = documented_examples()
# what each documented example loads and quarantines, source by source (hand-counted from its files)
EXAMPLE_OUTCOMES = {
    "data-json": {"departments": (1, 0), "portal": (1, 0)},
    "constants-extract": {"departments": (2, 0), "hotline-police": (1, 0), "hotline-districts": (1, 1)},
    "snapshot-at": {"departments": (1, 0), "open-catalog": (2, 0)},
}


@pytest.mark.parametrize("example", sorted(EXAMPLE_OUTCOMES))
def test_documented_examples_run_as_written(engine, tmp_path, example):
    toml, files = EXAMPLES[example]
    for path, content in files:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(content, encoding="utf-8")
    (tmp_path / "sources.toml").write_text(toml, encoding="utf-8")
    outcome = {}
    for cfg in load_config(tmp_path / "sources.toml").sources:
        run = run_source(engine, replace(cfg, settle_seconds=0))
        outcome[cfg.name] = (run.counts.rows_loaded, run.counts.rows_quarantined)
    assert outcome == EXAMPLE_OUTCOMES[example]
    if example == "data-json":
        assert catalog_rows(engine) == [("TJ-1", "统计年鉴", 1, "yearly", "https://data.example.cn/api/tj-1")]
    if example == "snapshot-at":
        t = CatalogResource.__table__
        with engine.connect() as conn:
            stored = conn.execute(
                select(t.c.name, t.c.update_frequency, t.c.update_note, t.c.first_seen_at).order_by(t.c.name)
            ).all()
        assert [tuple(r) for r in stored] == [
            ("统计公报", "unknown", None, datetime(2023, 6, 16, 16)),
            ("统计年鉴", "yearly", "更新说明：每年一月更新", datetime(2023, 6, 16, 16)),
        ]


def test_catalog_frequencies_from_file_to_scores(engine, tmp_path):
    # 年鉴: frequency unreadable → stored unknown, flagged, counted for mount/open only.
    # 公报: monthly with a note; first listed 03-01, no update since → March slot due 04-05 missed: 0 of 1.
    # 名录: 每 3 月 without registration, last updated 01-15 → snapshot rule: on time while
    #        as_of ≤ 04-15 + 10 days; as of 04-10 → 1 of 1. update_on_time = 1/2; mount 3/3, open 3/3.
    register(engine, ["市统计局"])
    write(
        tmp_path,
        "catalog.csv",
        "代码,标题,来源部门,共享类型,更新频率,是否挂接,更新时间,登记日期\n"
        "R1,年鉴,市统计局,有条件共享,偶尔,是,2026-01-15,2025-01-01\n"
        "R2,公报,市统计局,有条件共享,每月(更新说明:暂无新业务数据产生),是,2026-02-20,2025-01-01\n"
        "R3,名录,市统计局,有条件共享,每 3 月,是,2026-01-15,\n",
    )
    cfg = source(
        tmp_path,
        kind="catalog",
        snapshot_at="2026-03-01",
        columns={
            "代码": "resource_code",
            "标题": "name",
            "来源部门": "provider_dept",
            "共享类型": "share_type",
            "更新频率": "update_frequency",
            "是否挂接": "mounted",
            "更新时间": "last_updated_at",
            "登记日期": "registered_at",
        },
    )
    assert run_source(engine, cfg).counts.rows_loaded == 3
    a = snapshots.compute(engine, "2026-03", date(2026, 4, 10))
    ind = a.indicators.set_index("key")
    assert {
        k: (ind.loc[k, "numerator"], ind.loc[k, "denominator"]) for k in ("update_on_time", "mount_rate", "open_rate")
    } == {"update_on_time": (1, 2), "mount_rate": (3, 3), "open_rate": (3, 3)}
    ev = a.evidence[a.evidence["indicator"] == "update_on_time"].set_index("item_key")
    assert ev.loc["R1", "status"] == "flagged"
    assert ev.loc["R1", "detail"] == {"说明": "更新频率缺失或无法识别：请在目录中登记更新频率", "目录原文": "偶尔"}
    assert ev.loc["R2", "detail"]["更新说明"] == "更新说明:暂无新业务数据产生"
    assert "R3" not in ev.index


def test_objects_are_looked_for_only_where_a_reader_gave_nested_values(tmp_path):
    cfg = source(tmp_path, kind="catalog", columns={"p": "provider_dept", "t": "name", "f": "update_frequency"})
    # a database's JSON column holds Python objects: found
    db_rows = pd.DataFrame({"p": [{"name": "市统计局"}, "市统计局"], "t": ["年鉴", "公报"], "f": ["每年", "每年"]})
    frame = canonical_frame(db_rows, cfg)
    assert frame["provider_dept"].isna().tolist() == [True, False]
    assert frame[ROW_PROBLEM].notna().tolist() == [True, False]
    # CSV text that merely looks like JSON is text: nothing to find
    csv_rows = pd.DataFrame({"p": ['{"name": "x"}'], "t": ["年鉴"], "f": ["每年"]}, dtype="string")
    assert ROW_PROBLEM not in canonical_frame(csv_rows, cfg).columns
