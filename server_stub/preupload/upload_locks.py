"""Which uploads the *other* server processes of a site are receiving right now.

A site runs several ``omix-server`` processes on one shared pre-upload
folder. Each process knows the uploads it receives itself
(:class:`~server_stub.preupload.records.PreuploadRecords` keeps them in
memory), but a listing or a deletion answered by node 2 must also leave
alone a file node 1 is still writing: otherwise node 2 would hash the half
file and record it ``complete``. So while an upload runs, its process holds
an exclusive ``flock`` on a small lock file in the shared folder,
``<upload area>/upload-locks/<user id>/<quoted path>.lock``; any process can
ask whether someone holds it. The system drops the lock however the holder
ends (``kill -9`` included), so a crashed node never leaves a file looking
busy. On NFS, Linux maps ``flock`` to NFS byte-range locks, which every
client sees.

Only used with PostgreSQL on POSIX systems: on SQLite a data folder has one
process (:mod:`server_stub.data_folder_lock`), and the in-memory set says it all.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from pathlib import Path
from urllib.parse import quote, unquote

log = logging.getLogger(__name__)

SUFFIX = ".lock"


class UploadLocks:
    """Cross-process markers of running uploads (one lock file per upload)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._held: dict[tuple[int, str], int] = {}
        self._lock = threading.Lock()

    def _path(self, user_id: int, path: str) -> Path:
        return self.root / str(int(user_id)) / (quote(path, safe="") + SUFFIX)

    def acquire(self, user_id: int, path: str) -> bool:
        """Lock ``path`` for this process; ``False`` when another process writes it."""
        target = self._path(user_id, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        for _attempt in range(5):
            descriptor = os.open(target, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(descriptor)
                return False
            try:
                same = os.fstat(descriptor).st_ino == os.stat(target).st_ino
            except FileNotFoundError:
                same = False
            if same:
                with self._lock:
                    self._held[(user_id, path)] = descriptor
                return True
            os.close(descriptor)  # unlinked by a holder that just finished: again
        return False

    def release(self, user_id: int, path: str) -> None:
        with self._lock:
            descriptor = self._held.pop((user_id, path), None)
        if descriptor is None:
            return
        with contextlib.suppress(OSError):
            self._path(user_id, path).unlink()
        os.close(descriptor)

    def _busy(self, lock_file: Path) -> bool:
        try:
            descriptor = os.open(lock_file, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(descriptor)  # closing drops the shared lock we may have taken
        return False

    def held_elsewhere(self, user_id: int, path: str) -> bool:
        """True while another process writes ``path`` (or a file under folder ``path``)."""
        if self._busy(self._path(user_id, path)):
            return True
        prefix = path.rstrip("/") + "/"
        try:
            names = os.listdir(self.root / str(int(user_id)))
        except OSError:
            return False
        return any(
            unquote(name.removesuffix(SUFFIX)).startswith(prefix)
            and self._busy(self.root / str(int(user_id)) / name)
            for name in names
        )
