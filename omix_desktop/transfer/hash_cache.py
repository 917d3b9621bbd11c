"""Remembered MD5 digests, so an unchanged file is never hashed twice.

A digest is only valid for the exact bytes it was computed from. We cannot
afford to re-read a 20 GB file to find out, so a file counts as unchanged when
its absolute path, size and modification time (nanoseconds) are the same as
when it was hashed. That is what ``make``, ``rsync`` and git's index trust too.
The cache lives in SQLite in the app's data folder and is shared by worker
threads, hence the lock around one connection.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from omix_desktop.transfer.local_db import database_path, open_local_db
from omix_wire.paths import os_path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS digests (
    path     TEXT PRIMARY KEY,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    md5      TEXT NOT NULL,
    hashed_at REAL NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What identifies a file's content cheaply: its size and modification time."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        """Stamp of the file as it is on disk now (raises OSError if it is gone)."""
        stat = os.stat(os_path(path))  # a long Windows path in its \\?\ form
        return cls(stat.st_size, stat.st_mtime_ns)


def is_unchanged(path: Path, size: int, mtime_ns: int) -> bool:
    """True when ``path`` still has the given size and modification time.

    Checked before an upload starts and before it resumes: a file edited after
    hashing must be hashed again, and its remote part is no longer valid.
    A missing file is "changed".
    """
    try:
        return FileStamp.of(path) == FileStamp(size, mtime_ns)
    except OSError:
        return False


class HashCache:
    """SQLite-backed map ``(absolute path, size, mtime_ns) -> md5``; thread-safe."""

    FILE_NAME = "md5-cache.sqlite3"

    def __init__(self, location: Path) -> None:
        """``location`` is a data folder (the file is created in it) or a file path."""
        self.path = database_path(location, self.FILE_NAME)
        self._lock = threading.Lock()
        self._db = open_local_db(self.path, shared_between_threads=True)
        self._db.execute(_SCHEMA)

    @staticmethod
    def _key(path: Path) -> str:
        return str(Path(path).absolute())

    def lookup(self, path: Path, size: int, mtime_ns: int) -> str | None:
        """The cached digest if the file had exactly this size and mtime when hashed."""
        with self._lock:
            row = self._db.execute(
                "SELECT md5 FROM digests WHERE path = ? AND size = ? AND mtime_ns = ?",
                (self._key(path), size, mtime_ns),
            ).fetchone()
        return None if row is None else str(row[0])

    def get(self, path: Path) -> str | None:
        """The cached digest of the file as it is on disk now, or None (miss or gone)."""
        try:
            stamp = FileStamp.of(path)
        except OSError:
            return None
        return self.lookup(path, stamp.size, stamp.mtime_ns)

    def store(self, path: Path, size: int, mtime_ns: int, md5: str) -> None:
        """Remember a digest; replaces whatever was known for that path."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO digests (path, size, mtime_ns, md5, hashed_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (self._key(path), size, mtime_ns, md5.lower(), time.time()),
            )

    def forget(self, path: Path) -> None:
        """Drop what is known about a path."""
        with self._lock:
            self._db.execute("DELETE FROM digests WHERE path = ?", (self._key(path),))

    def is_unchanged(self, path: Path, size: int, mtime_ns: int) -> bool:
        """See :func:`is_unchanged`; offered here too for callers holding a cache."""
        return is_unchanged(path, size, mtime_ns)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> HashCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
