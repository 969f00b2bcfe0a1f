"""Readers on their own: encodings, header rows, malformed lines, growing files, XLSX,
JSON/JSON Lines, X-Road documents, HTTP pages and SQL increments."""

from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from openpyxl import Workbook

from collectors.bookkeeping import read_cursor
from collectors.readers import make_reader
from collectors.readers.base import Batch, FileProblem, FileSkipped
from collectors.readers.xroad import parse_xroad_document
from collectors.runner import run_source
from tests.collectors.helpers import FIXTURES, source

COLUMNS = {"工单编号": "ticket_id", "承办单位": "dept", "受理时间": "received_at"}


def batches(cfg, cursor=None):
    cursor = {} if cursor is None else cursor
    items = list(make_reader(cfg, cursor).items())
    return [i for i in items if isinstance(i, Batch)], [i for i in items if not isinstance(i, Batch)]


def drop(tmp_path, name, data: bytes):
    folder = tmp_path / "drop"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


CSV_TEXT = "工单编号,承办单位,受理时间\nT1,市人社局,2026-03-05 09:32:09\nT2,市公安局,2026/3/6 10:00:00\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(tmp_path, encoding):
    drop(tmp_path, "t.csv", CSV_TEXT.encode(encoding))
    cfg = source(tmp_path, kind="complaint", columns=COLUMNS)
    got, other = batches(cfg)
    frame = got[0].records
    assert other == []
    assert list(frame.columns) == ["工单编号", "承办单位", "受理时间"]
    assert frame["承办单位"].tolist() == ["市人社局", "市公安局"]
    assert got[0].lines.tolist() == [2, 3]


def test_csv_title_rows_above_header_are_skipped_and_line_numbers_kept(tmp_path):
    text = "12345热线工单导出\n导出时间：2026-03-31,,\n" + CSV_TEXT
    drop(tmp_path, "t.csv", text.encode("gbk"))
    got, _ = batches(source(tmp_path, kind="complaint", columns=COLUMNS))
    assert got[0].records["工单编号"].tolist() == ["T1", "T2"]
    assert got[0].lines.tolist() == [4, 5]  # title, export line, header = lines 1..3


def test_csv_malformed_lines_are_returned_with_their_line_and_text(tmp_path):
    text = (
        CSV_TEXT
        + 'T3,市民政局\n"T4","市水利局\n二处",2026-03-07 08:00:00\nT5,市财政局,2026-03-08 08:00:00,多余\nT6,市审计局,2026-03-09 08:00:00\n'
    )
    drop(tmp_path, "t.csv", text.encode("utf-8"))
    got, _ = batches(source(tmp_path, kind="complaint", columns=COLUMNS))
    b = got[0]
    assert b.records["工单编号"].tolist() == ["T1", "T2", "T4", "T6"]
    assert b.records["承办单位"].tolist()[2] == "市水利局\n二处"  # quoted newline kept inside the field
    # Rows numbered as a spreadsheet shows them: T4's two-line field is one row (row 5).
    assert [(line, raw) for line, raw, _ in b.bad_rows] == [
        (4, "T3,市民政局"),
        (6, "T5,市财政局,2026-03-08 08:00:00,多余"),
    ]
    assert b.lines.tolist() == [2, 3, 5, 7]
    assert "2 列" in b.bad_rows[0][2] and "3 列" in b.bad_rows[0][2]


def test_growing_csv_is_read_from_the_last_offset(tmp_path):
    path = drop(tmp_path, "log.csv", CSV_TEXT.encode())
    cfg = source(tmp_path, kind="complaint", columns=COLUMNS)
    first, _ = batches(cfg)
    cursor = first[-1].cursor
    with path.open("ab") as fh:
        fh.write("T3,市民政局,2026-03-07 08:00:00\nT4,市水利".encode())  # the writer is mid-line
    second, _ = batches(source(tmp_path, kind="complaint", columns=COLUMNS, settle_seconds=3600), cursor)
    assert second[0].records["工单编号"].tolist() == ["T3"] and second[0].lines.tolist() == [4]
    cursor = second[-1].cursor
    with path.open("ab") as fh:
        fh.write("局,2026-03-08 08:00:00\n".encode())
    third, _ = batches(cfg, cursor)
    assert third[0].records["承办单位"].tolist() == ["市水利局"] and third[0].lines.tolist() == [5]
    nothing, skipped = batches(cfg, third[-1].cursor)
    assert nothing == [] and isinstance(skipped[0], FileSkipped)


