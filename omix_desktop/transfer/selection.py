"""Turn what the user picked (files and folders) into local -> remote pairs.

The guide's FTP pre-upload keeps folder structure: a picked folder ``run1``
lands as ``run1/...`` under the user's FTP home, a picked file lands at the top
(or under an optional remote base folder). Names are *not* checked here; that
is pre-flight's job, so a bad name is reported instead of silently dropped.

The local path stays in the operating system's form (it is what opens the
file: a decomposed name on macOS, a drive or share on Windows); the remote
path is made of the composed (NFC) names, the form the archive checks and
shows (:mod:`omix_wire.paths`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from omix_wire.paths import (
    WINDOWS,
    extended_path,
    os_path,
    plain_path,
    remote_for,
    remote_name,
    remote_parts,
)

IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""Operating-system litter never uploaded from a picked folder."""


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """One file to upload: where it is, where it goes, and what we know of it.

    ``size``/``mtime_ns``/``md5`` are filled when the file was hashed, so that
    pre-flight can tell whether it changed since.
    """

    local: Path
    remote: PurePosixPath
    size: int | None = None
    mtime_ns: int | None = None
    md5: str | None = None


def plan_uploads(
    picked: Iterable[Path], *, remote_base: PurePosixPath | str = ""
) -> list[PlannedFile]:
    """Expand picked files and folders into planned uploads, in a stable order.

    Folders are walked recursively (symbolic links to folders are not
    followed, to avoid loops); hidden entries (``.name``) and OS litter inside
    folders are skipped. A picked path that does not exist is kept as is so
    pre-flight reports it.
    """
    typed = remote_name(str(remote_base).strip("/"))  # a folder typed on a Mac may be NFD too
    base = PurePosixPath(typed) if typed else None
    planned: list[PlannedFile] = []
    for item in picked:
        item = Path(item).absolute()
        if WINDOWS:  # as the extended walk spells it ("/" and ".." gone), for relative_to
            item = Path(os.path.normpath(item))
        if os.path.isdir(os_path(item)):
            for file in _walk(item):
                relative = remote_for(item, file)  # a drive or share root keeps a top folder
                planned.append(PlannedFile(file, base / relative if base else relative))
        else:
            remote = remote_parts([item.name])
            planned.append(PlannedFile(item, base / remote if base else remote))
    return planned


def _walk(folder: Path) -> Iterator[Path]:
    """Regular files under ``folder``, sorted, hidden entries and litter skipped.

    On Windows the walk goes through the extended (``\\\\?\\``) form, so files
    deeper than 260 characters are found too; they are yielded in the plain form.
    """
    top = extended_path(str(folder), windows=True, force=True) if WINDOWS else str(folder)
    for root, dirs, files in os.walk(top, followlinks=False):
        root = plain_path(root) if WINDOWS else root
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or name in IGNORED_NAMES:
                continue
            yield Path(root, name)
