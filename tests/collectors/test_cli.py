"""`python -m collectors once` as an administrator runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.collectors.helpers import FIXTURES, REPO


def collectors(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "collectors", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
    )


@pytest.mark.slow
def test_once_prints_a_summary_and_runs_only_the_named_source(tmp_path):
    (tmp_path / "xroad").mkdir()
    shutil.copy(FIXTURES / "raw_messages_batch_1.json", tmp_path / "xroad")
    config = tmp_path / "sources.toml"
    config.write_text(
        '[defaults]\nsettle_seconds = 0\n\n[[source]]\nname = "xroad"\nkind = "exchange_call"\n'
        'reader = "xroad"\npath = "xroad"\ncreate_unknown_departments = true\n\n'
        '[[source]]\nname = "nothing-here"\nkind = "complaint"\nreader = "files"\npath = "none"\n',
        encoding="utf-8",
    )
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    done = collectors("once", "--config", str(config), "--source", "xroad", "--no-refresh", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["数据源", "状态", "读取", "入库", "重复", "隔离", "耗时(秒)"]
    assert lines[1].split()[:6] == ["xroad", "部分成功", "17", "10", "5", "2"]
    assert "nothing-here" not in done.stdout
    assert "[xroad] 新建部门 8 个" in done.stdout and "[xroad] 2 行已隔离" in done.stdout
    again = collectors("once", "--config", str(config), "--no-refresh", env=env)
    assert [line.split()[:3] for line in again.stdout.splitlines()[1:3]] == [
        ["xroad", "成功", "0"],
        ["nothing-here", "成功", "0"],
    ]


def test_invalid_config_exits_with_the_reason(tmp_path):
    config = tmp_path / "sources.toml"
    config.write_text('[[source]]\nname = "x"\nkind = "complaints"\nreader = "files"\npath = "d"\n', encoding="utf-8")
    done = collectors("once", "--config", str(config), env={"DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}"})
    assert done.returncode == 2
    assert done.stderr.startswith(f"错误：{config}：source[0]（x） 的键 kind 应为")
