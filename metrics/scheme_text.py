"""A scheme as an editable table (the parsed TOML), and back to TOML text.

The editor, the what-if CLI and the sensitivity view change settings here by path, in
the notation SchemeError names them (`dimensions[0].indicators[2].target`), and
parse_scheme judges the result, so every draft is validated by the loader's own rules.
Changing one weight can carry its siblings along (`reweigh`), so a draft stays at 100.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from typing import Any

from metrics.scheme import SchemeError

WEIGHT_DECIMALS = 2
_STEP = re.compile(r"^([A-Za-z_][\w-]*)(?:\[(\d+)\])?$")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
FIELD_LABELS = {
    "weight": "权重",
    "floor": "下限（0 分）",
    "target": "目标（100 分）",
    "direction": "方向",
    "version": "版本",
    "year": "年度",
    "small_sample": "样本少阈值",
    "upcoming_days": "提分清单临近天数",
    "limits.request": "申请答复时限（工作日）",
    "limits.objection": "异议处理时限（工作日）",
    "limits.complaint": "投诉办结时限（工作日）",
    "grace_days.daily": "每日更新宽限天数",
    "grace_days.weekly": "每周更新宽限天数",
    "grace_days.monthly": "每月更新宽限天数",
    "grace_days.quarterly": "每季度更新宽限天数",
    "grace_days.half_yearly": "每半年更新宽限天数",
    "grace_days.yearly": "每年更新宽限天数",
    "tiers.excellent": "优秀分数线",
    "tiers.good": "良好分数线",
    "tiers.fair": "一般分数线",
    "tiers.excellent_quota": "优秀比例上限（0–1，如 0.30）",
    "adjustments.bonus_cap": "加分上限",
    "adjustments.deduction_cap": "扣分上限",
    "adjustments.veto_items": "一票否决事项",
    "scoring.shrink_small_samples": "小样本的比率向同类均值收缩",
    "scoring.prior_strength": "同类均值折合的样本数（κ）",
}


def raw_scheme(text: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError(f"考核方案不是合法的 TOML：{exc}") from exc


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.split("."):
        match = _STEP.match(part)
        if match is None:
            raise SchemeError(f"设置路径 {path!r} 无法识别")
        steps.append(match.group(1))
        if match.group(2) is not None:
            steps.append(int(match.group(2)))
    return steps


def setting(raw: dict, path: str) -> Any:
    node: Any = raw
    for step in _steps(path):
        node = node[step]
    return node


def with_setting(raw: dict, path: str, value: Any) -> dict:
    """A copy of `raw` with one setting replaced."""
    out = copy.deepcopy(raw)
    *parents, last = _steps(path)
    node: Any = out
    for step in parents:
        node = node[step]
    node[last] = value
    return out


def tidy(x: float) -> float | int:
    """A weight as it is written: two decimals, and whole numbers without '.0'."""
    x = round(float(x), WEIGHT_DECIMALS)
    return int(x) if x.is_integer() else x


def scale(weights: list[float], total: float) -> list[float | int]:
    """Weights scaled proportionally to sum to `total`, at two decimals; the rounding
    remainder goes to the largest, so the sum is exact (all equal when they were all 0)."""
    if not weights:
        return []
    current = sum(weights)
    shares = [w / current for w in weights] if current > 0 else [1 / len(weights)] * len(weights)
    scaled = [round(total * s, WEIGHT_DECIMALS) for s in shares]
    biggest = max(range(len(scaled)), key=scaled.__getitem__)
    scaled[biggest] = round(scaled[biggest] + total - sum(scaled), WEIGHT_DECIMALS)
    return [tidy(w) for w in scaled]


def _rebalanced(weights: list[float], index: int, value: float, total: float) -> list[float | int]:
    """`weights` with weights[index] = value and the others scaled to keep `total`."""
    rest = total - value
    others = [w for n, w in enumerate(weights) if n != index]
    if rest < 0 or not others:
        return [tidy(value) if n == index else w for n, w in enumerate(weights)]
    scaled = iter(scale(others, rest))
    return [tidy(value) if n == index else next(scaled) for n in range(len(weights))]


def reweigh(raw: dict, path: str, value: float) -> dict:
    """Set a dimension or indicator weight and rebalance proportionally: a dimension's
    siblings keep the total at 100 and every dimension's indicators are scaled to their
    dimension's new weight; an indicator's siblings keep their dimension's weight."""
    steps = _steps(path)
    out = copy.deepcopy(raw)
    dims = out["dimensions"]
    if len(steps) == 3 and steps[0] == "dimensions" and steps[2] == "weight":
        new = _rebalanced([d["weight"] for d in dims], steps[1], value, 100)
        for d, w in zip(dims, new):
            d["weight"] = w
            for i, iw in zip(d["indicators"], scale([i["weight"] for i in d["indicators"]], w)):
                i["weight"] = iw
        return out
    if len(steps) == 5 and steps[0] == "dimensions" and steps[2] == "indicators" and steps[4] == "weight":
        dim = dims[steps[1]]
        new = _rebalanced([i["weight"] for i in dim["indicators"]], steps[3], value, dim["weight"])
        for i, w in zip(dim["indicators"], new):
            i["weight"] = w
        return out
    raise SchemeError(f"{path} 不是维度或指标的权重")


