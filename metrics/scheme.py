"""The assessment scheme: one versioned TOML file per year, validated on load.

Errors name the offending key (e.g. `dimensions[1].indicators[0].floor`) so the
administrator editing the file knows where to look.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data.settings import get_settings
from data.vocabulary import STANDARD_FREQUENCIES, TIER_KEYS, TIERS
from metrics.indicators import DEFINITIONS


class SchemeError(ValueError):
    """A scheme file that cannot be used, with the key at fault."""

    @property
    def key(self) -> str:
        """The key the message names (e.g. dimensions[1].indicators[0].floor; '' if none),
        so an editor can show the message next to that field."""
        match = _ERROR_KEY.search(str(self))
        return match.group(1) if match else ""


_ERROR_KEY = re.compile(r"考核方案(?:缺少)? ?([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*)")


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    dimension: str
    weight: float
    floor: float
    target: float
    direction: str  # higher | lower


@dataclass(frozen=True)
class Dimension:
    key: str
    name: str
    weight: float
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Honours:
    """The 红榜/黑榜 rule of the 通报: 1/divisor of each category, within [minimum, maximum],
    taken only from the tiers that may be praised (red_tiers) or named for ranking last
    (bottom_tiers); black_tiers are named whatever their rank."""

    divisor: int
    minimum: int
    maximum: int
    black_tiers: tuple[str, ...]
    red_tiers: tuple[str, ...] = TIERS
    bottom_tiers: tuple[str, ...] = TIERS


@dataclass(frozen=True)
class Scheme:
    version: str
    year: int
    digest: str
    categories: dict[str, str]
    limits: dict[str, int]
    grace_days: dict[str, int]
    tiers: dict[str, float]
    excellent_quota: float
    bonus_cap: float
    deduction_cap: float
    veto_items: tuple[str, ...]
    small_sample: int
    upcoming_days: int
    honours: Honours
    dimensions: tuple[Dimension, ...]
    # [scoring]: shrink rates toward the category mean (fairness.category_prior), κ pseudo-counts
    shrink_small_samples: bool = False
    prior_strength: float = 5.0

    @property
    def indicators(self) -> dict[str, Indicator]:
        return {i.key: i for d in self.dimensions for i in d.indicators}

    @property
    def dimension_names(self) -> dict[str, str]:
        return {d.key: d.name for d in self.dimensions}


def _need(table: dict, key: str, where: str, kind: type | tuple) -> Any:
    if key not in table:
        raise SchemeError(f"考核方案缺少 {where}{key}")
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise SchemeError(f"考核方案 {where}{key} 的取值 {value!r} 类型不对")
    return value


def _number(table: dict, key: str, where: str) -> float:
    return float(_need(table, key, where, (int, float)))


def _indicator(raw: dict, where: str, dimension: str) -> Indicator:
    key = _need(raw, "key", where, str)
    if key not in DEFINITIONS:
        raise SchemeError(f"考核方案 {where}key：未知指标 {key!r}，可用指标：{', '.join(DEFINITIONS)}")
    floor, target = _number(raw, "floor", where), _number(raw, "target", where)
    direction = _need(raw, "direction", where, str)
    weight = _number(raw, "weight", where)
    if direction not in ("higher", "lower"):
        raise SchemeError(f"考核方案 {where}direction 应为 higher 或 lower，而不是 {direction!r}")
    if floor == target:
        raise SchemeError(f"考核方案 {where}floor 与 target 相同（{floor}），无法线性计分")
    if (direction == "higher") != (target > floor):
        raise SchemeError(
            f"考核方案 {where}target/floor：direction={direction} 时"
            f"{'target 应大于 floor' if direction == 'higher' else 'target 应小于 floor'}"
        )
    if weight <= 0:
        raise SchemeError(f"考核方案 {where}weight 应大于 0")
    return Indicator(key, _need(raw, "name", where, str), dimension, weight, floor, target, direction)


def _dimension(raw: dict, where: str) -> Dimension:
    key = _need(raw, "key", where, str)
    weight = _number(raw, "weight", where)
    items = _need(raw, "indicators", where, list)
    if not items:
        raise SchemeError(f"考核方案 {where}indicators 不能为空")
    indicators = tuple(_indicator(r, f"{where}indicators[{n}].", key) for n, r in enumerate(items))
    total = sum(i.weight for i in indicators)
    if abs(total - weight) > 1e-9:
        raise SchemeError(f"考核方案 {where}indicators 的权重之和为 {total:g}，应等于该维度权重 {weight:g}")
    return Dimension(key, _need(raw, "name", where, str), weight, indicators)


def _honours(raw: dict) -> Honours:
    divisor, minimum, maximum = (_need(raw, k, "honours.", int) for k in ("divisor", "minimum", "maximum"))
    if divisor <= 0 or not 0 <= minimum <= maximum:
        raise SchemeError("考核方案 honours：应满足 divisor > 0 且 0 ≤ minimum ≤ maximum")
    tiers = {
        key: tuple(_need(raw, key, "honours.", list)) if key == "black_tiers" else tuple(raw.get(key, TIERS))
        for key in ("black_tiers", "red_tiers", "bottom_tiers")
    }
    for key, named in tiers.items():
        unknown = [t for t in named if t not in TIERS]
        if unknown:
            raise SchemeError(f"考核方案 honours.{key}：未知等次 {unknown}，可用：{'、'.join(TIERS)}")
    return Honours(divisor, minimum, maximum, **tiers)


def _shrinkage(raw: dict) -> dict:
    """[scoring] shrink_small_samples and prior_strength; a scheme without [scoring] does not shrink."""
    if "scoring" not in raw:
        return {}
    scoring = _need(raw, "scoring", "", dict)
    shrink = scoring.get("shrink_small_samples")
    if not isinstance(shrink, bool):
        raise SchemeError(f"考核方案 scoring.shrink_small_samples 应为 true 或 false，而不是 {shrink!r}")
    strength = _number(scoring, "prior_strength", "scoring.")
    if strength <= 0:
        raise SchemeError("考核方案 scoring.prior_strength 应大于 0（同类均值折合的样本数，如 5）")
    return {"shrink_small_samples": shrink, "prior_strength": strength}


def parse_scheme(text: str) -> Scheme:
    """Validate scheme TOML text and build a Scheme."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError(f"考核方案不是合法的 TOML：{exc}") from exc
    dims = tuple(_dimension(d, f"dimensions[{n}].") for n, d in enumerate(_need(raw, "dimensions", "", list)))
    total = sum(d.weight for d in dims)
    if abs(total - 100) > 1e-9:
        raise SchemeError(f"考核方案 dimensions 的权重之和为 {total:g}，应为 100")
    seen: set[str] = set()
    for d in dims:
        for i in d.indicators:
            if i.key in seen:
                raise SchemeError(f"考核方案指标 {i.key!r} 出现了不止一次")
            seen.add(i.key)
    limits = _need(raw, "limits", "", dict)
    for key in ("request", "objection", "complaint"):
        if _need(limits, key, "limits.", int) <= 0:
            raise SchemeError(f"考核方案 limits.{key} 应为正整数（工作日）")
    grace = _need(raw, "grace_days", "", dict)
    for key in STANDARD_FREQUENCIES:
        if _need(grace, key, "grace_days.", int) < 0:
            raise SchemeError(f"考核方案 grace_days.{key} 不能为负数")
    tiers_raw = _need(raw, "tiers", "", dict)
    tiers = {k: _number(tiers_raw, k, "tiers.") for k in TIER_KEYS}
    if not 100 >= tiers["excellent"] > tiers["good"] > tiers["fair"] >= 0:
        raise SchemeError("考核方案 tiers：应满足 100 ≥ excellent > good > fair ≥ 0")
    quota = _number(tiers_raw, "excellent_quota", "tiers.")
    if not 0 < quota <= 1:
        raise SchemeError("考核方案 tiers.excellent_quota 应在 0 与 1 之间（如 0.30）")
    adjust = _need(raw, "adjustments", "", dict)
    honours = _honours(_need(raw, "honours", "", dict))
    categories = _need(raw, "categories", "", dict)
    if not categories:
        raise SchemeError("考核方案 categories 不能为空")
    return Scheme(
        version=_need(raw, "version", "", str),
        year=_need(raw, "year", "", int),
        digest=hashlib.sha256(text.encode()).hexdigest(),
        categories={str(k): str(v) for k, v in categories.items()},
        limits={k: int(limits[k]) for k in ("request", "objection", "complaint")},
        grace_days={k: int(grace[k]) for k in STANDARD_FREQUENCIES},
        tiers=tiers,
        excellent_quota=quota,
        bonus_cap=_number(adjust, "bonus_cap", "adjustments."),
        deduction_cap=_number(adjust, "deduction_cap", "adjustments."),
        veto_items=tuple(_need(adjust, "veto_items", "adjustments.", list)),
        small_sample=_need(raw, "small_sample", "", int),
        upcoming_days=_need(raw, "upcoming_days", "", int),
        honours=honours,
        dimensions=dims,
        **_shrinkage(raw),
    )


