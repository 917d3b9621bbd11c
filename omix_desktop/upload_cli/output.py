"""Plain-text tables and dates for the terminal, aligned even with Chinese text.

Chinese characters take two columns in a terminal, so widths are counted
in columns (East Asian width), not in characters; otherwise the guide's
table would be ragged as soon as a title or a header is in Chinese.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, datetime

from omix_desktop.i18n.format import format_size
from omix_desktop.i18n.translator import Translator


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - columns(text))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Lines of a left-aligned table, two spaces between columns."""
    widths = [columns(header) for header in headers]
    for row in rows:
        widths = [max(width, columns(cell)) for width, cell in zip(widths, row, strict=True)]
    lines = []
    for row in [list(headers), *map(list, rows)]:
        lines.append("  ".join(pad(cell, width) for cell, width in zip(row, widths, strict=True)))
    return [line.rstrip() for line in lines]


def when(value: datetime | date | None) -> str:
    """A date or a time to the minute, in local time: what the guide's tables show."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def size(value: int, tr: Translator) -> str:
    return format_size(value, tr.locale)
