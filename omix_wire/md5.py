"""MD5 text format shared by client and server: 32 hex digits, any case."""

from __future__ import annotations

import re

MD5_PATTERN = re.compile(r"^[0-9a-fA-F]{32}$")


def normalize_md5(value: str) -> str | None:
    """Return the lowercase digest, or None when ``value`` is not an MD5."""
    value = value.strip()
    if MD5_PATTERN.match(value):
        return value.lower()
    return None
