"""Scheme drafts as tables and text: round trip, reweighing by hand, readable changes,
command-line settings, the key an error names, and saved versions that never overwrite."""

from __future__ import annotations

import shutil

import pytest

from metrics.scheme import SchemeError, load_scheme, parse_scheme, save_version, scheme_path, scheme_versions
from metrics.scheme_text import apply_setting, changes, parse_assignment, raw_scheme, scale, to_toml, with_setting

TEXT = scheme_path(2026).read_text(encoding="utf-8")
RAW = raw_scheme(TEXT)


def test_toml_round_trip_keeps_every_setting():
    out = to_toml(RAW, "第一行\n第二行")
    assert out.startswith("# 第一行\n# 第二行\n")
    assert raw_scheme(out) == RAW
    assert parse_scheme(out).indicators == load_scheme(2026).indicators


def test_scale_puts_the_rounding_remainder_on_the_largest():
    # 5, 5, 5 → 17.5: 5.83 each (17.49), the remainder 0.01 to the first largest
    assert scale([5, 5, 5], 17.5) == [5.84, 5.83, 5.83]
    assert scale([0, 0], 10) == [5, 5]


def test_dimension_weight_40_to_30_rebalances_by_hand():
    draft = apply_setting(RAW, *parse_assignment(RAW, "dimension.数据共享.weight=30"))
    # the other 60 points (25, 15, 20) share 70: 29.17, 17.5, 23.33
    assert [d["weight"] for d in draft["dimensions"]] == [30, 29.17, 17.5, 23.33]
    # 数据共享's indicators × 0.75: 8 → 6, 6 → 4.5, 7 → 5.25
    assert [i["weight"] for i in draft["dimensions"][0]["indicators"]] == [6, 4.5, 5.25, 5.25, 4.5, 4.5]
    assert [i["weight"] for i in draft["dimensions"][3]["indicators"]] == [9.33, 7, 7]
    parse_scheme(to_toml(draft))  # valid: weights add up
    assert changes(RAW, draft)[:2] == ["维度“数据共享”权重：40 → 30", "指标“资源挂接率”权重：8 → 6"]


def test_indicator_weight_keeps_its_dimension_weight():
    draft = apply_setting(RAW, "dimensions[2].indicators[0].weight", 9)
    # 投诉 15: the other two share 6
    assert [i["weight"] for i in draft["dimensions"][2]["indicators"]] == [9, 3, 3]


def test_command_line_settings():
    assert parse_assignment(RAW, "indicator.满意率.target=90") == ("dimensions[2].indicators[2].target", 90)
    assert parse_assignment(RAW, "adjustments.veto_items=['弄虚作假']") == ("adjustments.veto_items", ["弄虚作假"])
    with pytest.raises(SchemeError, match="方案中没有维度 '安全'"):
        parse_assignment(RAW, "dimension.安全.weight=10")
    with pytest.raises(SchemeError, match="应写成 名称=取值"):
        parse_assignment(RAW, "tiers.excellent")
    assert changes(RAW, with_setting(RAW, "tiers.excellent", 85)) == ["优秀分数线：90 → 85"]


@pytest.mark.parametrize(
    "path, value, key",
    [
        ("dimensions[1].indicators[0].floor", 100, "dimensions[1].indicators[0].floor"),
        ("dimensions[0].indicators[1].target", 40, "dimensions[0].indicators[1].target"),
        ("dimensions[1].weight", 20, "dimensions[1].indicators"),
        ("tiers.good", 95, "tiers"),
        ("limits.request", 0, "limits.request"),
    ],
)
def test_the_error_names_the_field(path, value, key):
    with pytest.raises(SchemeError) as caught:
        parse_scheme(to_toml(with_setting(RAW, path, value)))
    assert caught.value.key == key


@pytest.fixture
def folder(monkeypatch, tmp_path):
    shutil.copy(scheme_path(2026), tmp_path / "2026.toml")
    monkeypatch.setenv("PAOBAN_SCHEME_DIR", str(tmp_path))
    return tmp_path


def test_saved_versions_are_new_files_and_never_overwritten(folder):
    draft = with_setting(with_setting(RAW, "version", "2027.1"), "year", 2027)
    path = save_version(to_toml(draft))
    assert path == folder / "versions" / "2027.1.toml"
    assert list(scheme_versions()) == ["2026.1", "2027.1"]
    assert load_scheme(2027).version == "2026.1"  # in force only once copied to 2027.toml
    with pytest.raises(SchemeError, match="版本 2027.1 已存在") as caught:
        save_version(to_toml(draft))
    assert caught.value.key == "version"
    with pytest.raises(SchemeError, match="已存在"):
        save_version(TEXT)  # 2026.1 is the yearly file's version
    with pytest.raises(SchemeError, match="年度.序号"):
        save_version(to_toml(with_setting(RAW, "version", "2027.2")))  # year 2026, version 2027.x


def test_a_version_file_that_does_not_load_is_named(folder):
    (folder / "versions").mkdir()
    (folder / "versions" / "2026.5.toml").write_text("version = ", encoding="utf-8")
    problems: list[str] = []
    assert list(scheme_versions(problems)) == ["2026.1"]
    assert problems[0].startswith("2026.5.toml：考核方案不是合法的 TOML")
    with pytest.raises(SchemeError):
        scheme_versions()
    with pytest.raises(SchemeError, match="版本 2026.5 已存在"):
        save_version(to_toml(with_setting(RAW, "version", "2026.5")))


def test_whatif_command_line_help(capsys):
    from metrics.__main__ import parser

    with pytest.raises(SystemExit) as done:
        parser().parse_args(["whatif", "--help"])
    assert done.value.code == 0
    assert "各指标目标 ±5% 的名次变动" in capsys.readouterr().out
