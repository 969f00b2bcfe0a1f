"""Text that is UTF-8 bytes read as GBK (a line pasted from a UTF-8 file into a GBK one):
recognised so a clerk is told to fix the file's encoding, not to add an alias for garbage."""

from __future__ import annotations

import re

RESAVE = "请把整个文件另存为同一种编码（建议 UTF-8）后重新导入"
BROKEN_DECODE = re.compile("[\ufffd\ue000-\uf8ff]")  # replacement and private-use characters


def utf8_read_as_gbk(text: str) -> str | None:
    """The text as it was written, when `text` is UTF-8 read as GBK; "" when it looks so
    but the original cannot be recovered (an odd byte was lost); None otherwise."""
    if not text or text.isascii():
        return None
    try:
        original = text.encode("gb18030").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return "" if BROKEN_DECODE.search(text) else None
    return original if original != text else None


def mixed_encoding_note(text: str) -> str | None:
    """The 疑似编码混用 words a reason carries when `text` is UTF-8 read as GBK, else None."""
    original = utf8_read_as_gbk(text)
    if original is None:
        return None
    was = f"，原文应为 '{original}'" if original else ""
    return f"疑似编码混用（文件按 GBK 读取，但该行像是 UTF-8 文本{was}）"
