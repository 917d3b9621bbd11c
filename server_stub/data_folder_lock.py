"""One ``omix-server`` process per SQLite data folder.

SQLite in WAL mode tolerates a second process, but the server does not:
its in-process locks (archiving, releases, running uploads) would no longer
cover everything that touches the folder, and two release schedulers would
race on the same public tree. So a server on SQLite takes an exclusive lock
on ``omix-server.lock`` in its data folder before it opens the database and
holds it for as long as it runs; a second server on the same folder stops
at once with :class:`DataFolderBusy`, saying which process holds it. The
lock belongs to the open file, so the system releases it however the
process ends (a clean stop, ``kill -9``, a crash): no stale lock to clean
up by hand. The file itself stays; its content (pid, addresses) only
serves the message.

On PostgreSQL any number of processes share a database, and this lock is
not taken (the release scheduler's claims do that job, see
:mod:`server_stub.release.claims`).

It is not the desktop app's ``server.lock`` (``omix_desktop.local_server_host``),
which the app's host process takes before it starts this server.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO, Any

LOCK_NAME = "omix-server.lock"


class DataFolderBusy(OSError):
    """Another server process holds the data folder."""


def _try_lock(handle: IO[bytes]) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _holder(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


class DataFolderLock:
    """The held lock of one data folder; :meth:`release` (or process exit) frees it."""

    def __init__(self, data_dir: Path, handle: IO[bytes]) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_NAME
        self._handle: IO[bytes] | None = handle

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()  # closing the file releases the lock


def hold(data_dir: Path, about: dict[str, Any]) -> DataFolderLock:
    """Lock ``data_dir`` for this process, noting ``about`` (addresses) in the file.

    Raises :class:`DataFolderBusy` with a message naming the holder and what
    to do when another process has it.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_NAME
    handle = path.open("a+b")
    if not _try_lock(handle):
        handle.close()
        holder = _holder(path)
        who = f"process {holder['pid']}" if "pid" in holder else "another process"
        where = f" serving {holder['http']}" if "http" in holder else ""
        raise DataFolderBusy(
            f"the data folder {data_dir} is already used by another omix-server "
            f"({who}{where}; lock file {path}). With SQLite only one server may use a "
            "data folder: stop that server first, give this one another --data-dir, "
            "or run several servers on PostgreSQL (--database-url postgresql://…)."
        )
    record = json.dumps({"pid": os.getpid(), **about}).encode()
    if sys.platform == "win32":
        # byte 0 is locked on Windows: keep the record after it
        handle.seek(1)
        handle.truncate()
        handle.write(b" " + record)
    else:
        handle.seek(0)
        handle.truncate()
        handle.write(record)
    handle.flush()
    return DataFolderLock(data_dir, handle)
