"""Each FTP user is jailed to ``preupload_root/<user_id>/``, seen as ``/``.

Client paths are resolved lexically first (``..`` never climbs above ``/``,
absolute paths start at the home folder), then the real path is checked with
symlinks resolved, so a link inside a home folder can never lead out of it.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

ROOT = PurePosixPath("/")


class JailError(PermissionError):
    """A path that would leave the user's home folder."""

    def __init__(self, virtual: str) -> None:
        super().__init__(f"{virtual}: permission denied (outside your home folder)")


def home_folder(preupload_root: Path, user_id: int) -> Path:
    return preupload_root / str(int(user_id))


def normalize(current: PurePosixPath, given: str | PurePosixPath) -> PurePosixPath:
    """The absolute virtual path a client means; ``..`` stops at ``/``."""
    text = str(given)
    if "\x00" in text:
        raise JailError(text.replace("\x00", "\\0"))
    virtual = PurePosixPath(text) if text else current
    if not virtual.is_absolute():
        virtual = current / virtual
    parts: list[str] = []
    for part in virtual.parts[1:]:
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return ROOT.joinpath(*parts)


def real_path(home: Path, virtual: PurePosixPath) -> Path:
    """Map a normalized virtual path to disk, refusing symlink escapes."""
    relative = virtual.relative_to(ROOT)
    real = home.joinpath(*relative.parts)
    home_real = os.path.realpath(home)
    resolved = os.path.realpath(real)
    if resolved != home_real and not resolved.startswith(home_real + os.sep):
        raise JailError(str(virtual))
    return real


def record_path(virtual: PurePosixPath) -> str:
    """How a file is named in the database: relative POSIX path, ``run1/a.fq.gz``."""
    return str(virtual.relative_to(ROOT))
