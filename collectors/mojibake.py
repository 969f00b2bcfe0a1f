"""Text that is UTF-8 bytes read as GBK (a line pasted from a UTF-8 file into a GBK one):
recognised so a clerk is told to fix the file's encoding, not to add an alias for garbage."""

from __future__ import annotations

import re

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
