"""Files attached to rectifications and appeals: type checked by content, stored by sha256.

The content lives in the store (attachment_blob), not on a replica's disk, so every dashboard
replica serves the same file; the same file uploaded twice is stored once.
"""

from __future__ import annotations

import hashlib
import io
import zipfile

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from data.clock import utcnow
from data.load import insert_ignore
from data.models import Attachment, AttachmentBlob
from data.viewer import AccessDenied, Viewer

MAX_BYTES = 10 * 1024 * 1024
ALLOWED = {
    "application/pdf": "PDF",
    "image/png": "PNG 图片",
    "image/jpeg": "JPEG 图片",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word 文档（docx）",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel 表格（xlsx）",
}
_OFFICE_PARTS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class AttachmentError(ValueError):
    """A file refused at upload, with what the clerk should do instead."""


def detect_type(content: bytes) -> str | None:
    """The media type the bytes really are (None: not an allowed kind), whatever the file is named."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
        except zipfile.BadZipFile:
            return None
        for part, media_type in _OFFICE_PARTS.items():
            if part in names:
                return media_type
    return None


def validate(filename: str, content: bytes) -> str:
    """The file's media type, or AttachmentError: called before the act it documents, so a
    refused file leaves nothing half done."""
    if not content:
        raise AttachmentError(f"文件「{filename}」是空的，请重新选择")
    if len(content) > MAX_BYTES:
        raise AttachmentError(
            f"文件「{filename}」大小 {len(content) / 1048576:.1f} MB，超过上限 "
            f"{MAX_BYTES // 1048576} MB，请压缩或拆分后再上传"
        )
    media_type = detect_type(content)
    if media_type is None:
        raise AttachmentError(f"文件「{filename}」的内容不是允许的类型，只能上传：{'、'.join(ALLOWED.values())}")
    return media_type


def store(
    conn: Connection, viewer: Viewer, *, owner_kind: str, owner_id: int, dept_id: int, filename: str, content: bytes
) -> int:
    """Check and store one file for an owner row of `dept_id`; returns the attachment id."""
    viewer.require_dept(dept_id)
    media_type = validate(filename, content)
    digest = hashlib.sha256(content).hexdigest()
    insert_ignore(
        conn,
        AttachmentBlob,
        [
            {
                "sha256": digest,
                "size": len(content),
                "media_type": media_type,
                "content": content,
                "created_at": utcnow(),
            }
        ],
        ["sha256"],
    )
    t = Attachment.__table__
    return conn.execute(
        insert(t)
        .values(
            sha256=digest,
            owner_kind=owner_kind,
            owner_id=owner_id,
            dept_id=dept_id,
            filename=filename[:300],
            uploaded_by=viewer.username,
            uploaded_at=utcnow(),
        )
        .returning(t.c.id)
    ).scalar_one()


def listing(conn: Connection, viewer: Viewer, owner_kind: str, owner_id: int) -> list[dict]:
    """The attachments of one owner row that the viewer may see (name, size, type, no content)."""
    a, b = Attachment.__table__, AttachmentBlob.__table__
    rows = conn.execute(
        select(
            a.c.id, a.c.filename, a.c.dept_id, a.c.uploaded_by, a.c.uploaded_at, b.c.size, b.c.media_type, b.c.sha256
        )
        .join(b, b.c.sha256 == a.c.sha256)
        .where(a.c.owner_kind == owner_kind, a.c.owner_id == owner_id)
        .order_by(a.c.id)
    ).mappings()
    return [dict(r) for r in rows if viewer.can_see_dept(r["dept_id"])]


def download(conn: Connection, viewer: Viewer, attachment_id: int) -> tuple[str, str, bytes]:
    """(filename, media type, content) of one attachment, if the viewer may see its department."""
    a, b = Attachment.__table__, AttachmentBlob.__table__
    row = (
        conn.execute(
            select(a.c.filename, a.c.dept_id, b.c.media_type, b.c.content)
            .join(b, b.c.sha256 == a.c.sha256)
            .where(a.c.id == attachment_id)
        )
        .mappings()
        .first()
    )
    if row is None or not viewer.can_see_dept(row["dept_id"]):
        raise AccessDenied(f"附件 {attachment_id} 不存在或无权下载")
    return row["filename"], row["media_type"], bytes(row["content"])
