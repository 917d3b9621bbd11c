"""The cells of a file's row on the server's public dataset page, as a browser shows them."""

from __future__ import annotations

import html
import re

import requests

from tests.support.server import ServerProcess

WEB_COLUMNS = (
    "file_id", "title", "samples", "data_type", "size", "suffix", "md5", "downloads", "links",
)  # fmt: skip
"""The columns of ``server_stub/web/templates/files.html`` (not a preview)."""


def web_cells(server: ServerProcess, accession: str, file_id: str, lang: str = "en") -> dict:
    """``{column: text}`` of ``file_id``'s row on ``/datasets/<accession>``."""
    page = requests.get(f"{server.url}/datasets/{accession}", params={"lang": lang}, timeout=30)
    assert page.status_code == 200, page.text
    row = re.search(rf'<tr data-file-id="{re.escape(file_id)}">(.*?)</tr>', page.text, re.S)
    assert row is not None, f"{file_id} is not on the page"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    texts = [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
    return dict(zip(WEB_COLUMNS, texts, strict=False))
