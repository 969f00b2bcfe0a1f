"""The scheme editor's form: one widget per setting, keyed by the setting's path, and the
loader's error shown under the field it names.

Widget values live in session state under `se:<path>`; the draft is the chosen version's
table with those values put in (`draft_from_state`), so what the form shows is exactly
what parse_scheme judges and what is saved.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from data.vocabulary import FREQUENCY_LABELS, STANDARD_FREQUENCIES
from metrics.scheme import SchemeError
from metrics.scheme_text import FIELD_LABELS, apply_setting, setting, tidy, with_setting

PREFIX = "se:"
LINK_KEY = "se_link"
DIRECTIONS = {"higher": "越高越好", "lower": "越低越好"}


@dataclass(frozen=True)
class Field:
    path: str
    label: str
    kind: str  # int | float | text | lines | direction
    step: float = 1.0


def fields(raw: dict) -> list[Field]:
    """Every editable setting of the scheme table (categories and the [supervision] table
    are kept as they are)."""
    out = [Field("version", "版本号", "text"), Field("year", "年度", "int")]
    for n, d in enumerate(raw["dimensions"]):
        out.append(Field(f"dimensions[{n}].weight", f"“{d['name']}”维度权重", "float"))
        for m in range(len(d["indicators"])):
            base = f"dimensions[{n}].indicators[{m}]"
            out += [
                Field(f"{base}.weight", "权重", "float"),
                Field(f"{base}.floor", FIELD_LABELS["floor"], "float"),
                Field(f"{base}.target", FIELD_LABELS["target"], "float"),
                Field(f"{base}.direction", "方向", "direction"),
            ]
    out += [Field(f"limits.{k}", FIELD_LABELS[f"limits.{k}"], "int") for k in ("request", "objection", "complaint")]
    out += [Field(f"grace_days.{k}", FIELD_LABELS[f"grace_days.{k}"], "int") for k in STANDARD_FREQUENCIES]
    out += [Field(f"tiers.{k}", FIELD_LABELS[f"tiers.{k}"], "float") for k in ("excellent", "good", "fair")]
    out += [
        Field("tiers.excellent_quota", FIELD_LABELS["tiers.excellent_quota"], "float", 0.05),
        Field("adjustments.bonus_cap", FIELD_LABELS["adjustments.bonus_cap"], "float"),
        Field("adjustments.deduction_cap", FIELD_LABELS["adjustments.deduction_cap"], "float"),
        Field("adjustments.veto_items", "一票否决事项（每行一项）", "lines"),
        Field("small_sample", FIELD_LABELS["small_sample"], "int"),
    ]
    if "scoring" in raw:
        out += [
            Field("scoring.shrink_small_samples", FIELD_LABELS["scoring.shrink_small_samples"], "bool"),
            Field("scoring.prior_strength", FIELD_LABELS["scoring.prior_strength"], "float"),
        ]
    return out


def _shown(f: Field, value):
    if f.kind == "lines":
        return "\n".join(value)
    if f.kind == "float":
        return float(value)
    return value


def _stored(f: Field, value):
    if f.kind == "lines":
        return [line.strip() for line in str(value).splitlines() if line.strip()]
    if f.kind == "float":
        return tidy(value)
    return value


def load_state(raw: dict, **overrides) -> None:
    """Put a version's settings into the form (overrides: path → value, e.g. a new version)."""
    for f in fields(raw):
        value = overrides.get(f.path, setting(raw, f.path))
        st.session_state[PREFIX + f.path] = _shown(f, value)


def draft_from_state(raw: dict) -> dict:
    draft = raw
    for f in fields(raw):
        key = PREFIX + f.path
        if key in st.session_state:
            draft = with_setting(draft, f.path, _stored(f, st.session_state[key]))
    return draft


def _carry_weight(raw: dict, path: str) -> None:
    """on_change of a weight with 联动 on: the siblings follow in proportion (apply_setting)."""
    if not st.session_state.get(LINK_KEY, True):
        return
    after = apply_setting(draft_from_state(raw), path, st.session_state[PREFIX + path])
    for f in fields(raw):
        if f.path.endswith(".weight"):
            st.session_state[PREFIX + f.path] = float(setting(after, f.path))


