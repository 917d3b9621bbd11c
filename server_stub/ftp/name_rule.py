"""The archive's naming rule at the FTP door: refuse a bad name before any byte.

FileZilla, lftp and curl show "Successful" for any 2xx, so a name the archive
cannot take (``my file.fq``, ``中文名.fq``) must be refused when it is given,
not discovered later when a dataset is built. The rule is
:func:`omix_wire.naming.check_path`, the one the clients check too, and the
reply offers the same replacement the desktop app suggests.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from omix_wire.naming import check_path, safe_path

REFUSED = "553"
"""RFC 959: "Requested action not taken. File name not allowed."""


def name_refusal(virtual: PurePosixPath, what: str = "file") -> str | None:
    """The 553 reply text for a path that breaks the rule, or None when it is fine."""
    relative = str(virtual).lstrip("/")
    verdict = check_path(relative)
    if verdict.ok:
        return None
    suggestion = safe_path(PurePosixPath(relative))
    return (
        f"{what.capitalize()} name refused: {verdict.describe()}. "
        f"The archive accepts only letters, digits, '.', '_' and '-' in file and folder "
        f"names; use /{suggestion} instead."
    )
