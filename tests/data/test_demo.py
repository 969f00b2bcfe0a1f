"""The demo city: deterministic files, the promised counts, the story, platform formats."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tomllib
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import func, select

from data.__main__ import main as data_main
from data.db import make_engine
from data.demo import run
from data.demo.calendar import default_end
from data.departments import add_departments
from data.models import (
    AppUser,
    CatalogResource,
    Complaint,
    DataObjection,
    Department,
    ExchangeDaily,
    OfficeKpi,
    Quarantine,
    ResourceUpdate,
    SharingRequest,
)

CALLS = 20_000
END = date(2026, 10, 31)
KINDS = {
    "department",
    "catalog",
    "resource_update",
    "exchange_call",
    "sharing_request",
    "data_objection",
    "complaint",
    "office_kpi",
}


def _demo(out: Path, seed: int = 2026) -> Path:
    assert run(seed=seed, end=END, calls=CALLS, out=out, files_only=True) == 0
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return _demo(tmp_path_factory.mktemp("demo_a"))


def digests(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def sources(out: Path) -> dict[str, dict]:
    doc = tomllib.loads((out / "sources.toml").read_text(encoding="utf-8"))
    return {s["kind"]: s for s in doc["source"]}


def register(out: Path) -> dict[str, str]:
    """Register spelling (name or alias) → name, from the departments file."""
    names = {}
    for row in csv.DictReader(io.StringIO((out / "drop/department/departments.csv").read_text("utf-8"))):
        names[row["名称"]] = row["名称"]
        for alias in filter(None, row["别名"].split("、")):
            names[alias] = row["名称"]
    return names


def resolver(out: Path, kind: str) -> dict[str, str]:
    """Every spelling a source's files may use → register name."""
    return {**register(out), **sources(out)[kind].get("aliases", {})}