class Form:
    """Renders fields; remembers which error keys have a place on the page."""

    def __init__(self, raw: dict, error: SchemeError | None, disabled: bool):
        self.raw, self.error, self.disabled = raw, error, disabled
        self.placed: set[str] = set()
        self.by_path = {f.path: f for f in fields(raw)}

    def error_at(self, path: str) -> None:
        """The loader's message under the field (or group) it names."""
        self.placed.add(path)
        if self.error is not None and self.error.key == path:
            st.error(str(self.error), icon="⚠️")

    def field(self, path: str, label: str | None = None) -> None:
        f = self.by_path[path]
        key, label = PREFIX + path, label or f.label
        common = {"key": key, "disabled": self.disabled}
        if f.kind == "int":
            st.number_input(label, step=1, **common)
        elif f.kind == "float":
            on_change = _carry_weight if path.endswith(".weight") else None
            st.number_input(label, step=f.step, format="%.2f", on_change=on_change, args=(self.raw, path), **common)
        elif f.kind == "direction":
            st.selectbox(label, list(DIRECTIONS), format_func=DIRECTIONS.__getitem__, **common)
        elif f.kind == "bool":
            st.checkbox(label, **common)
        elif f.kind == "lines":
            st.text_area(label, height=100, **common)
        else:
            st.text_input(label, **common)
        self.error_at(path)

    def weights(self) -> None:
        st.toggle(
            "权重联动：改一个权重时，同级其余权重按比例调整，维度合计保持 100、指标合计等于维度权重",
            key=LINK_KEY,
            disabled=self.disabled,
        )
        self.error_at("dimensions")
        for n, d in enumerate(self.raw["dimensions"]):
            with st.expander(f"{d['name']}（{len(d['indicators'])} 项指标）", expanded=n == 0):
                self.field(f"dimensions[{n}].weight")
                self.error_at(f"dimensions[{n}].indicators")
                for m, i in enumerate(d["indicators"]):
                    base = f"dimensions[{n}].indicators[{m}]"
                    st.markdown(f"**{i['name']}**（{i['key']}）")
                    self.error_at(base)
                    cols = st.columns(4)
                    for col, name in zip(cols, ("weight", "floor", "target", "direction")):
                        with col:
                            self.field(f"{base}.{name}")

    def rules(self) -> None:
        st.caption(
            "时限与宽限天数改变的是指标本身（哪些记录按时）：下方模拟只重算得分，不反映这两类修改，启用方案后重算才能看到。"
        )
        left, right = st.columns(2)
        with left:
            st.markdown("**答复时限（工作日）**")
            self.error_at("limits")
            for k in ("request", "objection", "complaint"):
                self.field(f"limits.{k}")
            st.markdown("**数据更新宽限天数**")
            self.error_at("grace_days")
            for k in STANDARD_FREQUENCIES:
                self.field(f"grace_days.{k}", f"{FREQUENCY_LABELS.get(k, k)}更新")
        with right:
            st.markdown("**等次**")
            self.error_at("tiers")
            for k in ("excellent", "good", "fair", "excellent_quota"):
                self.field(f"tiers.{k}")
            st.markdown("**加减分与一票否决**")
            self.error_at("adjustments")
            for k in ("bonus_cap", "deduction_cap", "veto_items"):
                self.field(f"adjustments.{k}")
            self.field("small_sample")
            if "scoring" in self.raw:
                st.markdown("**小样本收缩**")
                self.error_at("scoring")
                self.field("scoring.shrink_small_samples")
                self.field("scoring.prior_strength")

    def version(self) -> None:
        cols = st.columns(2)
        with cols[0]:
            self.field("version")
        with cols[1]:
            self.field("year")

    def unplaced_error(self) -> str | None:
        """The message when the field it names has no place in the form (e.g. a TOML error)."""
        if self.error is None or self.error.key in self.placed:
            return None
        return str(self.error)