def test_a_cursor_stored_before_file_entries_were_typed_still_resumes(tmp_path):
    """A cursor as the collector stored it when each file's entry was a plain dict."""
    data = CSV_TEXT.encode()
    path = drop(tmp_path, "log.csv", data)
    stream = {
        "mode": "stream",
        "name": "log.csv",
        "head": hashlib.sha256(data).hexdigest(),
        "head_len": len(data),
        "offset": len(data),
        "encoding": "utf-8",
        "columns": ["工单编号", "承办单位", "受理时间"],
        "line": 4,
    }
    whole = {"mode": "whole", "name": "old.json", "records": 3, "complete": True}
    cursor = {"files": {f"s:{stream['head']}:{len(data)}": stream, "w:0f": whole}}
    with path.open("ab") as fh:
        fh.write("T3,市民政局,2026-03-07 08:00:00\n".encode())
    got, _ = batches(source(tmp_path, kind="complaint", columns=COLUMNS), json.loads(json.dumps(cursor)))
    assert got[0].records["工单编号"].tolist() == ["T3"] and got[0].lines.tolist() == [4]
    # the entry moved past T3 (row 4) and widened its head to the grown file, in the same stored shape
    stored = got[-1].cursor["files"]
    grown = len(data) + len("T3,市民政局,2026-03-07 08:00:00\n".encode())
    assert stored["w:0f"] == whole
    (entry,) = [e for k, e in stored.items() if k.startswith("s:")]
    assert entry == {
        **stream,
        "head": hashlib.sha256(path.read_bytes()).hexdigest(),
        "head_len": grown,
        "offset": grown,
        "line": 5,
    }


def test_copy_under_another_name_is_recognised(tmp_path):
    drop(tmp_path, "a.csv", CSV_TEXT.encode())
    cfg = source(tmp_path, kind="complaint", columns=COLUMNS)
    first, _ = batches(cfg)
    drop(tmp_path, "b.csv", CSV_TEXT.encode())
    again, skipped = batches(cfg, first[-1].cursor)
    assert again == [] and {s.file for s in skipped} == {"a.csv", "b.csv"}