def read_xlsx(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    wb.close()
    return rows


def xlsx_frame(out: Path, kind: str) -> pd.DataFrame:
    (path,) = (out / "drop" / kind).glob("*.xlsx")
    rows = read_xlsx(path)
    return pd.DataFrame(rows[2:], columns=rows[1])


def calls_frame(out: Path) -> pd.DataFrame:
    files = sorted((out / "drop/exchange_call").glob("*.csv"))
    return pd.concat([pd.read_csv(f, encoding="gb18030", dtype=str) for f in files], ignore_index=True)


@pytest.mark.slow
def test_same_seed_gives_identical_files_and_another_seed_does_not(demo, tmp_path):
    again = digests(_demo(tmp_path / "b"))
    assert again == digests(demo)
    other = digests(_demo(tmp_path / "c", seed=7))
    assert set(other) == set(again)
    differing = {name for name in other if other[name] != again[name]}
    assert {
        "drop/catalog/catalog_20261031.xlsx",
        "drop/exchange_call/exchange_2026-03.csv",
        "drop/complaint/complaints_20261031.xlsx",
    } <= differing


@pytest.mark.slow
def test_a_new_demo_replaces_the_previous_files(tmp_path):
    assert run(end=END, calls=1000, out=tmp_path, files_only=True) == 0
    assert run(end=date(2026, 9, 30), calls=1000, out=tmp_path, files_only=True) == 0
    months = sorted(f.name for f in (tmp_path / "drop/exchange_call").iterdir())
    assert months[0] == "exchange_2025-10.csv" and months[-1] == "exchange_2026-09.csv"
    assert len(months) == 12
    assert [f.name for f in (tmp_path / "drop/catalog").iterdir()] == ["catalog_20260930.xlsx"]
    assert sorted(f.name for f in tmp_path.iterdir()) == ["drop", "sources.toml"]


def test_counts(demo):
    depts = pd.read_csv(demo / "drop/department/departments.csv", dtype=str)
    assert (depts["类别"] == "市直部门").sum() >= 28
    assert (depts["类别"] == "区县").sum() >= 8
    assert depts["名称"].is_unique
    assert len(xlsx_frame(demo, "catalog")) >= 800
    files = sorted((demo / "drop/exchange_call").glob("*.csv"))
    assert [f.name for f in files][0] == "exchange_2025-11.csv"
    assert len(files) == 12
    calls = calls_frame(demo)
    assert len(calls) == CALLS
    assert calls["调用流水号"].is_unique
    failure_rate = (calls["调用结果"] == "失败").mean()
    assert 0.01 < failure_rate < 0.04


def test_catalog_mix(demo):
    cat = xlsx_frame(demo, "catalog")
    shares = cat["共享类型"].value_counts(normalize=True)
    assert shares["有条件共享"] + shares["无条件共享"] > 0.8
    assert 0.02 < shares["不予共享"] < 0.2
    mounted = cat["是否挂接"] == "已挂接"
    assert cat.loc[mounted, "服务编码"].notna().all()
    assert cat.loc[~mounted, "服务编码"].isna().all()
    assert not (mounted & (cat["共享类型"] == "不予共享")).any()
    assert {"实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期", "每 2 日", "每 3 月"} <= set(
        cat["更新频率"]
    )


def test_department_created_mid_year(demo):
    depts = pd.read_csv(demo / "drop/department/departments.csv", dtype=str, keep_default_na=False)
    started = depts[depts["起始日期"] != ""]
    assert started[["名称", "起始日期"]].values.tolist() == [["市营商环境建设局", "2026-05-01"]]
    names = resolver(demo, "exchange_call")
    calls = calls_frame(demo)
    involved = (calls["调用方部门"].map(names) == "市营商环境建设局") | (
        calls["提供方部门"].map(names) == "市营商环境建设局"
    )
    assert (calls.loc[involved, "调用时间"] >= "2026-05-01").all()


def test_calls_name_mounted_services_of_their_provider_again_and_again(demo):
    names = resolver(demo, "exchange_call")
    calls = calls_frame(demo)
    catalog = xlsx_frame(demo, "catalog")
    mounted = catalog[catalog["是否挂接"] == "已挂接"]
    owner = dict(zip(mounted["服务编码"], mounted["提供部门"].map(resolver(demo, "catalog"))))
    assert (calls["服务编码"].map(owner) == calls["提供方部门"].map(names)).all()
    pairs = calls.groupby([calls["调用方部门"].map(names), calls["服务编码"]]).size().sort_values(ascending=False)
    assert pairs.head(len(pairs) // 10).sum() > 0.4 * len(calls)
    durations = calls["响应时长(毫秒)"].astype(int)
    assert 60 < durations.median() < 300
    failed = calls[calls["调用结果"] == "失败"]
    assert failed["错误码"].notna().all() and (failed["状态码"] != "200").all()
    assert calls.loc[calls["调用结果"] == "成功", "错误码"].isna().all()


def test_outage_provider_fails_for_two_days(demo):
    names = resolver(demo, "exchange_call")
    calls = calls_frame(demo)
    provider = calls["提供方部门"].map(names)
    assert provider.notna().all()
    day = calls["调用时间"].str[:10]
    housing = provider == "市住房和城乡建设局"
    down = housing & day.isin(["2026-09-15", "2026-09-16"])
    for d in ("2026-09-15", "2026-09-16"):
        assert (housing & (day == d)).sum() > 0
    assert (calls.loc[down, "调用结果"] == "失败").all()
    assert (calls.loc[housing & ~down, "调用结果"] == "成功").mean() > 0.95


def test_stale_monthly_resources(demo):
    names = resolver(demo, "catalog")
    cat = xlsx_frame(demo, "catalog")
    stale = cat[(cat["提供部门"].map(names) == "市统计局") & (cat["更新频率"] == "每月")]
    assert len(stale) >= 5
    events = pd.DataFrame(
        json.loads(line)
        for f in sorted((demo / "drop/resource_update").glob("*.jsonl"))
        for line in f.read_text("utf-8").splitlines()
    )
    mine = events[events["resourceCode"].isin(stale["资源代码"])]
    assert (mine["updateTime"] < "2026-07-01").all()
    established = stale[stale["登记日期"] < datetime(2026, 6, 1)]
    assert len(established) >= 5
    # every one registered in time was updated until it stopped
    assert set(established["资源代码"]) <= set(mine["resourceCode"])
    assert (stale["最近更新时间"].dropna() < datetime(2026, 7, 1)).all()
    others = events[~events["resourceCode"].isin(stale["资源代码"])]
    assert (others["updateTime"] >= "2026-10-01").sum() > 1000


def test_complaints_rise_in_last_quarter(demo):
    names = resolver(demo, "complaint")
    tickets = xlsx_frame(demo, "complaint")
    assert tickets["承办单位"].map(names).notna().all()
    mine = tickets[tickets["承办单位"].map(names) == "市交通运输局"]
    month = mine["受理时间"].str.extract(r"^(\d{4})年(\d{1,2})月")
    month = month[0].astype(int) * 100 + month[1].astype(int)
    last_quarter = (month >= 202608).sum()
    before = (month < 202608).sum()
    # before: nine months = three quarters; the rise is about 3.5-fold, test for 2-fold
    assert last_quarter >= 2 * before / 3
    assert before >= 30


def test_weak_departments_answer_late_and_strong_ones_on_time(demo):
    names = resolver(demo, "sharing_request")
    r = pd.read_csv(demo / "drop/sharing_request/sharing_requests_20261031.csv", dtype=str)
    waited = pd.to_datetime(r["答复时间"]) - pd.to_datetime(r["申请时间"])
    slow = (waited > pd.Timedelta(days=7)) | waited.isna()
    by_provider = slow.groupby(r["提供部门"].map(names)).mean()
    for weak in ("市城市管理局", "市农业农村局", "示例市白石县"):
        assert by_provider[weak] > 0.4, weak
    for strong in ("市市场监督管理局", "市医疗保障局", "市大数据发展管理局", "示例市东港区"):
        assert by_provider[strong] < 0.05, strong
    assert r["答复时间"].isna().sum() > 20


def test_office_kpis_for_every_department_and_month(demo):
    kpis = xlsx_frame(demo, "office_kpi")
    names = resolver(demo, "office_kpi")
    # 41 departments × 12 months + 市营商环境建设局 from May to October (6 months) = 498
    assert len(kpis) == 41 * 12 + 6
    assert not kpis.assign(d=kpis["部门名称"].map(names)).duplicated(["d", "统计月份"]).any()
    assert (kpis["办结量"] <= kpis["受理量"]).all()
    assert (kpis["按时办结量"] <= kpis["办结量"]).all()
    assert (kpis["全程网办量"] <= kpis["受理量"]).all()


def test_complaint_fields(demo):
    tickets = xlsx_frame(demo, "complaint")
    assert tickets["受理时间"].str.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}").all()
    closed = tickets["办结时间"].dropna()
    assert closed.str.fullmatch(r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}:\d{2}").all()
    assert 0.1 < tickets["办理时限"].notna().mean() < 0.4
    assert set(tickets["满意度"]) == {"满意", "基本满意", "不满意", "未评价"}
    assert set(tickets["来源渠道"]) == {"12345热线", "好差评"}


def test_file_formats(demo):
    raw = (demo / "drop/exchange_call/exchange_2026-03.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    header = raw.decode("gb18030").splitlines()[0]
    assert header == "调用流水号,调用时间,调用方部门,提供方部门,服务编码,调用结果,状态码,错误码,响应时长(毫秒)"
    assert (demo / "drop/sharing_request/sharing_requests_20261031.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    for kind, title in (
        ("catalog", "示例市政务数据共享目录（导出时间：2026-11-01 08:30）"),
        ("complaint", "示例市12345热线及好差评工单明细（2025年11月1日至2026年10月31日）"),
        ("office_kpi", "示例市政务服务中心部门办件情况统计表（2025年11月—2026年10月）"),
    ):
        (path,) = (demo / "drop" / kind).glob("*.xlsx")
        rows = read_xlsx(path)
        assert rows[0][0] == title
        assert all(v is None for v in rows[0][1:])
        assert all(isinstance(v, str) and v for v in rows[1])


def _file_columns(path: Path, encoding: str) -> list[str]:
    if path.suffix == ".xlsx":
        return list(read_xlsx(path)[1])
    if path.suffix == ".jsonl":
        return list(json.loads(path.read_text("utf-8").splitlines()[0]))
    return path.read_text(encoding).lstrip("\ufeff").splitlines()[0].split(",")


def test_sources_toml_declares_every_kind_with_matching_columns(demo):
    declared = sources(demo)
    assert set(declared) == KINDS
    for kind, src in declared.items():
        assert src["reader"] == "files"
        assert not Path(src["path"]).is_absolute()
        files = sorted((demo / src["path"]).glob(src["glob"]))
        assert files, kind
        for f in files:
            assert set(src["columns"]) <= set(_file_columns(f, src.get("encoding", "utf-8"))), f


def test_every_spelling_is_known_to_the_register_or_the_source(demo):
    checks = {
        "exchange_call": ("调用方部门", "提供方部门"),
        "complaint": ("承办单位",),
        "office_kpi": ("部门名称",),
        "catalog": ("提供部门",),
    }
    for kind, columns in checks.items():
        names = resolver(demo, kind)
        frame = calls_frame(demo) if kind == "exchange_call" else xlsx_frame(demo, kind)
        for col in columns:
            spelled = set(frame[col])
            assert spelled <= set(names), (kind, spelled - set(names))
            assert spelled - set(register(demo)), f"{kind} uses no spelling beyond the register"
    requests = pd.read_csv(demo / "drop/sharing_request/sharing_requests_20261031.csv", dtype=str)
    assert set(requests["申请部门"]) | set(requests["提供部门"]) <= set(resolver(demo, "sharing_request"))


def test_default_end_is_last_day_of_previous_local_month():
    shanghai = ZoneInfo("Asia/Shanghai")
    assert default_end(datetime(2026, 11, 22, 10, 0, tzinfo=shanghai)) == date(2026, 10, 31)
    # 2026-12-01 00:30 in Shanghai is still 30 November in UTC
    assert default_end(datetime(2026, 12, 1, 0, 30, tzinfo=shanghai)) == date(2026, 11, 30)
    assert default_end(datetime(2026, 3, 10, tzinfo=shanghai)) == date(2026, 2, 28)


def test_bad_end_date_is_explained(capsys):
    with pytest.raises(SystemExit) as exc:
        data_main(["demo", "--end", "2026-13-01", "--files-only"])
    assert exc.value.code == 2
    assert "请写成 2026-10-31" in capsys.readouterr().err


def test_if_empty_skips_a_store_with_departments(engine, db_url, tmp_path, capsys):
    with engine.begin() as conn:
        add_departments(conn, [{"name": "市公安局", "category": "市直部门"}])
    assert run(calls=CALLS, end=END, out=tmp_path / "out", if_empty=True, database_url=db_url) == 0
    assert "未生成演示城市" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_demo_enters_the_store_through_the_collectors(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PAOBAN_DEMO_MODE", "1")
    out = tmp_path / "demo"
    assert run(calls=CALLS, end=END, out=out, database_url=db_url) == 0
    calls = calls_frame(out)
    jsonl_lines = {
        kind: sum(len(f.read_text("utf-8").splitlines()) for f in (out / "drop" / kind).glob("*.jsonl"))
        for kind in ("resource_update", "data_objection")
    }
    requests = pd.read_csv(out / "drop/sharing_request/sharing_requests_20261031.csv", dtype=str)
    engine = make_engine(db_url)
    with engine.connect() as conn:

        def count(model) -> int:
            return conn.execute(select(func.count()).select_from(model)).scalar_one()

        assert count(Quarantine) == 0
        assert count(Department) == 33 + 9
        assert count(CatalogResource) == len(xlsx_frame(out, "catalog"))
        assert count(ResourceUpdate) == jsonl_lines["resource_update"]
        assert count(DataObjection) == jsonl_lines["data_objection"]
        assert count(SharingRequest) == len(requests)
        assert count(Complaint) == len(xlsx_frame(out, "complaint"))
        assert count(OfficeKpi) == len(xlsx_frame(out, "office_kpi"))
        daily = conn.execute(select(func.sum(ExchangeDaily.calls), func.sum(ExchangeDaily.failures))).one()
        assert tuple(daily) == (CALLS, (calls["调用结果"] == "失败").sum())
        assert conn.execute(select(AppUser.username).where(AppUser.username == "demo_leader")).scalar_one()
    engine.dispose()
