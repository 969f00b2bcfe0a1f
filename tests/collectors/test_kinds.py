"""Every record kind through a full run on SQLite and PostgreSQL: what loads, what is a
duplicate, what is quarantined and why."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from collectors.runner import run_source
from data.models import (
    CatalogResource,
    Complaint,
    ExchangeFaultMonth,
    ExchangePartnerMonth,
    ExchangeServiceMonth,
    OfficeKpi,
    ResourceUpdate,
    SharingRequest,
)
from tests.collectors.helpers import all_rows, count, quarantine_rows, reasons, register, scalar, source


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    folder = tmp_path / "drop"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding=encoding)


def rows(engine, model, order):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(model.__table__).order_by(order)).mappings()]


def test_departments_with_categories_and_aliases(engine, tmp_path):
    write(
        tmp_path,
        "depts.csv",
        "名称,类别,别名\n市人力资源和社会保障局,市直部门,市人社局、人社局\n示例市南湖区,区县,南湖区\n市某局,街道,\n",
    )
    cfg = source(tmp_path, kind="department", columns={"名称": "name", "类别": "category", "别名": "aliases"})
    run = run_source(engine, cfg)
    assert (run.counts.rows_read, run.counts.rows_loaded, run.counts.rows_quarantined) == (3, 2, 1)
    assert count(engine, "department") == 2 and count(engine, "department_alias") == 3
    assert reasons(engine) == ["部门类别 '街道' 无法识别：应为 市直部门 或 区县"]
    assert scalar(engine, "SELECT category FROM department WHERE name = '示例市南湖区'") == "district"


CATALOG = """资源代码,资源名称,提供部门,共享类型,更新频率,是否挂接,最近更新时间,登记日期,快照时间
R1,社保参保信息,市人社局,有条件共享,每月,是,2026-03-01 08:00:00,2025-01-02,2026-03-02 09:00
R2,就业登记,市人社局,无条件共享,每 2 周,否,,2025-01-02,2026-03-02 09:00
R3,企业名录,市市场监管局,不予共享,每季度,是,2026-02-01,,2026-03-02 09:00
R4,按旬更新,市人社局,有条件共享,每旬,是,2026-02-01,,2026-03-02 09:00
R5,挂接不明,市人社局,有条件共享,每年,也许,2026-02-01,,2026-03-02 09:00
R6,带说明,市人社局,有条件共享,每月(更新说明:暂无新业务数据产生),是,2026-02-01,,2026-03-02 09:00
R7,未知频率,市人社局,有条件共享,偶尔,是,2026-02-01,,2026-03-02 09:00
R8,缺少频率,市人社局,有条件共享,,是,2026-02-01,,2026-03-02 09:00
"""
CATALOG_COLUMNS = {
    "资源代码": "resource_code",
    "资源名称": "name",
    "提供部门": "provider_dept",
    "共享类型": "share_type",
    "更新频率": "update_frequency",
    "是否挂接": "mounted",
    "最近更新时间": "last_updated_at",
    "登记日期": "registered_at",
    "快照时间": "snapshot_at",
}


def test_catalog_snapshots_upsert_and_record_moved_updates(engine, tmp_path):
    register(engine, ["市人力资源和社会保障局"], aliases={"市人力资源和社会保障局": ["市人社局"]})
    write(tmp_path, "cat1.csv", CATALOG)
    cfg = source(tmp_path, kind="catalog", columns=CATALOG_COLUMNS)
    first = run_source(engine, cfg)
    assert (first.counts.rows_read, first.counts.rows_loaded, first.counts.rows_quarantined) == (8, 6, 2)
    assert reasons(engine) == [
        "未知部门 '市市场监管局'：请在部门别名中添加（[source.aliases] 或 python -m data dept add --alias）",
        "字段 mounted 的取值 '也许' 无法识别：请在 [source.values.mounted] 中添加映射",
    ]
    stored = rows(engine, CatalogResource, CatalogResource.resource_code)
    # a note never hides the frequency; a missing or unreadable one is stored as unknown, the text kept
    assert [
        (r["resource_code"], r["share_type"], r["update_frequency"], r["mounted"], r["update_note"]) for r in stored
    ] == [
        ("R1", "conditional", "monthly", True, None),
        ("R2", "unconditional", "every_2_weeks", False, None),
        ("R4", "conditional", "every_10_days", True, None),
        ("R6", "conditional", "monthly", True, "更新说明:暂无新业务数据产生"),
        ("R7", "conditional", "unknown", True, "偶尔"),
        ("R8", "conditional", "unknown", True, None),
    ]
    assert stored[0]["last_updated_at"] == datetime(2026, 3, 1, 0, 0)  # 08:00 Shanghai
    assert stored[0]["registered_at"] == date(2025, 1, 2)
    assert count(engine, "resource_update") == 0  # a first snapshot records no update
    assert stored[0]["first_seen_at"] == datetime(2026, 3, 2, 1, 0)  # the snapshot's own time

    write(
        tmp_path,
        "cat2.csv",
        "资源代码,资源名称,提供部门,共享类型,更新频率,是否挂接,最近更新时间,快照时间\n"
        "R1,社保参保信息,市人社局,有条件共享,每月,是,2026-04-01 08:00:00,2026-04-02 09:00\n"
        "R2,就业登记,市人社局,无条件共享,每 2 周,否,,2026-04-02 09:00\n",
    )
    second = run_source(engine, cfg)
    assert (second.counts.rows_loaded, second.counts.rows_duplicate) == (1, 1)
    r1 = rows(engine, CatalogResource, CatalogResource.resource_code)[0]
    assert r1["first_seen_at"] == datetime(2026, 3, 2, 1, 0) and r1["snapshot_at"] == datetime(2026, 4, 2, 1, 0)
    assert r1["last_updated_at"] == datetime(2026, 4, 1, 0, 0)
    updates = rows(engine, ResourceUpdate, ResourceUpdate.updated_at)
    assert [(u["resource_code"], u["updated_at"]) for u in updates] == [("R1", datetime(2026, 4, 1, 0, 0))]


def test_catalog_without_codes_derives_stable_ones_and_folds_repeats(engine, tmp_path):
    register(engine, ["市统计局"])
    text = "标题,来源部门,更新频率\n年鉴,市统计局,每年\n年鉴,市统计局,每年\n年鉴,市统计局,每月\n公报,市统计局,每年\n"
    write(tmp_path, "cat.csv", text)
    cfg = source(
        tmp_path, kind="catalog", columns={"标题": "name", "来源部门": "provider_dept", "更新频率": "update_frequency"}
    )
    run = run_source(engine, cfg)
    assert (run.counts.rows_loaded, run.counts.rows_duplicate, run.counts.rows_quarantined) == (2, 1, 1)
    assert reasons(engine)[0].startswith("重复编号但内容不同")
    codes = [r["resource_code"] for r in rows(engine, CatalogResource, CatalogResource.name)]
    assert all(c.startswith("auto-") for c in codes) and len(set(codes)) == 2


def test_resource_updates_take_provider_from_the_catalog(engine, tmp_path):
    register(engine, ["市统计局"])
    with engine.begin() as conn:
        conn.execute(
            CatalogResource.__table__.insert().values(
                resource_code="R9",
                name="公报",
                provider_dept_id=1,
                share_type="conditional",
                update_frequency="monthly",
                first_seen_at=datetime(2026, 1, 1),
                snapshot_at=datetime(2026, 1, 1),
            )
        )
    write(
        tmp_path,
        "u.jsonl",
        '{"code": "R9", "at": "2026-03-05 09:00"}\n{"code": "R9", "at": "2026-03-05 09:00"}\n'
        '{"code": "R0", "at": "2026-03-06 09:00"}\n{"code": "R9", "at": "later"}\n',
    )
    cfg = source(tmp_path, kind="resource_update", columns={"code": "resource_code", "at": "updated_at"})
    run = run_source(engine, cfg)
    assert (run.counts.rows_loaded, run.counts.rows_duplicate, run.counts.rows_quarantined) == (1, 1, 2)
    assert reasons(engine)[0].startswith("未知资源编码 'R0'：请先导入共享目录")
    assert reasons(engine)[1].startswith("字段 updated_at 的时间 'later' 无法识别")


REQUESTS = {
    "编号": "request_id",
    "申请部门": "requester_dept",
    "提供部门": "provider_dept",
    "申请时间": "submitted_at",
    "答复时间": "answered_at",
    "结果": "decision",
}


def test_events_insert_ignore_fill_progress_and_quarantine_contradictions(engine, tmp_path):
    register(engine, ["市民政局", "市公安局"])
    write(
        tmp_path,
        "a.csv",
        "编号,申请部门,提供部门,申请时间,答复时间,结果\n"
        "Q1,市民政局,市公安局,2026-03-02 09:00,,\n"
        "Q2,市民政局,市公安局,2026-03-02 10:00,2026-03-03 10:00,同意\n"
        "Q2,市民政局,市公安局,2026-03-02 10:00,2026-03-03 10:00,同意\n"
        ",市民政局,市公安局,2026-03-02 10:00,,\n",
    )
    cfg = source(tmp_path, kind="sharing_request", columns=REQUESTS)
    run = run_source(engine, cfg)
    assert (run.counts.rows_loaded, run.counts.rows_duplicate, run.counts.rows_quarantined) == (2, 1, 1)
    assert reasons(engine) == ["缺少必填字段 request_id（源列 '编号'）：请在源数据中补全"]
    write(
        tmp_path,
        "b.csv",
        "编号,申请部门,提供部门,申请时间,答复时间,结果\n"
        "Q1,市民政局,市公安局,2026-03-02 09:00,2026-03-04 09:00,同意\n"
        "Q2,市民政局,市公安局,2026-03-02 10:00,2026-03-05 10:00,不同意\n",
    )
    run = run_source(engine, cfg)
    assert (run.counts.rows_loaded, run.counts.rows_duplicate, run.counts.rows_quarantined) == (1, 0, 1)
    stored = rows(engine, SharingRequest, SharingRequest.request_id)
    assert stored[0]["answered_at"] == datetime(2026, 3, 4, 1, 0) and stored[0]["decision"] == "同意"
    assert stored[1]["decision"] == "同意"
    contradiction = quarantine_rows(engine)[-1]
    assert contradiction["reason"].startswith(
        "重复编号但内容不同：编号 'Q2' 已存在（答复时间 已有 '2026-03-03 02:00:00'"
    )
    assert contradiction["file"] == "b.csv" and contradiction["line"] == 3
    assert contradiction["raw"] == "Q2,市民政局,市公安局,2026-03-02 10:00,2026-03-05 10:00,不同意"


def test_objections_complaints_and_office_kpis(engine, tmp_path):
    register(engine, ["市民政局", "市公安局"])
    write(tmp_path, "o.csv", "编号,提出部门,提供部门,提出时间,类型\nO1,市民政局,市公安局,2026-03-02 09:00,错误\n")
    run = run_source(
        engine,
        source(
            tmp_path,
            kind="data_objection",
            name="objections",
            glob="o.csv",
            columns={
                "编号": "objection_id",
                "提出部门": "raised_by",
                "提供部门": "provider_dept",
                "提出时间": "raised_at",
                "类型": "kind",
            },
        ),
    )
    assert run.counts.rows_loaded == 1
    assert scalar(engine, "SELECT raised_by_dept_id FROM data_objection") == 1

    write(
        tmp_path,
        "c.csv",
        "工单号,承办单位,受理时间,时限,满意度\nT1,市公安局,2026年3月5日 9时30分,5,满意\n"
        "T2,市公安局,2026-03-06,-1,满意\nT3,市公安局,2026-03-06,,很好\nT4,市公安局,2026-03-07,,\n",
    )
    run = run_source(
        engine,
        source(
            tmp_path,
            kind="complaint",
            name="complaints",
            glob="c.csv",
            columns={
                "工单号": "ticket_id",
                "承办单位": "dept",
                "受理时间": "received_at",
                "时限": "limit_workdays",
                "满意度": "satisfaction",
            },
        ),
    )
    assert (run.counts.rows_loaded, run.counts.rows_quarantined) == (2, 2)
    tickets = rows(engine, Complaint, Complaint.ticket_id)
    assert [(t["ticket_id"], t["satisfaction"], t["limit_workdays"]) for t in tickets] == [
        ("T1", "satisfied", 5),
        ("T4", "unrated", None),
    ]
    assert tickets[0]["received_at"] == datetime(2026, 3, 5, 1, 30)
    assert reasons(engine)[-2:] == [
        "字段 limit_workdays 为负数 (-1)：请核对源数据中的时间或数量",
        "字段 satisfaction 的取值 '很好' 无法识别：请在 [source.values.satisfaction] 中添加映射",
    ]

    write(
        tmp_path,
        "k.csv",
        "月份,部门,受理量,办结量\n2026年3月,市民政局,100,90\n2026-03,市民政局,100,90\n"
        "2026-04,市民政局,abc,1\n2026-04,市民政局,100,95\n2026-03,市民政局,100,91\n",
    )
    run = run_source(
        engine,
        source(
            tmp_path,
            kind="office_kpi",
            name="kpi",
            glob="k.csv",
            columns={"月份": "month", "部门": "dept", "受理量": "cases_received", "办结量": "cases_completed"},
        ),
    )
    assert (run.counts.rows_loaded, run.counts.rows_duplicate, run.counts.rows_quarantined) == (2, 1, 2)
    kpis = rows(engine, OfficeKpi, OfficeKpi.month)
    assert [(k["month"], k["cases_received"], k["cases_completed"], k["cases_online"]) for k in kpis] == [
        (date(2026, 3, 1), 100, 90, 0),
        (date(2026, 4, 1), 100, 95, 0),
    ]
    assert reasons(engine)[-2] == "字段 cases_received 的取值 'abc' 不是整数：请填写数字"
    assert reasons(engine)[-1].startswith(
        "重复编号但内容不同：编号 '1/2026-03-01' 已存在（cases_completed 已有 '90'，本条为 '91'）"
    )


def test_unknown_departments_created_when_the_source_opts_in(engine, tmp_path, caplog):
    write(tmp_path, "c.csv", "工单号,承办单位,受理时间\nT1,市新设局,2026-03-05\nT2,市人社局,2026-03-05\n")
    columns = {"工单号": "ticket_id", "承办单位": "dept", "受理时间": "received_at"}
    cfg = source(
        tmp_path,
        kind="complaint",
        columns=columns,
        create_unknown_departments=True,
        new_department_category="区县",
        aliases={"市人社局": "市人力资源和社会保障局"},
    )
    with caplog.at_level("INFO", logger="collectors.departments"):
        run = run_source(engine, cfg)
    assert run.counts.rows_loaded == 2
    assert sorted(run.created_departments) == ["市人力资源和社会保障局", "市新设局"]
    assert "created department '市新设局'" in caplog.text
    assert scalar(engine, "SELECT COUNT(*) FROM department WHERE category = 'district'") == 2
    assert scalar(engine, "SELECT COUNT(*) FROM department_alias WHERE alias = '市人社局'") == 1


def test_missing_required_column_fails_the_file_not_the_run(engine, tmp_path):
    register(engine, ["市公安局"])
    write(tmp_path, "a_good.csv", "工单号,承办单位,受理时间\nT2,市公安局,2026-03-05\n")
    write(tmp_path, "b_bad.csv", "单号,单位\nT1,市公安局\n")
    cfg = source(
        tmp_path, kind="complaint", columns={"工单号": "ticket_id", "承办单位": "dept", "受理时间": "received_at"}
    )
    run = run_source(engine, cfg)
    assert run.status == "partial" and run.counts.rows_loaded == 1
    bad = next(f for f in run.files if f["file"] == "b_bad.csv")
    assert bad["status"] == "error" and "缺少必需的列 ticket_id（源列 '工单号'）" in bad["reason"]
    assert "b_bad.csv" in run.error
    again = run_source(engine, cfg)  # the failed file is remembered until its content changes
    assert again.counts.rows_read == 0 and again.status == "ok"
    assert again.files == [{"file": "b_bad.csv", "status": "skipped", "reason": bad["reason"]}]


def test_exchange_call_rows_that_fail_are_quarantined_with_their_reason(engine, tmp_path):
    register(engine, ["市民政局", "市公安局"])
    write(
        tmp_path,
        "calls.csv",
        (
            "流水号,时间,调用方,提供方,服务,结果,时长\n"
            "C1,2026-03-05 09:00:00,市民政局,市公安局,S1,成功,120\n"
            "C2,2026-03-05 09:00:01,市民政局,市公安局,S1,成功,-35\n"
            "C3,2026-13-45 25:61:00,市民政局,市公安局,S1,成功,10\n"
            "C4,2026-03-05 09:00:03,民政,市公安局,S1,成功,10\n"
            "C5,2026-03-05 09:00:04,市民政局,市公安局,S1,超时,10\n"
            "C6,2026-03-05 09:00:05,市民政局,市公安局,S1\n"
            "C7,2026-03-05 09:00:06,人社局,市公安局,S1,失败,5000\n"
            "C8,2026-03-05 23:59:59,市民政局,市公安局,S1,失败,\n"
        ),
        encoding="gbk",
    )
    cfg = source(
        tmp_path,
        kind="exchange_call",
        aliases={"人社局": "市人力资源和社会保障局"},
        columns={
            "流水号": "call_id",
            "时间": "requested_at",
            "调用方": "consumer_dept",
            "提供方": "provider_dept",
            "服务": "service_code",
            "结果": "succeeded",
            "时长": "duration_ms",
        },
    )
    run = run_source(engine, cfg)
    assert (run.counts.rows_read, run.counts.rows_loaded, run.counts.rows_quarantined) == (8, 2, 6)
    assert [(q["line"], q["reason"]) for q in quarantine_rows(engine)] == [
        (7, "该行有 5 列，表头有 7 列：请检查是否多了或少了逗号、引号未闭合"),
        (3, "响应时长为负数 (-35)：请核对源数据中的时间或数量"),
        (
            4,
            "字段 requested_at 的时间 '2026-13-45 25:61:00' 无法识别或日期不存在（如 2 月 30 日）：请写成 2026-03-05 09:32:09，或在 date_formats 中添加该格式",
        ),
        (5, "未知部门 '民政'：请在部门别名中添加（[source.aliases] 或 python -m data dept add --alias）"),
        (6, "字段 succeeded 的取值 '超时' 无法识别：请在 [source.values.succeeded] 中添加映射"),
        (
            8,
            "部门别名 '人社局' 指向的 '市人力资源和社会保障局' 不在部门名录中：请先用 python -m data dept add 添加该部门，或更正 [source.aliases]",
        ),
    ]
    # C1 (succeeded, 120 ms: 100 < 120 ≤ 200 → h4) and C8 (failed, no duration) on local day 2026-03-05.
    assert all_rows(engine, "SELECT day, calls, failures, duration_sum_ms, duration_count FROM exchange_daily") == [
        (date(2026, 3, 5) if "postgresql" in str(engine.url) else "2026-03-05", 2, 1, 120, 1)
    ]
    assert all_rows(
        engine, "SELECT calls, failures, duration_sum_ms, duration_count, h3, h4, h5 FROM exchange_service_month"
    ) == [(2, 1, 120, 1, 0, 1, 0)]
    assert all_rows(engine, "SELECT call_id, duration_ms FROM exchange_call") == [("C8", None)]


def test_exchange_calls_fold_into_local_month_service_and_fault_totals(engine, tmp_path):
    register(engine, ["市民政局", "市公安局"])  # ids 1 and 2
    write(
        tmp_path,
        "calls.csv",
        (
            "流水号,时间,调用方,提供方,服务,结果,错误码\n"
            "M1,2026-03-31 10:00:00,市民政局,市公安局,S1,成功,\n"
            "M2,2026-03-31 23:30:00,市民政局,市公安局,S1,失败,E503\n"
            "M3,2026-04-01 00:10:00,市民政局,市公安局,S1,失败,E503\n"
            "M4,2026-04-02 08:00:00,市公安局,市民政局,S2,失败,E404\n"
            "M5,2026-04-02 09:00:00,市民政局,市公安局,S1,失败,E404\n"
            "M6,2026-04-03 09:00:00,市民政局,市公安局,S1,失败,\n"
            "M7,2026-04-03 10:00:00,市民政局,市公安局,S1,成功,\n"
        ),
    )
    cfg = source(
        tmp_path,
        kind="exchange_call",
        columns={
            "流水号": "call_id",
            "时间": "requested_at",
            "调用方": "consumer_dept",
            "提供方": "provider_dept",
            "服务": "service_code",
            "结果": "succeeded",
            "错误码": "fault_code",
        },
    )
    assert run_source(engine, cfg).counts.rows_loaded == 7
    services = [tuple(r.values())[:5] for r in rows(engine, ExchangeServiceMonth, "month")]
    # Local times: M2 at 23:30 on 31 March stays in March, M3 at 00:10 on 1 April is April's.
    # March 公安局 S1: M1, M2 → 2 calls, 1 failure; April 公安局 S1: M3, M5, M6, M7 → 4 calls,
    # 3 failures; April 民政局 S2: M4 → 1 call, 1 failure.
    assert sorted(services, key=lambda r: r[:3]) == [
        (date(2026, 3, 1), 2, "S1", 2, 1),
        (date(2026, 4, 1), 1, "S2", 1, 1),
        (date(2026, 4, 1), 2, "S1", 4, 3),
    ]
    partners = sorted(tuple(r.values()) for r in rows(engine, ExchangePartnerMonth, "month"))
    # (month, provider, consumer, calls, failures): the same calls by who called whom
    assert partners == [(date(2026, 3, 1), 2, 1, 2, 1), (date(2026, 4, 1), 1, 2, 1, 1), (date(2026, 4, 1), 2, 1, 4, 3)]
    faults = sorted(tuple(r.values()) for r in rows(engine, ExchangeFaultMonth, "month"))
    # M6 failed without a fault code: kept under ''.
    assert faults == [
        (date(2026, 3, 1), 2, "S1", "E503", 1),
        (date(2026, 4, 1), 1, "S2", "E404", 1),
        (date(2026, 4, 1), 2, "S1", "", 1),
        (date(2026, 4, 1), 2, "S1", "E404", 1),
        (date(2026, 4, 1), 2, "S1", "E503", 1),
    ]
    write(tmp_path, "calls again.csv", (tmp_path / "drop" / "calls.csv").read_text(encoding="utf-8"))
    again = run_source(engine, cfg)
    assert again.counts.rows_loaded == 0
    assert sorted(tuple(r.values())[:5] for r in rows(engine, ExchangeServiceMonth, "month")) == sorted(services)
    assert sorted(tuple(r.values()) for r in rows(engine, ExchangeFaultMonth, "month")) == faults
    assert sorted(tuple(r.values()) for r in rows(engine, ExchangePartnerMonth, "month")) == partners


def test_a_catalog_file_whose_every_frequency_is_blank_is_stored_flagged(engine, tmp_path):
    register(engine, ["甲局"])
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "catalog.json").write_text(
        '[{"name": "目录", "provider_dept": "甲局", "update_frequency": ""}]', encoding="utf-8"
    )
    run = run_source(engine, source(tmp_path, kind="catalog", glob="*.json"))
    assert run.error is None and (run.counts.rows_read, run.counts.rows_loaded) == (1, 1)
    assert all_rows(engine, "SELECT update_frequency FROM catalog_resource") == [("unknown",)]
