"""The real sample files: X-Road operational monitoring records and a city's open-data
catalog, imported as an administrator would configure them."""

from __future__ import annotations

import shutil

from collectors.runner import run_source
from tests.collectors.helpers import FIXTURES, all_rows, count, quarantine_rows, register, scalar, source

XROAD_ALIASES = {
    "PLAYGROUND:ORG:2908758-4": "市大数据局",
    "LTT:TEST:TEST1": "测试一局",
    "LTT:TEST:TEST2": "测试二局",
    "LTT:TEST:TEST3": "测试三局",
    "LTT:CS:CS1": "中心站",
}


def test_xroad_sample_counts_each_paired_call_once(engine, tmp_path):
    register(engine, sorted(set(XROAD_ALIASES.values())))
    (tmp_path / "drop").mkdir()
    shutil.copy(FIXTURES / "raw_messages_batch_1.json", tmp_path / "drop")
    cfg = source(tmp_path, kind="exchange_call", reader="xroad", aliases=XROAD_ALIASES)
    run = run_source(engine, cfg)
    # 17 records = 5 Client+Producer pairs + 5 single copies + 2 records without xRequestId:
    # each record is read, each call loaded once, the second copy of each pair a duplicate.
    assert (run.counts.rows_read, run.counts.rows_loaded, run.counts.rows_duplicate, run.counts.rows_quarantined) == (
        17,
        10,
        5,
        2,
    )
    assert scalar(engine, "SELECT SUM(calls) FROM exchange_daily") == 10
    # 5 failed records: 3 attributable calls kept as evidence, 2 anonymous ones quarantined.
    assert scalar(engine, "SELECT SUM(failures) FROM exchange_daily") == 3
    assert count(engine, "exchange_call") == 3
    assert (
        scalar(engine, "SELECT COUNT(*) FROM exchange_call WHERE fault_code = 'Server.ClientProxy.NetworkError'") == 2
    )
    # Durations of the chosen copies: 398+41+51+1868+3062+2058+10+23+12+41 = 7564 ms.
    assert scalar(engine, "SELECT SUM(duration_sum_ms) FROM exchange_daily") == 7564
    assert scalar(engine, "SELECT SUM(duration_count) FROM exchange_daily") == 10
    assert scalar(engine, "SELECT SUM(duration_sum_ms) FROM exchange_service_month") == 7564
    # Buckets (upper bounds 10,20,50,100,200,500,1000,2000,5000,…): 10→h0, 12→h1, 23/41/41→h2,
    # 51→h3, 398→h5, 1868→h7, 2058/3062→h8.
    hist = [scalar(engine, f"SELECT SUM(h{i}) FROM exchange_service_month") for i in range(12)]
    assert hist == [1, 1, 3, 1, 0, 1, 0, 1, 2, 0, 0, 0]
    # a7351790…: TEST:TEST1:SUB1 calls TEST:TEST2:SUB2 → 测试一局 → 测试二局 (member fallback).
    assert (
        scalar(
            engine,
            "SELECT d.name FROM exchange_call c JOIN department d ON d.id = c.consumer_dept_id "
            "WHERE c.call_id LIKE 'a7351790%'",
        )
        == "测试一局"
    )
    # 3d3969aa… was requested at 1671017180701 ms = 2022-12-14 11:26:20 UTC = 19:26 in Shanghai.
    assert (
        str(
            scalar(
                engine,
                "SELECT day FROM exchange_daily WHERE service_code = 'getSecurityServerOperationalData' "
                "AND failures = 1",
            )
        )
        == "2022-12-14"
    )
    quarantined = quarantine_rows(engine)
    assert [q["line"] for q in quarantined] == [14, 15]
    assert all("xRequestId" in q["reason"] and "InvalidHttpMethod" in q["raw"] for q in quarantined)
    again = run_source(engine, cfg)
    assert again.counts.rows_read == 0 and scalar(engine, "SELECT SUM(calls) FROM exchange_daily") == 10


def test_anhui_catalog_creates_departments_and_resources(engine, tmp_path):
    (tmp_path / "drop").mkdir()
    shutil.copy(FIXTURES / "opendata_catalog_anhui_luan.json", tmp_path / "drop")
    cfg = source(
        tmp_path,
        kind="catalog",
        glob="*.json",
        create_unknown_departments=True,
        columns={
            "标题": "name",
            "来源部门": "provider_dept",
            "更新频率": "update_frequency",
            "更新时间": "last_updated_at",
            "发布时间": "registered_at",
        },
    )
    run = run_source(engine, cfg)
    # 548 entries; two (六安市财政局 专项资金管理清单, 六安市住建局 起重机械使用登记) appear twice, identical.
    assert (run.counts.rows_read, run.counts.rows_loaded, run.counts.rows_duplicate, run.counts.rows_quarantined) == (
        548,
        546,
        2,
        0,
    )
    assert len(run.created_departments) == 68 and count(engine, "department") == 68
    assert count(engine, "catalog_resource") == 546 and count(engine, "resource_update") == 0
    freq = dict(all_rows(engine, "SELECT update_frequency, COUNT(*) FROM catalog_resource GROUP BY update_frequency"))
    # declared: 每月 371, 每年 158, 每季度 14, 每半年 4, 每天 1; minus the two repeated entries (每年, 每月).
    assert freq == {"monthly": 370, "yearly": 157, "quarterly": 14, "half_yearly": 4, "daily": 1}
    assert (
        scalar(engine, "SELECT COUNT(*) FROM catalog_resource WHERE share_type = 'conditional' AND mounted = false")
        == 546
    )
    again = run_source(engine, cfg)
    assert again.counts.rows_read == 0 and count(engine, "catalog_resource") == 546
