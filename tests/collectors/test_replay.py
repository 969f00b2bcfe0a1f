"""A clerk fixes a mistake and replays: the register loads first, quarantined rows are
re-validated against the current config and register and loaded exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.config import CollectorConfig
from collectors.replay import replay_source
from collectors.runner import run_source
from collectors.scheduler import run_once
from tests.collectors.helpers import REPO, all_rows, count, quarantine_rows, reasons, register, source
from tests.collectors.test_cli import collectors

COMPLAINT_COLUMNS = {"工单号": "ticket_id", "承办单位": "dept", "受理时间": "received_at"}


def write(base: Path, folder: str, name: str, text: str) -> None:
    (base / folder).mkdir(exist_ok=True)
    (base / folder / name).write_text(text, encoding="utf-8")


def complaints(base: Path, **options):
    return source(
        base, **{"name": "complaints", "kind": "complaint", "path": "tickets", "columns": COMPLAINT_COLUMNS, **options}
    )


def register_source(base: Path):
    return source(
        base, name="register", kind="department", path="register", columns={"部门名称": "name", "类别": "category"}
    )


def test_department_sources_load_first_whatever_their_order(engine, tmp_path):
    write(tmp_path, "tickets", "t.csv", "工单号,承办单位,受理时间\nT1,市新设局,2026-03-05\n")
    write(tmp_path, "register", "d.csv", "部门名称,类别\n市新设局,市直部门\n")
    config = CollectorConfig(tmp_path / "sources.toml", (complaints(tmp_path), register_source(tmp_path)))
    summaries, _ = run_once(engine, config, refresh=False)
    assert [s.source for s in summaries] == ["register", "complaints"]
    assert [s.counts.rows_loaded for s in summaries] == [1, 1]
    assert count(engine, "complaint") == 1 and reasons(engine) == []


def test_replay_loads_rows_the_register_now_knows_exactly_once(engine, tmp_path):
    write(
        tmp_path,
        "tickets",
        "t.csv",
        "工单号,承办单位,受理时间\nT1,市新设局,2026-03-05\nT2,市公安局,2026-03-06\nT3,市公安局,2026-02-30\n",
    )
    cfg = complaints(tmp_path)
    register(engine, ["市公安局"])
    first = run_source(engine, cfg)
    assert (first.counts.rows_loaded, first.counts.rows_quarantined) == (1, 2)
    register(engine, ["市新设局"])
    replayed = replay_source(engine, cfg, reason="未知部门")
    assert (replayed.counts.rows_read, replayed.counts.rows_loaded, replayed.counts.rows_quarantined) == (1, 1, 0)
    assert all_rows(engine, "SELECT ticket_id FROM complaint ORDER BY ticket_id") == [("T1",), ("T2",)]
    assert [r["line"] for r in quarantine_rows(engine)] == [4]
    again = replay_source(engine, cfg)
    assert (again.counts.rows_read, again.counts.rows_loaded, again.counts.rows_quarantined) == (1, 0, 1)
    assert again.status == "partial" and count(engine, "complaint") == 2
    held = quarantine_rows(engine)
    assert [(r["line"], r["raw"], r["run_id"]) for r in held] == [(4, "T3,市公安局,2026-02-30", again.run_id)]
    assert held[0]["reason"].startswith("字段 received_at 的时间 '2026-02-30' 无法识别")
    assert all_rows(
        engine, f"SELECT rows_read, rows_loaded, status FROM collector_run WHERE id = {replayed.run_id}"
    ) == [(1, 1, "ok")]


def test_replay_uses_the_fixed_alias_and_keeps_what_cannot_be_a_record(engine, tmp_path):
    write(tmp_path, "tickets", "t.json", '[{"工单号": "J1", "承办单位": "公安", "受理时间": "2026-03-05"}]')
    write(tmp_path, "tickets", "u.csv", '工单号,承办单位,受理时间\nU1,"市公安局,2026-03-05\n')
    register(engine, ["市公安局"])
    assert run_source(engine, complaints(tmp_path)).counts.rows_quarantined == 2
    fixed = complaints(tmp_path, aliases={"公安": "市公安局"})
    replayed = replay_source(engine, fixed)
    assert (replayed.counts.rows_read, replayed.counts.rows_loaded) == (1, 1)
    assert "1 行无法还原为一条记录" in replayed.error
    assert all_rows(engine, "SELECT ticket_id FROM complaint") == [("J1",)]
    assert [r["file"] for r in quarantine_rows(engine)] == ["u.csv"]


def documented_config() -> str:
    text = (REPO / "docs" / "sources.md").read_text(encoding="utf-8")
    section = text.split("### Replaying quarantined rows")[1]
    return section.split("```toml")[1].split("```")[0]


@pytest.mark.slow
def test_the_documented_replay_runs(tmp_path):
    full = documented_config()
    (tmp_path / "sources.toml").write_text(
        full.split("[source.aliases]")[0] + full.split("# added after")[1].split("\n", 1)[1], encoding="utf-8"
    )
    write(tmp_path, "tickets", "t.csv", "工单号,承办单位,受理时间\nT1,公安,2026-03-05\n")
    write(tmp_path, "register", "d.csv", "部门名称,类别\n市公安局,市直部门\n")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    first = collectors("once", "--config", str(tmp_path / "sources.toml"), "--no-refresh", env=env)
    assert "[hotline] 1 行已隔离" in first.stdout, first.stderr
    (tmp_path / "sources.toml").write_text(full, encoding="utf-8")
    done = collectors(
        "replay", "--config", str(tmp_path / "sources.toml"), "--reason", "未知部门", "--no-refresh", env=env
    )
    assert done.returncode == 0, done.stderr
    assert [line.split()[:6] for line in done.stdout.splitlines()[1:]] == [
        ["register", "成功", "0", "0", "0", "0"],
        ["hotline", "成功", "1", "1", "0", "0"],
    ]


def test_a_file_that_failed_is_read_again_when_the_mapping_changes(engine, tmp_path):
    write(tmp_path, "tickets", "t.csv", "工单编号,承办单位,受理时间\nT1,市公安局,2026-03-05\n")
    write(tmp_path, "tickets", "w.json", '[{"工单编号": "W1", "承办单位": "市公安局", "受理时间": "2026-03-06"}]')
    register(engine, ["市公安局"])
    failed = run_source(engine, complaints(tmp_path))
    assert failed.status == "partial" and {f["status"] for f in failed.files} == {"error"}
    unchanged = run_source(engine, complaints(tmp_path))
    assert unchanged.counts.rows_read == 0 and {f["status"] for f in unchanged.files} == {"skipped"}
    fixed = complaints(tmp_path, columns={**COMPLAINT_COLUMNS, "工单编号": "ticket_id"})
    again = run_source(engine, fixed)
    assert (again.status, again.counts.rows_read, again.counts.rows_loaded) == ("ok", 2, 2)
    notes = {f["file"]: f["note"] for f in again.files}
    assert sorted(notes) == ["t.csv", "w.json"]
    assert notes["t.csv"].startswith("配置已变更，重新读取（上次失败原因：缺少必需的列 ticket_id")
    assert all_rows(engine, "SELECT ticket_id FROM complaint ORDER BY ticket_id") == [("T1",), ("W1",)]
    assert run_source(engine, fixed).counts.rows_read == 0


def test_a_missing_column_names_the_files_headers_and_the_closest(engine, tmp_path):
    write(tmp_path, "tickets", "t.csv", "工单编号,承办单位,受理时间\nT1,市公安局,2026-03-05\n")
    run = run_source(engine, complaints(tmp_path))
    assert run.files[0]["reason"] == (
        "缺少必需的列 ticket_id（源列 '工单号'）；文件中的列为：工单编号、承办单位、受理时间；"
        "'工单编号' 可能对应 ticket_id。请检查 [source.columns] 列映射或表头行"
    )


def test_a_file_without_any_header_says_so(engine, tmp_path):
    write(tmp_path, "tickets", "t.json", '[{"": "T1"}]')
    run = run_source(engine, complaints(tmp_path))
    assert "：。" not in run.files[0]["reason"]
    assert run.files[0]["reason"].endswith("；文件中没有找到任何列名：请检查表头行（header_row）是否正确")
    assert run.files[0]["reason"].startswith("缺少必需的列 ticket_id（源列 '工单号'）、dept（源列 '承办单位'）")


def documented_codes() -> set[int]:
    text = (REPO / "docs" / "sources.md").read_text(encoding="utf-8")
    table = text.split("### Exit codes")[1].split("###")[0]
    return {int(line.split("|")[1]) for line in table.splitlines() if line.startswith("| ") and line[2].isdigit()}


@pytest.mark.slow
def test_once_exits_with_the_documented_codes(tmp_path):
    config = tmp_path / "sources.toml"
    config.write_text(documented_config(), encoding="utf-8")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    write(tmp_path, "register", "d.csv", "部门名称,类别\n市公安局,市直部门\n")
    write(tmp_path, "tickets", "t.csv", "工单号,承办单位,受理时间\nT1,公安,2026-03-05\nT2,未知局,2026-03-05\n")
    loaded = collectors("once", "--config", str(config), "--no-refresh", env=env)
    write(tmp_path, "tickets", "empty.csv", "")
    unread = collectors("once", "--config", str(config), "--no-refresh", env=env)
    assert "[hotline] 文件 empty.csv 无法读取：文件为空" in unread.stdout
    config.write_text("[[source]]\nname = 1\n", encoding="utf-8")
    broken = collectors("once", "--config", str(config), env=env)
    assert [loaded.returncode, unread.returncode, broken.returncode] == [0, 1, 2]
    assert documented_codes() == {0, 1, 2}
