"""Safe replacements for names the archive refuses (no Qt, no I/O).

The archive accepts letters, digits, ``.``, ``_`` and ``-`` (``omix_wire.naming``).
A refused name is offered a replacement that keeps it recognisable: every other
character becomes ``_``, runs of ``_`` collapse, and a name too long is cut
before its extension so ``.fastq.gz`` survives.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from omix_wire.naming import MAX_NAME_LENGTH, check_name

_BAD = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A name :func:`omix_wire.naming.check_name` accepts, close to ``name``."""
    if check_name(name).ok:
        return name
    cleaned = _BAD.sub("_", name).strip("_") or "file"
    cleaned = re.sub(r"_{2,}", "_", cleaned)
    if set(cleaned) <= {"."}:
        cleaned = "file"
    if len(cleaned) > MAX_NAME_LENGTH:
        stem, dot, suffix = cleaned.partition(".")
        keep = MAX_NAME_LENGTH - len(dot + suffix)
        cleaned = stem[: max(1, keep)] + dot + suffix if keep > 0 else cleaned[:MAX_NAME_LENGTH]
    if not check_name(cleaned).ok:  # e.g. a leading dot the rule refuses
        cleaned = "file_" + cleaned.lstrip(".")
    return cleaned


def safe_path(path: PurePosixPath) -> PurePosixPath:
    """``path`` with each refused component replaced by :func:`safe_name`."""
    return PurePosixPath(*(safe_name(part) for part in path.parts))
