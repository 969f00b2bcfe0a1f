"""X-Road operational monitoring: JSON records, or the multipart response of
getSecurityServerOperationalData (SOAP part + gzipped JSON attachment).

Each call is reported by the client's and by the producer's security server; the two
copies share `xRequestId` (X-Road 7) or, in X-Road 6, `messageId` with the same client
and service, and count once. Every copy is passed on, each call's copies side by side
with the Client copy first: the store counts the first and the rest as duplicates, so the
run log reads the same whether the copies come in one file or in two. The Client copy
wins because its requestInTs and responseOutTs span the call as the consumer saw it.
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
        records, lines, bad = read_records(path.read_bytes())
        calls, order, raw = calls_from_records(records, self.cfg.dedupe_window_minutes * 60_000)
        return calls, np.asarray(lines, dtype=np.int64)[order], bad, raw


def parse_xroad_document(data: bytes) -> list:
    """The list of operational-monitoring records in a JSON, gzip or multipart document."""
    return read_records(data)[0]


def read_records(data: bytes) -> tuple[list, list[int], list[tuple[int, str, str]]]:
    """(records, their line or position, unreadable lines as (line, text, reason)) of a
    JSON, JSON Lines, gzip or multipart document."""
    stripped = data.lstrip()
    if stripped.startswith(GZIP_MAGIC):
        return read_records(_gunzip(stripped))
    if stripped[:1] in (b"[", b"{"):
        try:
            text = stripped.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnreadableFile("X-Road 文件不是 UTF-8 编码的 JSON：请按 UTF-8 重新导出") from exc
        try:
            records = records_in(json.loads(text), "")
            lines, bad = list(range(1, len(records or []) + 1)), []
        except json.JSONDecodeError as exc:
            if exc.msg != "Extra data":  # not one document a line: the document was cut short
                raise UnreadableFile("X-Road 文件不是完整的 JSON：文件可能被截断，请重新导出") from exc
            records, lines, bad = json_lines(text)
        if records is None or not all(isinstance(r, dict) for r in records):
            raise UnreadableFile("X-Road 文件中找不到记录列表（应为记录数组，或含 records 数组的对象）")
        return records, lines, bad
    attachment = multipart_attachment(data)
    return read_records(attachment)


def json_lines(text: str) -> tuple[list, list[int], list[tuple[int, str, str]]]:
    """A JSON Lines document, one record a line: a broken line costs only that line."""
    records, lines, bad = [], [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            bad.append((number, line, "该行不是完整的 JSON 记录：可能被截断，请核对导出文件"))
            continue
        if not isinstance(record, dict):
            bad.append((number, line, "该行不是 X-Road 记录（应为 JSON 对象）"))
            continue
        records.append(record)
        lines.append(number)
    return records, lines, bad


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
            raise UnreadableFile(
                "既不是 JSON 也不是 multipart 响应：X-Road 来源只接受操作监控 JSON 或 "
                "getSecurityServerOperationalData 的响应"
            )
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
    raise UnreadableFile(
        "multipart 响应中没有 gzip 附件：请确认请求的是 getSecurityServerOperationalData 且记录数不为 0"
    )


def member(records: pd.DataFrame, prefix: str) -> pd.Series:
    """X-Road member as INSTANCE:CLASS:CODE, or INSTANCE:CLASS:CODE:SUBSYSTEM when a
    subsystem is named: the instance (EE, DEV, …) is part of the identity, so members of
    two instances never merge. A record without an instance is named CLASS:CODE[:SUBSYSTEM]."""

    def col(name):
        full = f"{prefix}{name}"
        if full not in records.columns:
            return pd.Series(pd.NA, index=records.index, dtype="string")
        return records[full].astype("string").str.strip().replace("", pd.NA)

    instance, cls, code, sub = col("XRoadInstance"), col("MemberClass"), col("MemberCode"), col("SubsystemCode")
    base = cls + ":" + code
    base = base.where(instance.isna(), instance + ":" + base)
    return base.where(sub.isna(), base + ":" + sub)


def message_call_ids(frame: pd.DataFrame, client: pd.Series, service: pd.Series, window_ms: float) -> pd.Series:
    """X-Road 6 copies without xRequestId: one call per (messageId, client, service) whose
    copies lie within the window, one copy per security server. A messageId a client uses
    again later is another call; it is told apart by the time of its first copy."""
    ids = pd.Series(pd.NA, index=frame.index, dtype="object")
    if "messageId" not in frame.columns:
        return ids
    message = frame["messageId"].astype("string").str.strip().replace("", pd.NA)
    usable = message.notna() & client.notna() & service.notna()
    if not usable.any():
        return ids
    key = (message + "@" + client + ">" + service)[usable]
    at = pd.to_numeric(frame["requestInTs"], errors="coerce")[usable].fillna(0)
    side = frame["securityServerType"].astype("string").str.lower().fillna("")[usable]
    order = pd.DataFrame({"key": key, "at": at, "side": side}).sort_values(["key", "at"], kind="stable")
    last_key, start, sides, label = None, 0.0, set(), None
    for row, k, t, s in zip(order.index, order["key"], order["at"], order["side"]):
        if k != last_key:
            last_key, start, sides, label = k, t, set(), k
        elif t - start > window_ms or s in sides:
            start, sides, label = t, set(), f"{k}@{int(t)}"
        sides.add(s)
        ids[row] = label
    return ids


EMPTY_CALLS = [
    "call_id",
    "requested_at",
    "consumer_dept",
    "provider_dept",
    "service_code",
    "succeeded",
    "status_code",
    "fault_code",
    "duration_ms",
]


def calls_from_records(records: list[dict], window_ms: float):
    """(canonical exchange_call columns, each row's record position, raw texts): every
    copy, the copies of a call side by side where its first copy stood, Client copy first."""
    if not records:
        return pd.DataFrame(columns=EMPTY_CALLS), np.array([], dtype=np.int64), []
    frame = pd.DataFrame.from_records(records)
    for col in ("xRequestId", "securityServerType", "requestInTs", "responseOutTs"):
        if col not in frame.columns:
            frame[col] = pd.NA
    client, service = member(frame, "client"), member(frame, "service")
    service_code = frame["serviceCode"].astype("string") if "serviceCode" in frame.columns else None
    request_id = frame["xRequestId"].astype("string").str.strip().replace("", pd.NA)
    by_message = message_call_ids(
        frame, client, service if service_code is None else service + ":" + service_code, window_ms
    )
    call_id = request_id.astype("object").where(request_id.notna(), by_message)
    position = pd.Series(np.arange(len(frame)), index=frame.index)
    first = position.groupby(call_id.fillna(position.astype(str).radd("#")), sort=False).transform("min")
    is_client = frame["securityServerType"].astype("string").str.lower().eq("client").fillna(False)
    order = (
        pd.DataFrame({"first": first, "rank": np.where(is_client, 0, 1), "pos": position})
        .sort_values(["first", "rank", "pos"], kind="stable")["pos"]
        .to_numpy()
    )
    chosen = frame.iloc[order]
    start = pd.to_numeric(chosen["requestInTs"], errors="coerce")
    end = pd.to_numeric(chosen["responseOutTs"], errors="coerce")
    calls = pd.DataFrame(
        {
            "call_id": call_id.iloc[order],
            "requested_at": start,
            "consumer_dept": client.iloc[order],
            "provider_dept": service.iloc[order],
            "service_code": chosen.get("serviceCode"),
            "succeeded": chosen.get("succeeded"),
            "status_code": chosen.get("statusCode"),
            "fault_code": chosen.get("faultCode"),
            "duration_ms": (end - start).astype("Float64"),
        }
    ).reset_index(drop=True)
    raw = [json.dumps(records[i], ensure_ascii=False) for i in order]
    return calls, order, raw
