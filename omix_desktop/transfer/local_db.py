"""Opening the app's own small SQLite files (the MD5 cache, the upload queue).

Both live in the profile's data folder, are written from more than one place
(the hashing pool, the queue) and must survive a crash of the app: WAL with
``synchronous=NORMAL`` keeps every committed row after a crash and costs one
fsync per checkpoint instead of one per write, and ``busy_timeout`` makes a
second writer wait instead of failing at once.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def database_path(location: Path, file_name: str) -> Path:
    """``location`` is a data folder (``file_name`` is created in it) or a file path."""
    location = Path(location)
    if location.is_dir() or not location.suffix:
        location.mkdir(parents=True, exist_ok=True)
        return location / file_name
    return location


def open_local_db(path: Path, *, shared_between_threads: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit ``BEGIN``s)."""
    connection = sqlite3.connect(
        path, check_same_thread=not shared_between_threads, isolation_level=None
    )
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=5000")
    return connection
