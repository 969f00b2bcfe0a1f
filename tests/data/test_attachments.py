"""Attachments: type by content, size limit, stored once by sha256, downloadable only in scope."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from sqlalchemy import func, select

from data import attachments, supervision
from data.attachments import AttachmentError, detect_type
from data.models import AttachmentBlob
from data.viewer import AccessDenied
from tests.data.supervision_fixture import PDF, drive, load, new_item

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def office(part: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(part, "<x/>")
    return buf.getvalue()


def test_type_comes_from_the_content_not_the_name():
    assert detect_type(PDF) == "application/pdf"
    assert detect_type(PNG) == "image/png"
    assert detect_type(b"\xff\xd8\xff\xe0JFIF") == "image/jpeg"
    assert detect_type(office("word/document.xml")).endswith("wordprocessingml.document")
    assert detect_type(office("xl/workbook.xml")).endswith("spreadsheetml.sheet")
    assert detect_type(office("other.xml")) is None  # a zip that is no Office file
    assert detect_type(b"MZ\x90\x00 an exe named report.pdf") is None


@pytest.fixture
def loop(engine):
    return load(engine)


def test_refusals_say_what_to_do(engine, loop):
    v = loop.viewers
    with engine.begin() as conn:
        item_id = new_item(conn, loop)
        drive(conn, loop, item_id, "rectifying")
        with pytest.raises(AttachmentError, match="内容不是允许的类型，只能上传：PDF、PNG 图片"):
            supervision.submit(conn, v["own_dept"], item_id, "已整改", [("报告.pdf", b"MZ\x90\x00")])
        assert supervision.get_item(conn, v["own_dept"], item_id)["state"] == "rectifying"  # nothing half done
    big = PDF + b"0" * attachments.MAX_BYTES
    with engine.begin() as conn, pytest.raises(AttachmentError, match="超过上限 10 MB"):
        supervision.submit(conn, v["own_dept"], item_id, "已整改", [("扫描件.pdf", big)])


def test_same_file_twice_is_stored_once_and_only_its_department_downloads_it(engine, loop):
    v = loop.viewers
    with engine.begin() as conn:
        first, second = new_item(conn, loop), new_item(conn, loop)
        for item_id in (first, second):
            drive(conn, loop, item_id, "rectifying")
            supervision.submit(conn, v["own_dept"], item_id, "已整改", [("说明.pdf", PDF)])
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AttachmentBlob.__table__)).scalar_one() == 1
        listed = supervision.rectifications(conn, v["inspector"], first)[0]["attachments"][0]
        assert listed["sha256"] == hashlib.sha256(PDF).hexdigest() and listed["size"] == len(PDF)
        assert attachments.download(conn, v["own_dept"], listed["id"]) == ("说明.pdf", "application/pdf", PDF)
        assert attachments.download(conn, v["inspector"], listed["id"])[2] == PDF
        with pytest.raises(AccessDenied, match="不存在或无权下载"):
            attachments.download(conn, v["other_dept"], listed["id"])
        assert attachments.listing(conn, v["other_dept"], "rectification", listed["id"]) == []
