"""豁免: evidence rows an accepted appeal took out of one indicator, applied as inputs.

An exempted indicator is computed again from inputs without the exempted records, and only
that indicator's counts, evidence and 提分清单 rows are taken from the second computation: the
record still counts in the department's other indicators. Recomputing with the same
exemption rows gives the same numbers, so a published version with exemptions verifies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from metrics.inputs import PeriodInputs

# Which input frames hold a record of each evidence type: (frame, department column or None, key column).
RECORD_FRAMES = {
    "resource": (
        ("resources", "provider_dept_id", "resource_code"),
        ("updates", None, "resource_code"),
        ("first_updates", None, "resource_code"),
    ),
    "request": (("requests", "provider_dept_id", "request_id"),),
    "objection": (("objections", "provider_dept_id", "objection_id"),),
    "complaint": (("complaints", "dept_id", "ticket_id"),),
    "service": (
        ("calls", "provider_dept_id", "service_code"),
        ("faults", "provider_dept_id", "service_code"),
        ("latency", "provider_dept_id", "service_code"),
    ),
}
FRAME_NAMES = ("counts", "evidence", "fixes", "notes")


def without(inputs: PeriodInputs, rows: pd.DataFrame) -> PeriodInputs:
    """The inputs without the records `rows` (data.appeals.EXEMPTION_COLUMNS) name."""
    changed = {}
    for item_type, group in rows.groupby("item_type"):
        for name, dept_col, key_col in RECORD_FRAMES.get(item_type, ()):
            frame = changed.get(name, getattr(inputs, name))
            drop = frame[key_col].astype(str).isin(group["item_key"])
            if dept_col is not None:
                keyed = set(zip(group["dept_id"], group["item_key"]))
                drop &= pd.Series(
                    [k in keyed for k in zip(frame[dept_col], frame[key_col].astype(str))],
                    index=frame.index,
                    dtype=bool,
                )
            changed[name] = frame[~drop]
    return replace(inputs, **changed)


def _note(rows: pd.DataFrame) -> pd.DataFrame:
    notes = [
        {
            "dept_id": int(dept),
            "indicator": indicator,
            "note": f"经申诉复核采纳（申诉 {'、'.join(str(a) for a in sorted(set(g['appeal_id'])))}），"
            f"豁免 {len(g)} 条：{'、'.join(g['item_key'])}，不计入本指标",
        }
        for (dept, indicator), g in rows.groupby(["dept_id", "indicator"])
    ]
    return pd.DataFrame(notes, columns=["dept_id", "indicator", "note"])


def apply(
    parts: dict[str, pd.DataFrame], inputs: PeriodInputs, compute: Callable[[PeriodInputs], dict[str, pd.DataFrame]]
) -> dict[str, pd.DataFrame]:
    """`parts` (counts, evidence, fixes, notes frames) with every exempted indicator replaced by
    its computation on the inputs without its exempted records, plus a note saying so."""
    exempt = inputs.exemptions
    for indicator, rows in exempt.groupby("indicator"):
        again = compute(without(inputs, rows))
        parts = {
            name: pd.concat(
                [
                    parts[name][parts[name]["indicator"] != indicator],
                    again[name][again[name]["indicator"] == indicator],
                ],
                ignore_index=True,
            )
            for name in FRAME_NAMES
        }
    if len(exempt):
        parts["notes"] = pd.concat([parts["notes"], _note(exempt)], ignore_index=True)
    return parts
