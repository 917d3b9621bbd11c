"""The upload queue on disk, so that nothing is lost whatever happens.

Every state change is committed to SQLite (WAL journal) before the engine acts
on it: after a ``kill -9`` at any moment, reopening the store finds each file
where it was. WAL with ``synchronous=NORMAL`` is durable against a process
crash (only an OS crash may lose the last commits, never corrupt the file),
and keeps each commit cheap enough to record state changes of thousands of
small files. Items left ``uploading`` by a crash are put back to ``queued``
on open; the engine then resumes them from the bytes already on the server.

The store is used from one thread only (each operation is a single short
statement); it hands out immutable :class:`QueueItem` snapshots. The CLI uses
it on its loop; the desktop app, whose loop is the Qt thread, uses
:class:`~omix_desktop.transfer.queue_memory.MemoryQueueStore`, which serves
the same interface from memory and writes through this class in a thread.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

from omix_desktop.transfer.local_db import database_path, open_local_db
from omix_desktop.transfer.selection import PlannedFile


class ItemState(StrEnum):
    """``queued → uploading → uploaded → verified``, or ``failed``; retry → ``queued``."""

    QUEUED = "queued"
    UPLOADING = "uploading"
    UPLOADED = "uploaded"
    VERIFIED = "verified"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class QueueItem:
    """Snapshot of one queued file. Views filter these into Queued/Failed/Successful."""

    id: int
    local_path: Path
    remote_path: PurePosixPath
    size: int
    mtime_ns: int
    state: ItemState = ItemState.QUEUED
    paused: bool = False
    md5: str | None = None
    """Local MD5 of the file at (size, mtime_ns), once known."""
    remote_md5: str | None = None
    """MD5 the server reported for the uploaded file, when it offers one."""
    verified_by: str | None = None
    """``md5`` (server's digest matched) or ``size`` (server offers no digest)."""
    sent: int = 0
    """Bytes confirmed on the server when the last attempt started (live progress
    comes as events; resuming always asks the server)."""
    started: bool = False
    """Set when a STOR for this content was first sent; a remote part may be ours."""
    attempts: int = 0
    failures_in_row: int = 0
    verify_failures: int = 0
    restart: bool = False
    """Next attempt must start from zero (the remote part is known to be wrong)."""
    next_attempt_at: float = 0.0
    reason: str | None = None
    reason_params: Mapping[str, Any] | None = None
    action: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0

    @property
    def list_name(self) -> str:
        """FileZilla's three lists: ``queued``, ``failed`` or ``successful``."""
        if self.state is ItemState.FAILED:
            return "failed"
        if self.state is ItemState.VERIFIED:
            return "successful"
        return "queued"


_COLUMNS = [f.name for f in fields(QueueItem)]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    local_path TEXT NOT NULL,
    remote_path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    state TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0,
    md5 TEXT,
    remote_md5 TEXT,
    verified_by TEXT,
    sent INTEGER NOT NULL DEFAULT 0,
    started INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    failures_in_row INTEGER NOT NULL DEFAULT 0,
    verify_failures INTEGER NOT NULL DEFAULT 0,
    restart INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    reason TEXT,
    reason_params TEXT,
    action TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_state ON items (state, paused, id);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stripes (
    item_id INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (item_id, start)
);
"""

_BOOLS = {"paused", "started", "restart"}


@dataclass(frozen=True, slots=True)
class StoreSnapshot:
    """What :meth:`QueueStore.snapshot` read: the whole queue, to serve from memory."""

    items: list[QueueItem]
    stripes: dict[int, list[tuple[int, int, bool]]]
    settings: dict[str, str]
    next_id: int
    """The id the next new item gets (ids are never reused, as AUTOINCREMENT)."""
    recovered: int


def queue_folder(root: Path, server_url: str, email: str) -> Path:
    """One queue per server and account under ``root``: switching accounts never mixes files."""
    key = hashlib.sha256(f"{server_url.rstrip('/')}\n{email.lower()}".encode()).hexdigest()
    return root / key[:16]


def _not_in(ids: list[int]) -> str:
    """SQL clause excluding ids (empty when there are none: ``NOT IN ()`` is invalid)."""
    return f" AND id NOT IN ({','.join('?' * len(ids))})" if ids else ""


def _row_to_item(row: sqlite3.Row) -> QueueItem:
    values: dict[str, Any] = dict(zip(row.keys(), tuple(row), strict=True))
    values["local_path"] = Path(values["local_path"])
    values["remote_path"] = PurePosixPath(values["remote_path"])
    values["state"] = ItemState(values["state"])
    for name in _BOOLS:
        values[name] = bool(values[name])
    if values["reason_params"] is not None:
        values["reason_params"] = json.loads(values["reason_params"])
    return QueueItem(**values)


def _to_column(name: str, value: Any) -> Any:
    if name in {"local_path", "remote_path"}:
        return str(value)
    if name == "state":
        return str(ItemState(value))
    if name in _BOOLS:
        return int(bool(value))
    if name == "reason_params":
        return None if value is None else json.dumps(dict(value), default=str)
    return value


class QueueStore:
    """SQLite persistence of queue items and of the queue's own settings."""

    FILE_NAME = "upload-queue.sqlite3"

    def __init__(self, location: Path) -> None:
        """``location``: a data folder (file created inside) or the database file."""
        self.path = database_path(location, self.FILE_NAME)
        self._db = open_local_db(self.path)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(_SCHEMA)
        self.recovered = self._recover()

    def _recover(self) -> int:
        """Items a crash left ``uploading`` go back to ``queued`` (they resume)."""
        cursor = self._db.execute(
            "UPDATE items SET state = ?, updated_at = ? WHERE state = ?",
            (ItemState.QUEUED.value, time.time(), ItemState.UPLOADING.value),
        )
        return cursor.rowcount

    # -- items -----------------------------------------------------------

    def add(self, planned: Iterable[PlannedFile]) -> list[QueueItem]:
        """Queue files in one transaction; returns their items in order.

        See :meth:`add_tracked`.
        """
        return self.add_tracked(planned)[0]

    def add_tracked(self, planned: Iterable[PlannedFile]) -> tuple[list[QueueItem], set[int]]:
        """Queue files in one transaction; returns their items and the ids that are new.

        A remote path already in the queue is not duplicated: an item that is
        verified for the same unchanged local file, or is uploading, is kept
        as is; any other item for that path is reset to ``queued`` with the
        new local file.
        """
        now = time.time()
        ids: list[int] = []
        new_ids: set[int] = set()
        with self._transaction():
            for plan in planned:
                if plan.size is None or plan.mtime_ns is None:
                    info = plan.local.stat()
                    size, mtime = info.st_size, info.st_mtime_ns
                else:
                    size, mtime = plan.size, plan.mtime_ns
                remote = str(plan.remote)
                row = self._db.execute(
                    "SELECT * FROM items WHERE remote_path = ?", (remote,)
                ).fetchone()
                if row is None:
                    cursor = self._db.execute(
                        "INSERT INTO items (local_path, remote_path, size, mtime_ns, state, md5,"
                        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            str(plan.local),
                            remote,
                            size,
                            mtime,
                            ItemState.QUEUED.value,
                            plan.md5,
                            now,
                            now,
                        ),
                    )
                    assert cursor.lastrowid is not None
                    ids.append(cursor.lastrowid)
                    new_ids.add(cursor.lastrowid)
                    continue
                existing = _row_to_item(row)
                ids.append(existing.id)
                same_file = existing.local_path == plan.local and (
                    existing.size,
                    existing.mtime_ns,
                ) == (size, mtime)
                if existing.state is ItemState.UPLOADING or (
                    same_file and existing.state is not ItemState.FAILED
                ):
                    continue
                self._db.execute(
                    "UPDATE items SET local_path = ?, size = ?, mtime_ns = ?, state = ?, md5 = ?,"
                    " remote_md5 = NULL, verified_by = NULL, sent = 0, started = ?,"
                    " failures_in_row = 0, verify_failures = 0, restart = ?, next_attempt_at = 0,"
                    " reason = NULL, reason_params = NULL, action = NULL, paused = 0,"
                    " updated_at = ? WHERE id = ?",
                    (
                        str(plan.local),
                        size,
                        mtime,
                        ItemState.QUEUED.value,
                        plan.md5,
                        int(same_file and existing.started),
                        int(not same_file),
                        now,
                        existing.id,
                    ),
                )
        return self.get_many(ids), new_ids

    def get(self, item_id: int) -> QueueItem | None:
        row = self._db.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone()
        return None if row is None else _row_to_item(row)

    def get_many(self, ids: list[int]) -> list[QueueItem]:
        by_id = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"SELECT * FROM items WHERE id IN ({marks})", chunk):
                by_id[row["id"]] = _row_to_item(row)
        return [by_id[i] for i in ids if i in by_id]

    def items(self, states: Iterable[ItemState] | None = None) -> list[QueueItem]:
        """All items in queue order, optionally only those in ``states``."""
        if states is None:
            rows = self._db.execute("SELECT * FROM items ORDER BY id")
        else:
            wanted = [str(ItemState(s)) for s in states]
            marks = ",".join("?" * len(wanted))
            rows = self._db.execute(
                f"SELECT * FROM items WHERE state IN ({marks}) ORDER BY id", wanted
            )
        return [_row_to_item(row) for row in rows]

    def next_runnable(self, now: float, exclude: Iterable[int] = ()) -> QueueItem | None:
        """The first unpaused item ready to work on: queued (due) or uploaded (to verify)."""
        skip = list(exclude)
        row = self._db.execute(
            "SELECT * FROM items WHERE paused = 0 AND ("
            " (state = 'queued' AND next_attempt_at <= ?) OR state = 'uploaded')"
            f"{_not_in(skip)} ORDER BY id LIMIT 1",
            (now, *skip),
        ).fetchone()
        return None if row is None else _row_to_item(row)

    def next_due_time(self, exclude: Iterable[int] = ()) -> float | None:
        """When the earliest waiting (backed-off) queued item becomes due."""
        skip = list(exclude)
        row = self._db.execute(
            "SELECT MIN(next_attempt_at) FROM items WHERE paused = 0 AND state = 'queued'"
            f"{_not_in(skip)}",
            skip,
        ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def update(self, item_id: int, **changes: Any) -> QueueItem:
        """Change fields of one item (committed at once); returns the new snapshot."""
        unknown = set(changes) - set(_COLUMNS) - {"id"}
        if unknown or "id" in changes:
            raise ValueError(f"cannot update {sorted(unknown | ({'id'} & set(changes)))}")
        changes["updated_at"] = time.time()
        assignments = ", ".join(f"{name} = ?" for name in changes)
        values = [_to_column(name, value) for name, value in changes.items()]
        cursor = self._db.execute(
            f"UPDATE items SET {assignments} WHERE id = ?", (*values, item_id)
        )
        if cursor.rowcount != 1:
            raise KeyError(item_id)
        item = self.get(item_id)
        assert item is not None
        return item

    def delete(self, item_id: int) -> bool:
        self.forget_stripes(item_id)
        return self._db.execute("DELETE FROM items WHERE id = ?", (item_id,)).rowcount == 1

    # -- stripes of segmented uploads (the per-stripe journal) -------------------

    def stripes(self, item_id: int) -> list[tuple[int, int, bool]]:
        """(start, end, done) of each stripe planned for an item, in file order."""
        rows = self._db.execute(
            'SELECT start, "end", done FROM stripes WHERE item_id = ? ORDER BY start', (item_id,)
        )
        return [(int(start), int(end), bool(done)) for start, end, done in rows]

    def plan_stripes(self, item_id: int, ranges: Iterable[tuple[int, int]]) -> None:
        """A new plan replaces any old one (the file changed or restarts from zero)."""
        with self._transaction():
            self._db.execute("DELETE FROM stripes WHERE item_id = ?", (item_id,))
            self._db.executemany(
                'INSERT INTO stripes (item_id, start, "end", done) VALUES (?, ?, ?, 0)',
                [(item_id, start, end) for start, end in ranges],
            )

    def stripe_done(self, item_id: int, start: int) -> None:
        self._db.execute(
            "UPDATE stripes SET done = 1 WHERE item_id = ? AND start = ?", (item_id, start)
        )

    def forget_stripes(self, item_id: int) -> None:
        self._db.execute("DELETE FROM stripes WHERE item_id = ?", (item_id,))

    def counts(self) -> dict[str, int]:
        """Number of items per state, plus ``paused``; cheap enough for every refresh."""
        result = {state.value: 0 for state in ItemState}
        for state, count in self._db.execute("SELECT state, COUNT(*) FROM items GROUP BY state"):
            result[state] = count
        result["paused"] = self._db.execute(
            "SELECT COUNT(*) FROM items WHERE paused = 1"
        ).fetchone()[0]
        return result

    def byte_totals(self) -> tuple[int, int]:
        """(bytes of all items not failed, bytes of those uploaded or verified)."""
        row = self._db.execute(
            "SELECT COALESCE(SUM(size), 0),"
            " COALESCE(SUM(CASE WHEN state IN ('uploaded', 'verified') THEN size END), 0)"
            " FROM items WHERE state != 'failed'"
        ).fetchone()
        return int(row[0]), int(row[1])

    def pending_count(self) -> int:
        """Unpaused items still to upload or verify (queued, uploading or uploaded)."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM items WHERE paused = 0"
            " AND state IN ('queued', 'uploading', 'uploaded')"
        ).fetchone()
        return int(row[0])

    # -- settings ----------------------------------------------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))

    # -- whole rows (the in-memory queue's writer, queue_memory.py) -------------

    def put(self, item: QueueItem) -> None:
        """Write one snapshot as it is (insert or replace by id)."""
        marks = ",".join("?" * len(_COLUMNS))
        self._db.execute(
            f"INSERT OR REPLACE INTO items ({','.join(_COLUMNS)}) VALUES ({marks})",
            [_to_column(name, getattr(item, name)) for name in _COLUMNS],
        )

    def snapshot(self) -> StoreSnapshot:
        """Everything, read once: items in id order, stripes, settings, the next id."""
        stripes: dict[int, list[tuple[int, int, bool]]] = {}
        for item_id, start, end, done in self._db.execute(
            'SELECT item_id, start, "end", done FROM stripes ORDER BY item_id, start'
        ):
            stripes.setdefault(int(item_id), []).append((int(start), int(end), bool(done)))
        settings = {str(k): str(v) for k, v in self._db.execute("SELECT key, value FROM settings")}
        row = self._db.execute(
            "SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM items"
            " UNION ALL SELECT seq FROM sqlite_sequence WHERE name = 'items')"
        ).fetchone()
        return StoreSnapshot(self.items(), stripes, settings, int(row[0] or 0) + 1, self.recovered)

    def transaction(self) -> _Transaction:
        """``with store.transaction():`` several writes, one commit."""
        return _Transaction(self._db)

    # -- plumbing ------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> QueueStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on an autocommit connection.

    Inside another one (the in-memory store's writer batches writes such as
    :meth:`QueueStore.plan_stripes`, which opens its own), it joins the outer one.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._joined = False

    def __enter__(self) -> None:
        self._joined = self._db.in_transaction
        if not self._joined:
            self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if not self._joined:
            self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
