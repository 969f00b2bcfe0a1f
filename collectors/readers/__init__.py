"""Readers turn a source into batches of raw records plus the cursor after each batch."""

from __future__ import annotations

from collectors.config import SourceConfig
from collectors.readers.base import Reader
from collectors.readers.files import FileReader
from collectors.readers.http import HttpReader
from collectors.readers.sql import SqlReader
from collectors.readers.xroad import XRoadReader

READERS = {"files": FileReader, "xroad": XRoadReader, "sql": SqlReader, "http": HttpReader}


def make_reader(cfg: SourceConfig, cursor: dict) -> Reader:
    return READERS[cfg.reader](cfg, cursor)
