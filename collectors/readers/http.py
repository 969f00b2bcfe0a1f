"""HTTP JSON with a page cursor: each page is a batch; the cursor is the page to ask next."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import numpy as np

from collectors.config import SourceConfig
from collectors.readers.base import Batch, SourceUnavailable, dig, frame_of, records_in, snapshot


class HttpReader:
    total = 0

    def __init__(self, cfg: SourceConfig, cursor: dict):
        self.cfg = cfg
        self.cursor = cursor

    def fetch(self, page_cursor) -> dict | list:
        cfg = self.cfg
        params = {k: str(v) for k, v in cfg.params.items()}
        if page_cursor not in (None, ""):
            params[cfg.cursor_param] = str(page_cursor)
        url = cfg.url + (("&" if "?" in cfg.url else "?") + urllib.parse.urlencode(params) if params else "")
        request = urllib.request.Request(url, headers={"Accept": "application/json", **cfg.headers})
        try:
            with urllib.request.urlopen(request, timeout=cfg.timeout_seconds) as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:
            raise SourceUnavailable(f"接口 {url} 返回 HTTP {exc.code}：请检查地址与权限") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SourceUnavailable(f"无法访问接口 {url}：{exc}") from exc
        try:
            return json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SourceUnavailable(f"接口 {url} 返回的不是 JSON：{body[:200]!r}") from exc

    def items(self) -> Iterator[Batch]:
        page = self.cursor.get("page")
        seen = set()
        while True:
            doc = self.fetch(page)
            records = records_in(doc, self.cfg.records_path)
            if records is None:
                raise SourceUnavailable(
                    f"接口响应中 records_path = {self.cfg.records_path!r} 处不是记录列表：请检查配置"
                )
            following = dig(doc, self.cfg.next_cursor_path) if self.cfg.next_cursor_path else None
            good = [r for r in records if isinstance(r, dict)]
            bad = [
                (i, json.dumps(r, ensure_ascii=False), "该记录不是 JSON 对象：每条记录应是 {...}")
                for i, r in enumerate(records, start=1)
                if not isinstance(r, dict)
            ]
            lines = np.array([i for i, r in enumerate(records, start=1) if isinstance(r, dict)], dtype=np.int64)
            seen.add(page)
            more = following not in (None, "") and following not in seen
            self.cursor["page"] = following if more else page
            label = f"page {page}" if page not in (None, "") else "page (first)"
            yield Batch(frame_of(good), lines, snapshot(self.cursor), label, "json", 0, bad)
            if not more:
                return
            page = following
