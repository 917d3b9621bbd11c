"""Local paths as Windows, macOS and Linux give them, and the remote names made from them.

A file has two names in this project. Its *local path* is the operating
system's: it is kept exactly as given (a decomposed name on macOS, a drive
letter or a ``\\\\server\\share`` on Windows), because that is the only form
the system is sure to open. Its *remote name* is the archive's: POSIX
separators and composed Unicode (NFC), whatever the system handed over.

Everything here is plain string logic over :class:`PureWindowsPath` and
:class:`PurePosixPath`, so both platforms' behaviour is tested on any
machine; :func:`os_path` applies it to the running system.
"""

from __future__ import annotations

import ntpath
import os
from pathlib import PurePath, PurePosixPath, PureWindowsPath

from omix_wire.naming import composed

WINDOWS = os.name == "nt"
LONG_PATH_LIMIT = 248
"""Longest Windows path used without the ``\\\\?\\`` prefix.

MAX_PATH is 260 including the final NUL, and creating a folder stops at 248
(room for an 8.3 name), so every path from 248 characters on is prefixed.
"""
EXTENDED = "\\\\?\\"
EXTENDED_UNC = EXTENDED + "UNC\\"


def remote_name(local_name: str) -> str:
    """The archive's name for a local file or folder name: its composed (NFC) form."""
    return composed(local_name)


def remote_parts(parts: tuple[str, ...] | list[str]) -> PurePosixPath:
    """A remote path from local path components (each composed, POSIX separators)."""
    return PurePosixPath(*(remote_name(part) for part in parts))


def collision_key(remote: str | PurePosixPath) -> str:
    """Equal for two remote paths that would be one file on Windows or in the archive.

    Windows (and macOS by default) compare names without regard to case, and
    NFD and NFC spell the same name: ``A.fq``, ``a.fq`` and ``a.FQ`` collide.
    """
    return composed(str(remote)).casefold()


def extended_path(path: str, *, windows: bool, force: bool = False) -> str:
    """The string to open ``path`` with, long paths included.

    On Windows a path of :data:`LONG_PATH_LIMIT` characters or more fails
    with "file not found" unless it carries the extended prefix: ``\\\\?\\C:\\…``
    for a drive, ``\\\\?\\UNC\\server\\share\\…`` for a share. The prefix turns
    off Windows' own clean-up, so the path is made absolute-clean first
    (``/`` to ``\\``, ``..`` resolved). Relative, short (unless ``force``:
    walking a folder whose files may be deeper than the limit), already
    prefixed and non-Windows paths are returned as they are.
    """
    if not windows or path.startswith((EXTENDED, "\\\\.\\")):
        return path
    pure = PureWindowsPath(path)
    if not (pure.drive and pure.root):
        return path
    clean = ntpath.normpath(str(pure))
    if len(clean) < LONG_PATH_LIMIT and not force:
        return path
    if clean.startswith("\\\\"):  # \\server\share\...
        return EXTENDED_UNC + clean[2:]
    return EXTENDED + clean


def plain_path(path: str) -> str:
    """``path`` without the extended prefix: the form shown, stored and compared."""
    if path.startswith(EXTENDED_UNC):
        return "\\\\" + path[len(EXTENDED_UNC) :]
    if path.startswith(EXTENDED):
        return path[len(EXTENDED) :]
    return path


def remote_root(picked: PurePath) -> str:
    """The remote folder name for a picked folder, even a drive or share root.

    ``C:\\`` and ``\\\\server\\share\\`` have no name of their own (``.name``
    is empty), nor has ``/``: the drive letter, the share's name or ``files``
    stands in, so the folder structure below keeps a top folder.
    """
    if picked.name:
        return picked.name
    drive = picked.drive.rstrip(":\\/")
    if drive.startswith(("\\\\", "//")):  # \\server\share: the share's name
        drive = drive.replace("/", "\\").rstrip("\\").rsplit("\\", 1)[-1]
    return drive or "files"


def remote_for(picked: PurePath, file: PurePath) -> PurePosixPath:
    """Where ``file``, found under the picked folder ``picked``, goes in the archive.

    Works on either flavour (``PureWindowsPath`` for ``C:\\run1`` or
    ``\\\\server\\share\\run1``, ``PurePosixPath`` on macOS and Linux); the
    names are composed (NFC) and joined with ``/``.
    """
    return remote_parts([remote_root(picked), *file.relative_to(picked).parts])


def os_path(path: str | os.PathLike[str]) -> str:
    """``path`` ready to hand to ``open``/``os.stat`` on the running system."""
    text = os.fspath(path)
    if WINDOWS and len(text) >= LONG_PATH_LIMIT:
        text = extended_path(os.path.abspath(text), windows=True)
    return text


def local_name(path: str, *, windows: bool) -> str:
    """The last component of a local path as the given system splits it.

    ``\\\\server\\share\\x.fq`` and ``C:\\data\\x.fq`` end in ``x.fq`` on Windows
    (``/`` is a separator there too); on macOS and Linux only ``/`` separates.
    """
    pure: PurePath = PureWindowsPath(path) if windows else PurePosixPath(path)
    return pure.name
