"""Whatever an export holds, a run of the collectors completes and accounts for every row.

For every kind, hypothesis writes a CSV (UTF-8 or GBK, with raw bytes and broken quotes
spliced in) or a JSON file whose cells are good values spoilt here and there with poison (NUL, zero-width and
full-width spaces, lone surrogates, impossible and far-away dates, huge numbers, very long
text, nested objects) or arbitrary text, and runs the source from a sources.toml on a real
store. The run must not crash, and 读取 = 入库 + 重复 + 隔离 in the run log, with one
quarantine row for every row counted as quarantined.
"""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from collectors.config import load_config
from collectors.mapping import KIND_FIELDS, field_types
from collectors.runner import run_source
from data.models import CollectorRun, Quarantine
from tests.collectors.helpers import register

GOOD = {
    "str": "值{tag}-{i}",
    "dept": "甲局",
    "datetime": "2026-03-01 08:00:00",
    "date": "2026-03-01",
    "bool": "是",
    "int": "5",
    "frequency": "每月",
    "share_type": "无条件共享",
    "satisfaction": "满意",
    "month": "2026-03",
}
GOOD_FIELD = {"category": "市直部门"}  # a department's category is a closed list
POISON = [
    "",
    " ",
    "\x00",
    "甲\x00局",
    "\u200b甲局",
    "甲局\u3000",
    "\u3000",
    "坏\ud800字",
    "\udfff",
    "2026-02-30",
    "2026-04-31",
    "2026-02-29",
    "1900-01-01",
    "1900-01-01 00:00",
    "9999-12-31",
    "9999-12-31 23:59:59",
    "0001-01-01",
    "长" * 5000,
    "9" * 40,
    "-" + "9" * 25,
    "1e400",
    "NaN",
    "inf",
    '"未闭合',
    '半"引号',
    '"',
    "a,b",
    "行\n换",
    "\r",
    "\ufeff",
    "市\x07局",
    "2026-03",
]
JSON_ONLY = [10**30, -(10**20), 1.5, True, None, {"@type": "x"}, [1, 2], []]
RAW_BYTES = [b"\xff\xfe", "\u4e2d\u6587".encode("gbk"), "中文".encode(), b'"', b"\x00", b"\r\n"]
SOURCE_IDS = itertools.count()


def bad_cell(json_file: bool) -> st.SearchStrategy:
    """A value a clerk would not want: poison, or anything at all."""
    choices = [st.sampled_from(POISON), st.text(max_size=30)]
    if json_file:
        choices.append(st.sampled_from(JSON_ONLY))
    return st.one_of(*choices)


@st.composite
def export(draw, kind: str) -> tuple[str, bytes, int | None]:
    """(file suffix, file content, rows written when every row is one record)."""
    fields = field_types(kind)
    names = list(KIND_FIELDS[kind]["required"]) + draw(
        st.lists(st.sampled_from(list(KIND_FIELDS[kind]["optional"])), unique=True)
    )
    json_file = draw(st.booleans())
    count, tag = draw(st.integers(1, 6)), draw(st.integers(0, 10**6))  # tag: keys of this example
    spoilt = st.dictionaries(st.sampled_from(names), bad_cell(json_file), max_size=3)
    rows = [
        {
            **{f: GOOD_FIELD.get(f, GOOD[fields[f]]).format(i=i, tag=tag) for f in names},  # about half spoilt
            **(draw(spoilt) if draw(st.booleans()) else {}),
        }
        for i in range(count)
    ]
    if json_file:
        return ".json", json.dumps(rows, ensure_ascii=True).encode(), len(rows)
    encoding = draw(st.sampled_from(["utf-8", "gbk"]))
    lines = [",".join(names).encode(encoding)]
    exact = True
    for row in rows:
        cells = []
        for f in names:
            if draw(st.integers(0, 9)) == 0:  # a raw, unquoted byte run in place of the cell
                cells.append(draw(st.sampled_from(RAW_BYTES)))
                exact = False
            else:
                text = '"' + str(row[f]).replace('"', '""') + '"'
                cells.append(text.encode(encoding, errors="replace" if encoding == "gbk" else "surrogatepass"))
        lines.append(b",".join(cells))
    return ".csv", b"\n".join(lines) + b"\n", len(rows) if exact else None


def run_export(engine, kind: str, suffix: str, content: bytes) -> tuple:
    """Write the file and a sources.toml into a folder of their own, run the source once."""
    base = Path(tempfile.mkdtemp(prefix="prop-"))
    (base / "drop").mkdir()
    (base / "drop" / f"export{suffix}").write_bytes(content)
    name = f"prop-{next(SOURCE_IDS)}"
    (base / "sources.toml").write_text(
        f'[[source]]\nname = "{name}"\nkind = "{kind}"\nreader = "files"\npath = "drop"\n'
        f'glob = "*{suffix}"\nsettle_seconds = 0\n'
        f"create_unknown_departments = {'true' if kind == 'department' else 'false'}\n",
        encoding="utf-8",
    )
    return run_source(engine, load_config(base / "sources.toml").sources[0])


def check_run(engine, kind: str, suffix: str, content: bytes, written: int | None) -> None:
    run = run_export(engine, kind, suffix, content)
    assert run.status in ("ok", "partial"), (run.status, run.error)
    with engine.connect() as conn:
        logged = conn.execute(select(CollectorRun.__table__).where(CollectorRun.id == run.run_id)).mappings().one()
        kept = conn.execute(
            select(func.count()).select_from(Quarantine).where(Quarantine.run_id == run.run_id)
        ).scalar_one()
    assert logged["rows_read"] == logged["rows_loaded"] + logged["rows_duplicate"] + logged["rows_quarantined"]
    assert kept == logged["rows_quarantined"]
    if written is not None and run.error is None:
        assert logged["rows_read"] == written


def property_for(kind: str, examples: int):
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=export(kind))
    def check(engine, data):
        check_run(engine, kind, *data)

    return check


@pytest.mark.parametrize("kind", list(KIND_FIELDS))
def test_any_export_completes_and_every_row_is_accounted_for(engine, kind):
    register(engine, ["甲局", "乙局"])
    examples = 25 if engine.dialect.name == "sqlite" else 8
    property_for(kind, examples)(engine)
