"""X-Road operational monitoring: JSON records, or the multipart response of
getSecurityServerOperationalData (SOAP part + gzipped JSON attachment).

Each call is reported by the client's and by the producer's security server; the two
copies share `xRequestId` and count once. The client copy wins: its requestInTs and
responseOutTs span the whole call as the consumer saw it.
"""
from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from collectors.readers.base import FileProblem, records_in
from collectors.readers.files import FileReader
from collectors.readers.text import UnreadableFile

GZIP_MAGIC = b"\x1f\x8b"
BOUNDARY_RE = re.compile(rb'boundary="?([^";\r\n]+)"?', re.IGNORECASE)


class XRoadReader(FileReader):
    """Every file of the folder is one X-Road document, whatever its extension."""

    def items(self):
        for path in self.paths:
            name = self.name_of(path)
            if path.stat().st_size == 0:
                yield FileProblem(name, "文件为空：请确认导出是否成功后重新放入")
                continue
            yield from self.whole(path, name, "xroad")

    def parse_whole(self, path: Path, fmt: str):
        records = parse_xroad_document(path.read_bytes())
        return calls_from_records(records)


def parse_xroad_document(data: bytes) -> list:
    """The list of operational-monitoring records in a JSON, gzip or multipart document."""
    stripped = data.lstrip()
    if stripped.startswith(GZIP_MAGIC):
        return parse_xroad_document(_gunzip(stripped))
    if stripped[:1] in (b"[", b"{"):
        try:
            records = records_in(json.loads(stripped.decode("utf-8-sig")), "")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UnreadableFile("X-Road 文件不是完整的 JSON：文件可能被截断，请重新导出") from exc
        if records is None or not all(isinstance(r, dict) for r in records):
            raise UnreadableFile("X-Road 文件中找不到记录列表（应为记录数组，或含 records 数组的对象）")
        return records
    attachment = multipart_attachment(data)
    return parse_xroad_document(attachment)


def _gunzip(data: bytes) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise UnreadableFile("gzip 附件已损坏或被截断：请重新获取 getSecurityServerOperationalData 响应") from exc


def multipart_attachment(data: bytes) -> bytes:
    """The operational-data attachment of a multipart/related SOAP response."""
    match = BOUNDARY_RE.search(data[:4096])
    if match:
        boundary = match.group(1)
    else:
        first = data.lstrip().split(b"\n", 1)[0].strip()
        if not first.startswith(b"--"):
            raise UnreadableFile("既不是 JSON 也不是 multipart 响应：X-Road 来源只接受操作监控 JSON 或 "
                                 "getSecurityServerOperationalData 的响应")
        boundary = first[2:]
    for part in data.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, sep, body = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            head, sep, body = part.lstrip(b"\n").partition(b"\n\n")
        headers = head.decode("latin-1").lower()
        body = body.rstrip(b"\r\n")
        if "base64" in headers:
            body = base64.b64decode(body)
        if body.startswith(GZIP_MAGIC) or "gzip" in headers:
            return body
    raise UnreadableFile("multipart 响应中没有 gzip 附件：请确认请求的是 getSecurityServerOperationalData 且记录数不为 0")


def member(records: pd.DataFrame, prefix: str) -> pd.Series:
    """X-Road member as CLASS:CODE, or CLASS:CODE:SUBSYSTEM when a subsystem is named."""
    def col(name):
        full = f"{prefix}{name}"
        if full not in records.columns:
            return pd.Series(pd.NA, index=records.index, dtype="string")
        return records[full].astype("string").str.strip().replace("", pd.NA)

    cls, code, sub = col("MemberClass"), col("MemberCode"), col("SubsystemCode")
    base = cls + ":" + code
    return base.where(sub.isna(), base + ":" + sub)


def calls_from_records(records: list[dict]):
    """Pair copies on xRequestId and shape them as canonical exchange_call columns."""
    if not records:
        empty = pd.DataFrame(columns=["call_id", "requested_at", "consumer_dept", "provider_dept",
                                      "service_code", "succeeded", "status_code", "fault_code",
                                      "duration_ms"])
        return empty, np.array([], dtype=np.int64), [], []
    frame = pd.DataFrame.from_records(records)
    frame["_line"] = np.arange(1, len(frame) + 1)
    for col in ("xRequestId", "securityServerType", "requestInTs", "responseOutTs"):
        if col not in frame.columns:
            frame[col] = pd.NA
    is_client = frame["securityServerType"].astype("string").str.lower().eq("client").fillna(False)
    frame["_rank"] = np.where(is_client, 0, 1)
    keyed = frame[frame["xRequestId"].notna()].sort_values(["xRequestId", "_rank", "_line"])
    chosen = pd.concat([keyed.drop_duplicates("xRequestId"), frame[frame["xRequestId"].isna()]])
    chosen = chosen.sort_values("_line")
    start = pd.to_numeric(chosen["requestInTs"], errors="coerce")
    end = pd.to_numeric(chosen["responseOutTs"], errors="coerce")
    calls = pd.DataFrame({
        "call_id": chosen["xRequestId"],
        "requested_at": start,
        "consumer_dept": member(chosen, "client"),
        "provider_dept": member(chosen, "service"),
        "service_code": chosen.get("serviceCode"),
        "succeeded": chosen.get("succeeded"),
        "status_code": chosen.get("statusCode"),
        "fault_code": chosen.get("faultCode"),
        "duration_ms": (end - start).astype("Float64"),
    }).reset_index(drop=True)
    raw = [json.dumps(records[i - 1], ensure_ascii=False) for i in chosen["_line"]]
    return calls, chosen["_line"].to_numpy(dtype=np.int64), [], raw