def schemes_dir() -> Path:
    """The folder of the yearly scheme files (PAOBAN_SCHEME_DIR, default metrics/schemes)."""
    return get_settings().scheme_dir


def scheme_path(year: int) -> Path:
    return schemes_dir() / f"{year}.toml"


def available_years() -> list[int]:
    return sorted(int(p.stem) for p in schemes_dir().glob("*.toml") if p.stem.isdigit())


def in_force_path(year: int) -> Path:
    """The file in force for `year`; a year without its own file uses the nearest earlier
    one (or, before the first, the first)."""
    years = available_years()
    if not years:
        raise SchemeError(f"目录 {schemes_dir()} 中没有考核方案文件（PAOBAN_SCHEME_DIR）")
    earlier = [y for y in years if y <= year]
    return scheme_path(earlier[-1] if earlier else years[0])


def load_scheme(year: int) -> Scheme:
    """The scheme in force for `year` (in_force_path) — Scheme.year tells which was used."""
    return parse_scheme(in_force_path(year).read_text(encoding="utf-8"))


# Saved versions live beside the yearly files, one file per version string, never
# overwritten: <schemes_dir>/versions/<version>.toml. load_scheme reads only <year>.toml,
# so saving a draft changes no score; the version decided on is put in force by copying
# it to <year>.toml. Published results keep the scheme text they were computed with.
VERSIONS_FOLDER = "versions"
_VERSION_NAME = re.compile(r"^\d{4}\.[0-9A-Za-z_-]+$")