def resolve(raw: dict, spec: str) -> str:
    """A command-line setting name to its path: 'dimension.数据共享.weight' (name or key),
    'indicator.mount_rate.target' (key or name), or a path as is ('tiers.excellent')."""
    head, _, rest = spec.partition(".")
    name, _, field = rest.rpartition(".")
    if head in ("dimension", "indicator") and name:
        for n, d in enumerate(raw["dimensions"]):
            if head == "dimension" and name in (d["key"], d["name"]):
                return f"dimensions[{n}].{field}"
            for m, i in enumerate(d["indicators"]):
                if head == "indicator" and name in (i["key"], i["name"]):
                    return f"dimensions[{n}].indicators[{m}].{field}"
        raise SchemeError(f"方案中没有{'维度' if head == 'dimension' else '指标'} {name!r}")
    setting(raw, spec)
    return spec


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise SchemeError(f"无法写入 TOML 的取值 {value!r}")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _emit(lines: list[str], table: dict, prefix: tuple[str, ...]) -> None:
    nested = [(k, v) for k, v in table.items() if isinstance(v, dict) or _is_tables(v)]
    for key, value in table.items():
        if not (isinstance(value, dict) or _is_tables(value)):
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in nested:
        name = ".".join(_toml_key(k) for k in (*prefix, key))
        for item in [value] if isinstance(value, dict) else value:
            lines.append("")
            lines.append(f"[{name}]" if isinstance(value, dict) else f"[[{name}]]")
            _emit(lines, item, (*prefix, key))


def to_toml(raw: dict, comment: str = "") -> str:
    """TOML text of a scheme table (tomllib reads back the same table)."""
    lines = [f"# {line}" for line in comment.splitlines()]
    _emit(lines, raw, ())
    return "\n".join(lines) + "\n"


def _flat(raw: dict) -> dict[str, tuple[str, Any]]:
    """Every setting by a stable identity (dimension and indicator keys, not positions),
    with its label in Chinese."""
    out: dict[str, tuple[str, Any]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)
        elif not _is_tables(node):
            out[path] = (FIELD_LABELS.get(path, path), node)

    for key, value in raw.items():
        if key != "dimensions":
            walk(value, key)
    for d in raw.get("dimensions", []):
        for field in ("name", "weight"):
            out[f"dim:{d['key']}.{field}"] = (f"维度“{d['name']}”{FIELD_LABELS.get(field, '名称')}", d.get(field))
        for i in d.get("indicators", []):
            for field, value in i.items():
                if field != "key":
                    label = f"指标“{i['name']}”{FIELD_LABELS.get(field, '名称')}"
                    out[f"ind:{i['key']}.{field}"] = (label, value)
    return out


def _shown(value: Any) -> str:
    if value is None:
        return "（无）"
    if isinstance(value, list):
        return "、".join(map(str, value)) or "（空）"
    return str(value)


def changes(old: dict, new: dict) -> list[str]:
    """What a draft changes, one line per setting: '维度“数据共享”权重：40 → 30'."""
    before, after = _flat(old), _flat(new)
    lines = []
    for key in list(before) + [k for k in after if k not in before]:
        was, now = before.get(key, (None, None)), after.get(key, (None, None))
        if was[1] != now[1]:
            lines.append(f"{now[0] or was[0]}：{_shown(was[1])} → {_shown(now[1])}")
    return lines


def apply_setting(raw: dict, path: str, value: Any) -> dict:
    """One edit of a draft: a weight carries its siblings along (reweigh), any other
    setting is replaced as given."""
    if path.endswith(".weight") and path.startswith("dimensions["):
        return reweigh(raw, path, float(value))
    return with_setting(raw, path, value)


def parse_assignment(raw: dict, text: str) -> tuple[str, Any]:
    """'dimension.数据共享.weight=30' → (path, value); the value is read as TOML
    (30, 0.25, "text", ["a", "b"]), else kept as plain text."""
    spec, sep, value = text.partition("=")
    if not sep:
        raise SchemeError(f"设置 {text!r} 应写成 名称=取值，如 dimension.数据共享.weight=30")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return resolve(raw, spec.strip()), parsed
