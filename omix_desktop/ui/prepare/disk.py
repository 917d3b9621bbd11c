"""Prepare files: the screen's own disk work, run in worker threads (no Qt here).

Paths are opened through :func:`omix_wire.paths.os_path`, so files deep in
a Windows tree (260 characters and more) are stamped and copied too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from omix_desktop.transfer import FileStamp
from omix_wire.paths import os_path


def stamp(path: Path) -> FileStamp | None:
    """Size and modification time, or None when the file is gone or unreadable."""
    try:
        return FileStamp.of(path)
    except OSError:
        return None


def copy_new(source: Path, target: Path) -> None:
    """Copy (keeping the modification time) without ever overwriting a file."""
    with open(os_path(source), "rb") as src, open(os_path(target), "xb") as dst:
        shutil.copyfileobj(src, dst, 1024 * 1024)
    shutil.copystat(os_path(source), os_path(target))
