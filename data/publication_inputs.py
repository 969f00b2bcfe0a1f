"""What a publication version freezes besides the scheme text: the exemptions and adjustments in
force when its snapshot was computed. Recomputing the version reads them from here, so an
appeal accepted or an adjustment revoked afterwards leaves the version verifiable bit for bit."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Connection

from data import appeals, frames

EXEMPTION_INTS = ["dept_id", "appeal_id"]


def freeze(conn: Connection, year: int, as_at: datetime) -> str:
    """The year's exemptions and whole-year adjustments in force at `as_at`, as JSON text."""
    parts = {
        "exemptions": appeals.exemptions(conn, year, as_at=as_at),
        "adjustments": frames.adjustments(conn, year, None, as_at=as_at),
    }
    rows = {name: frame.astype(object).to_numpy().tolist() for name, frame in parts.items()}
    return json.dumps(rows, ensure_ascii=False, default=str)


def thaw(text: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(exemptions, adjustments) frames typed as `appeals.exemptions` and `frames.adjustments` give them."""
    rows = json.loads(text)
    exemptions = frames.typed_rows(rows["exemptions"], appeals.EXEMPTION_COLUMNS, ints=EXEMPTION_INTS)
    return exemptions, frames.typed_adjustments(rows["adjustments"])
