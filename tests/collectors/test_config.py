"""sources.toml: what loads, and errors that name the file, the key and what is expected."""

from __future__ import annotations

import tomllib

import pytest

from collectors.config import ConfigError, load_config, parse_config
from tests.collectors.helpers import REPO


def write(tmp_path, body: str):
    path = tmp_path / "sources.toml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """
[defaults]
interval_minutes = 5
date_formats = ["%Y.%m.%d %H:%M"]

[[source]]
name = "exchange-log"
kind = "exchange_call"
reader = "files"
path = "drop/exchange"
glob = "*.csv"
[source.columns]
"调用流水号" = "call_id"
[source.values.succeeded]
"成功" = true
[source.aliases]
"市人社局" = "市人力资源和社会保障局"

[[source]]
name = "hotline-db"
kind = "complaint"
reader = "sql"
url = "sqlite:///hotline.db"
query = "SELECT * FROM tickets WHERE updated > :cursor ORDER BY updated"
incremental_column = "updated"
interval_minutes = 30
"""


def test_complete_config_loads_with_defaults_and_paths_relative_to_the_file(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    log, hotline = cfg.sources
    assert log.path == tmp_path / "drop" / "exchange"
    assert log.interval_minutes == 5 and hotline.interval_minutes == 30
    assert log.date_formats == ("%Y.%m.%d %H:%M",)
    assert log.columns == {"调用流水号": "call_id"}
    assert log.values == {"succeeded": {"成功": True}}
    assert log.aliases == {"市人社局": "市人力资源和社会保障局"}
    assert log.timezone == "Asia/Shanghai" and log.create_unknown_departments is False
    assert cfg.source("hotline-db").incremental_column == "updated"
    # Unset, batch_rows depends on the kind: calls come in bigger batches.
    assert (log.batch_rows, hotline.batch_rows) == (250_000, 100_000)


def test_batch_rows_set_in_defaults_or_per_source_wins_over_the_kind(tmp_path):
    body = GOOD.replace("interval_minutes = 5\n", "interval_minutes = 5\nbatch_rows = 5000\n", 1)
    body = body.replace("interval_minutes = 30\n", "interval_minutes = 30\nbatch_rows = 700\n")
    log, hotline = load_config(write(tmp_path, body)).sources
    assert (log.batch_rows, hotline.batch_rows) == (5000, 700)


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            '[[source]]\nname = "a"\nkind = "bogus"\nreader = "files"\npath = "x"',
            ["source[0]", "kind", "exchange_call"],
        ),
        (
            '[[source]]\nname = "a"\nkind = "complaint"\nreader = "ftp"\npath = "x"',
            ["reader", "files | sql | http | xroad"],
        ),
        ('[[source]]\nname = "a"\nkind = "complaint"\nreader = "files"', ["path", "缺失"]),
        ('[[source]]\nname = "A b"\nkind = "complaint"\nreader = "files"\npath = "x"', ["name", "小写字母"]),
        ('[[source]]\nname = "a"\nkind = "complaint"\nreader = "files"\npath = "x"\nglobb = "*"', ["globb", "不适用"]),
        (
            '[[source]]\nname = "a"\nkind = "complaint"\nreader = "files"\npath = "x"\n[source.columns]\n"编号" = "call_id"',
            ["columns.'编号'", "call_id", "ticket_id"],
        ),
        (
            '[[source]]\nname = "a"\nkind = "complaint"\nreader = "files"\npath = "x"\ntimezone = "Mars/Base"',
            ["timezone", "Asia/Shanghai"],
        ),
        (
            '[[source]]\nname = "a"\nkind = "complaint"\nreader = "files"\npath = "x"\ninterval_minutes = "often"',
            ["interval_minutes", "数字"],
        ),
        ('[[source]]\nname = "a"\nkind = "complaint"\nreader = "xroad"\npath = "x"', ["kind", "exchange_call"]),
        (
            '[[source]]\nname = "a"\nkind = "complaint"\nreader = "sql"\nurl = "sqlite://"\nquery = "SELECT 1 WHERE x > :cursor"',
            ["incremental_column"],
        ),
        (
            '[[source]]\nname = "a"\nkind = "complaint"\nreader = "files"\npath = "x"\n[[source]]\nname = "a"\nkind = "complaint"\nreader = "files"\npath = "y"',
            ["'a'", "重复"],
        ),
        ("[defaults]\nintervall = 3", ["defaults.intervall"]),
        ("[[source]\nname = ", ["TOML"]),
    ],
)
def test_invalid_config_names_file_key_and_expectation(tmp_path, body, expected):
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert str(path) in message
    for part in expected:
        assert part in message


def test_missing_file_and_unknown_source_are_explained(tmp_path):
    with pytest.raises(ConfigError, match="配置文件不存在"):
        load_config(tmp_path / "nope.toml")
    cfg = load_config(write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="exchange-log、hotline-db"):
        cfg.source("typo")


def test_every_example_in_the_sources_documentation_is_valid(tmp_path):
    text = (REPO / "docs" / "sources.md").read_text(encoding="utf-8")
    blocks = [part.split("```")[0] for part in text.split("```toml")[1:]]
    kinds = set()
    for block in blocks:
        kinds |= {s.kind for s in parse_config(tomllib.loads(block), tmp_path / "sources.toml").sources}
    assert kinds == {
        "department",
        "catalog",
        "resource_update",
        "exchange_call",
        "sharing_request",
        "data_objection",
        "complaint",
        "office_kpi",
    }
