"""MD5 text format shared by client and server: 32 hex digits, any case.

Strict: nothing before or after the digits, not even a space. A value that
only looks right after stripping came through a broken paste or script, and
the server and the client must agree on what was sent; an edit box trims
what the user typed before it gets here.
"""

from __future__ import annotations

import re

MD5_PATTERN = re.compile(r"^[0-9a-fA-F]{32}\Z")


def normalize_md5(value: str) -> str | None:
    """Return the lowercase digest, or None when ``value`` is not exactly an MD5."""
    if MD5_PATTERN.match(value):
        return value.lower()
    return None