def test_unreadable_files_are_problems_not_crashes(tmp_path):
    drop(tmp_path, "empty.csv", b"")
    drop(tmp_path, "broken.json", b'[{"a": 1}, {"b":')
    drop(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0")
    drop(tmp_path, "fake.xlsx", b"not a zip")
    _, problems = batches(source(tmp_path, kind="complaint", glob="*"))
    reasons = {p.file: p.reason for p in problems if isinstance(p, FileProblem)}
    assert "文件为空" in reasons["empty.csv"]
    assert "截断" in reasons["broken.json"]
    assert ".xlsx" in reasons["old.xls"]
    assert "Excel" in reasons["fake.xlsx"]


def test_xlsx_title_rows_merged_cells_and_serial_dates(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "2026年3月政务服务指标"
    ws.merge_cells("A1:D1")
    ws.append([])
    ws.append(["统计月份", "部门名称", "受理量", "办结时间"])
    ws.append([46082, "市人社局", 120, 46086.397326389])  # 46082 = 2026-03-01
    ws.append([None, None, 80, "2026年3月5日"])
    ws.merge_cells("A4:A5")
    ws.merge_cells("B4:B5")
    ws.append([])
    (tmp_path / "drop").mkdir()
    wb.save(tmp_path / "drop" / "kpi.xlsx")
    cfg = source(
        tmp_path, kind="office_kpi", columns={"统计月份": "month", "部门名称": "dept", "受理量": "cases_received"}
    )
    got, _ = batches(cfg)
    frame = got[0].records
    assert got[0].lines.tolist() == [4, 5]
    assert frame["部门名称"].tolist() == ["市人社局", "市人社局"]
    assert frame["统计月份"].tolist() == [46082, 46082]
    assert frame["办结时间"].tolist() == [46086.397326389, "2026年3月5日"]


def test_json_and_json_lines(tmp_path):
    records = [{"工单编号": "T1", "承办单位": "市人社局"}, {"工单编号": "T2", "承办单位": "市公安局"}]
    drop(tmp_path, "a.json", json.dumps({"data": {"items": records}}, ensure_ascii=False).encode())
    got, _ = batches(source(tmp_path, kind="complaint", glob="*.json", records_path="data.items"))
    assert got[0].records["工单编号"].tolist() == ["T1", "T2"] and got[0].lines.tolist() == [1, 2]
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + '\n{"工单编号": "T3"\n[1]\n'
    drop(tmp_path, "b.jsonl", lines.encode())
    got, _ = batches(source(tmp_path, kind="complaint", glob="*.jsonl"))
    assert got[0].records["工单编号"].tolist() == ["T1", "T2"]
    assert [line for line, _, _ in got[0].bad_rows] == [3, 4]


def test_whole_documents_resume_at_the_record_count(tmp_path):
    records = [{"工单编号": f"T{i}"} for i in range(5)]
    drop(tmp_path, "a.json", json.dumps(records).encode())
    cfg = source(tmp_path, kind="complaint", glob="*.json", batch_rows=2)
    got, _ = batches(cfg)
    assert [b.records["工单编号"].tolist() for b in got] == [["T0", "T1"], ["T2", "T3"], ["T4"]]
    resumed, _ = batches(cfg, got[0].cursor)  # crashed after the first batch
    assert [b.records["工单编号"].tolist() for b in resumed] == [["T2", "T3"], ["T4"]]


def multipart(records: list[dict]) -> bytes:
    payload = gzip.compress(json.dumps({"records": records}).encode())
    soap = (
        b"<SOAP-ENV:Envelope><SOAP-ENV:Body><om:getSecurityServerOperationalDataResponse>"
        b"<om:recordsCount>%d</om:recordsCount><om:records>cid:operational-monitoring-data.json.gz"
        b"</om:records></om:getSecurityServerOperationalDataResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
        % len(records)
    )
    return (
        b"--jetty771207119h3h10dty\r\ncontent-type:text/xml;charset=UTF-8\r\n\r\n"
        + soap
        + b"\r\n--jetty771207119h3h10dty\r\ncontent-type:application/gzip\r\ncontent-transfer-encoding:binary\r\n"
        b"content-id:<operational-monitoring-data.json.gz>\r\n\r\n" + payload + b"\r\n--jetty771207119h3h10dty--\r\n"
    )


def test_xroad_documents_json_gzip_and_multipart():
    records = json.loads((FIXTURES / "raw_messages_batch_1.json").read_text())
    assert parse_xroad_document((FIXTURES / "raw_messages_batch_1.json").read_bytes()) == records
    assert parse_xroad_document(gzip.compress(json.dumps({"records": records}).encode())) == records
    assert parse_xroad_document(multipart(records)) == records
    with_headers = b'Content-Type: multipart/related; boundary="jetty771207119h3h10dty"\r\n\r\n' + multipart(records)
    assert parse_xroad_document(with_headers) == records


def test_xroad_pairs_client_and_producer_copies(tmp_path):
    drop(tmp_path, "ops.multipart", multipart(json.loads((FIXTURES / "raw_messages_batch_1.json").read_text())))
    got, _ = batches(source(tmp_path, kind="exchange_call", reader="xroad"))
    calls = got[0].records
    # 17 records: 5 pairs (10 records) + 5 single copies with an xRequestId + 2 without one;
    # every copy is passed on, each pair side by side with its Client copy first.
    assert len(calls) == 17
    assert list(got[0].lines) == [1, 2, 4, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 16]
    first = calls[calls["call_id"] == "91f47d62-6eb5-4391-aea6-5f92aaa4d464"].iloc[0]
    assert first["duration_ms"] == 1670257877086 - 1670257876688  # the Client copy: 398 ms
    assert first["consumer_dept"] == "PLAYGROUND:ORG:2908758-4:MonitoringClient"
    assert first["provider_dept"] == "PLAYGROUND:ORG:2908758-4"
    assert calls["call_id"].isna().sum() == 2


class Pages(BaseHTTPRequestHandler):
    PAGES = {None: ([{"工单编号": "T1"}, {"工单编号": "T2"}], "p2"), "p2": ([{"工单编号": "T3"}], None)}
    asked: list = []

    def do_GET(self):
        from urllib.parse import parse_qs, urlparse

        query = parse_qs(urlparse(self.path).query)
        page = query.get("cursor", [None])[0]
        Pages.asked.append((page, query.get("size", [None])[0]))
        items, following = self.PAGES[page]
        body = json.dumps({"data": {"items": items, "next": following}}, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_url():
    server = HTTPServer(("127.0.0.1", 0), Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Pages.asked = []
    yield f"http://127.0.0.1:{server.server_port}/api/tickets"
    server.shutdown()
    server.server_close()


def test_http_pages_follow_the_cursor_and_resume_at_the_last_page(tmp_path, http_url):
    cfg = source(
        tmp_path,
        kind="complaint",
        reader="http",
        url=http_url,
        records_path="data.items",
        next_cursor_path="data.next",
        params={"size": 2},
    )
    got, _ = batches(cfg)
    assert [b.records["工单编号"].tolist() for b in got] == [["T1", "T2"], ["T3"]]
    assert [b.cursor for b in got] == [{"page": "p2"}, {"page": "p2"}]
    assert Pages.asked == [(None, "2"), ("p2", "2")]
    again, _ = batches(cfg, got[-1].cursor)
    assert [b.records["工单编号"].tolist() for b in again] == [["T3"]]


def test_sql_reads_after_the_incremental_value_without_splitting_ties(tmp_path):
    db = tmp_path / "hotline.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE tickets (id TEXT, updated TIMESTAMP)")
    rows = [
        ("T1", "2026-03-01 08:00:00"),
        ("T2", "2026-03-02 08:00:00"),
        ("T3", "2026-03-02 08:00:00"),
        ("T4", "2026-03-03 08:00:00"),
    ]
    con.executemany("INSERT INTO tickets VALUES (?, ?)", rows)
    con.commit()
    cfg = source(
        tmp_path,
        kind="complaint",
        reader="sql",
        url=f"sqlite:///{db}",
        batch_rows=2,
        query="SELECT id AS ticket_id, updated FROM tickets WHERE updated > :cursor ORDER BY updated",
        incremental_column="updated",
        initial_cursor="1970-01-01",
    )
    got, _ = batches(cfg)
    assert [b.records["ticket_id"].tolist() for b in got] == [["T1"], ["T2", "T3"], ["T4"]]
    assert got[-1].cursor == {"incremental": {"value": "2026-03-03 08:00:00", "type": "plain"}}
    con.execute("INSERT INTO tickets VALUES ('T5', '2026-03-04 08:00:00')")
    con.commit()
    con.close()
    again, _ = batches(cfg, got[-1].cursor)
    assert [b.records["ticket_id"].tolist() for b in again] == [["T5"]]


def test_api_records_without_mapped_columns_fail_the_run_and_keep_the_cursor(sqlite_engine, tmp_path, http_url):
    cfg = source(
        tmp_path,
        kind="complaint",
        reader="http",
        url=http_url,
        records_path="data.items",
        next_cursor_path="data.next",
        columns={"编号": "ticket_id"},
    )
    run = run_source(sqlite_engine, cfg)
    assert run.status == "failed" and "缺少必需的列 ticket_id（源列 '编号'）" in run.error
    assert read_cursor(sqlite_engine, "test-source") == {}