def versions_dir() -> Path:
    return schemes_dir() / VERSIONS_FOLDER


def scheme_versions(problems: list[str] | None = None) -> dict[str, Path]:
    """Every scheme file by its version string: the yearly files in force and the saved
    versions (a saved copy of a yearly file's version is listed once). A file that does not
    load raises, or, when `problems` is given, is left out with its reason added there."""
    found: dict[str, Path] = {}
    for path in [scheme_path(y) for y in available_years()] + sorted(versions_dir().glob("*.toml")):
        try:
            version = parse_scheme(path.read_text(encoding="utf-8")).version
        except SchemeError as exc:
            if problems is None:
                raise
            problems.append(f"{path.name}：{exc}")
            continue
        found.setdefault(version, path)
    return found


def save_version(text: str) -> Path:
    """Write a validated draft as a new version file; a version string already used by any
    scheme file is refused, so a version once saved always means the same rules."""
    scheme = parse_scheme(text)
    if not _VERSION_NAME.match(scheme.version) or not scheme.version.startswith(f"{scheme.year}."):
        raise SchemeError(f"考核方案 version 应写成“年度.序号”，如 {scheme.year}.2（当前为 {scheme.version!r}）")
    path = versions_dir() / f"{scheme.version}.toml"
    if scheme.version in scheme_versions([]) or path.exists():
        raise SchemeError(f"考核方案 version：版本 {scheme.version} 已存在，请换一个新的版本号")
    versions_dir().mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as out:
        out.write(text)
    return path
