"""The ``PreuploadFile`` rows that mirror each user's FTP home folder.

:class:`PreuploadRecords` is built once by ``runner.py`` and handed to the FTP
server (as its :class:`server_stub.ftp.hooks.UploadRecords`) and to the HTTP
API (``app.state.records``). Its methods block (SQLAlchemy sessions, file
hashing): async code calls them through ``asyncio.to_thread``; the HTTP API
calls :meth:`PreuploadRecords.scan_home` directly from its (threaded) sync
endpoints.

Row life cycle: ``uploading`` with ``md5=None`` while data arrives (or while
the server re-hashes a file it found on disk), then ``complete`` with the
``size`` and ``md5`` of exactly the bytes on disk. Completeness of a file is
judged by comparing size and MD5 with what the client declares, never by the
FTP ``226`` reply (which a cut connection also gets).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server_stub.config import Settings
from server_stub.db import Database
from server_stub.ftp.hashing_io import md5_of_range
from server_stub.ftp.jail import home_folder
from server_stub.ftp.segments import journal_path
from server_stub.models import Interruption, PreuploadFile, UploadState, utcnow

if TYPE_CHECKING:
    from server_stub.preupload.upload_locks import UploadLocks

log = logging.getLogger(__name__)

INLINE_HASH_LIMIT = 64 * 1024 * 1024
"""scan_home hashes files up to this size before it returns ..."""
INLINE_HASH_BUDGET = 256 * 1024 * 1024
"""... and at most this many bytes per call; larger work goes to the background."""


def _row(session: Session, user_id: int, path: str) -> PreuploadFile | None:
    return session.scalar(
        select(PreuploadFile).where(PreuploadFile.user_id == user_id, PreuploadFile.path == path)
    )


def _upsert(
    session: Session,
    user_id: int,
    path: str,
    size: int,
    md5: str | None,
    state: str,
    interruption: str | None = None,
) -> None:
    row = _row(session, user_id, path)
    if row is None:
        row = PreuploadFile(user_id=user_id, path=path)
        session.add(row)
    row.size = size
    row.md5 = md5
    row.state = state
    row.interruption = interruption
    row.updated_at = utcnow()


def _at_or_under(path: str) -> Any:
    prefix = path.rstrip("/") + "/"
    return (PreuploadFile.path == path) | PreuploadFile.path.startswith(prefix, autoescape=True)


@dataclass
class ScanReport:
    """What :meth:`PreuploadRecords.scan_home` changed."""

    added: list[str] = field(default_factory=list)
    """Files found on disk without a row."""
    removed: list[str] = field(default_factory=list)
    """Rows whose file is gone."""
    hashed: list[str] = field(default_factory=list)
    """Files hashed during this call (now ``complete``)."""
    pending: list[str] = field(default_factory=list)
    """Large files being hashed in the background (``uploading`` until done)."""


def _walk(home: Path) -> dict[str, os.stat_result]:
    found: dict[str, os.stat_result] = {}
    if not home.is_dir():
        return found
    for folder, dirs, files in os.walk(home, followlinks=False):
        base = Path(folder)
        dirs[:] = [d for d in dirs if not (base / d).is_symlink()]
        for name in files:
            full = base / name
            try:
                stat = full.lstat()
            except OSError:
                continue
            if not full.is_symlink() and os.path.isfile(full):
                found[full.relative_to(home).as_posix()] = stat
    return found


class PreuploadRecords:
    """The pre-upload rows of one server process, and the uploads it is receiving.

    Built once by the runner and shared by the FTP server (which records what
    it receives) and the HTTP API (listings, deletions). ``on_settled(user_id,
    path)`` is called when a file is complete, deleted or renamed: the runner
    passes the archive's hand-over there.
    """

    def __init__(
        self,
        database: Database,
        settings: Settings,
        on_settled: Callable[[int, str], None] | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.on_settled = on_settled
        self._active_lock = threading.Lock()
        self._active: set[tuple[int, str]] = set()
        """Uploads running in this process."""
        self._background_lock = threading.Lock()
        self._background: set[tuple[int, str]] = set()
        """Files re-hashed in the background by reconciliation."""
        self._hash_limit = threading.BoundedSemaphore(max(1, settings.checksum_concurrency))
        """At most ``checksum_concurrency`` files hashed at once by reconciliation."""
        self._elsewhere: UploadLocks | None = None
        """Uploads other processes of a site receive (PostgreSQL only: see upload_locks)."""
        if os.name == "posix" and database.engine.dialect.name == "postgresql":
            from server_stub.preupload.upload_locks import UploadLocks

            self._elsewhere = UploadLocks(settings.upload_area / "upload-locks")

    def claim_upload(self, user_id: int, path: str) -> bool:
        """Mark ``path`` as being written; False if another upload already writes it."""
        with self._active_lock:
            if (user_id, path) in self._active:
                return False
            if self._elsewhere is not None and not self._elsewhere.acquire(user_id, path):
                return False  # another node of the site is writing it
            self._active.add((user_id, path))
            return True

    def release_upload(self, user_id: int, path: str) -> None:
        with self._active_lock:
            if (user_id, path) in self._active and self._elsewhere is not None:
                self._elsewhere.release(user_id, path)
            self._active.discard((user_id, path))

    def is_uploading(self, user_id: int, path: str) -> bool:
        """True while an FTP upload to this path runs (prefix for folders).

        In this process, or on a site in another process on the shared folder.
        """
        with self._active_lock:
            if (user_id, path) in self._active:
                return True
            prefix = path.rstrip("/") + "/"
            if any(uid == user_id and p.startswith(prefix) for uid, p in self._active):
                return True
        return self._elsewhere is not None and self._elsewhere.held_elsewhere(user_id, path)

    def begin_upload(self, user_id: int, path: str, offset: int) -> None:
        with self.database.session() as session:
            _upsert(session, user_id, path, offset, None, UploadState.UPLOADING)

    def end_upload(
        self,
        user_id: int,
        path: str,
        size: int,
        md5: str | None,
        interruption: Interruption | None = None,
    ) -> None:
        """Record the outcome; ``md5=None`` leaves the row ``uploading`` for reconciliation.

        An upload the server knows stopped early (``interruption``) is listed
        ``incomplete`` with its reason, never as a complete file, until resumed.
        """
        state = UploadState.COMPLETE if md5 else UploadState.UPLOADING
        if interruption is not None:
            state = UploadState.INCOMPLETE
        with self.database.session() as session:
            _upsert(session, user_id, path, size, md5, state, interruption)

    def forget(self, user_id: int, path: str) -> None:
        """Drop the row of a deleted file, or the rows under a removed folder."""
        prefix = path.rstrip("/") + "/"
        with self.database.session() as session:
            session.execute(
                delete(PreuploadFile).where(
                    PreuploadFile.user_id == user_id,
                    (PreuploadFile.path == path)
                    | PreuploadFile.path.startswith(prefix, autoescape=True),
                )
            )

    def rename(self, user_id: int, old: str, new: str) -> list[tuple[str, str]]:
        """Follow a rename of a file or folder; returns (old, new) paths of moved rows."""
        old_prefix = old.rstrip("/") + "/"
        moved: list[tuple[str, str]] = []
        with self.database.session() as session:
            # a stale row where the new name lands would break the unique constraint
            session.execute(
                delete(PreuploadFile).where(
                    PreuploadFile.user_id == user_id,
                    (PreuploadFile.path == new)
                    | PreuploadFile.path.startswith(new.rstrip("/") + "/", autoescape=True),
                )
            )
            rows = session.scalars(
                select(PreuploadFile).where(
                    PreuploadFile.user_id == user_id,
                    (PreuploadFile.path == old)
                    | PreuploadFile.path.startswith(old_prefix, autoescape=True),
                )
            ).all()
            for row in rows:
                before = row.path
                tail = before[len(old_prefix) :]
                row.path = new if before == old else new.rstrip("/") + "/" + tail
                row.updated_at = utcnow()
                moved.append((before, row.path))
        return moved

    def known_md5(self, user_id: int, path: str, size: int) -> str | None:
        """The recorded MD5 if it describes the file's current ``size`` bytes."""
        with self.database.session() as session:
            row = _row(session, user_id, path)
            if row and row.state == UploadState.COMPLETE and row.md5 and row.size == size:
                return row.md5
        return None

    def settle(self, user_id: int, path: str) -> None:
        """Tell the archive a pre-uploaded file changed for good (datasets may wait for it)."""
        if self.on_settled is None:
            return
        try:
            self.on_settled(user_id, path)
        except Exception:
            log.exception("settling pre-upload %s of user %s failed", path, user_id)

    def _hash_and_record(self, user_id: int, path: str, full: Path) -> bool:
        try:
            md5, size = md5_of_range(full)
        except OSError:
            return False
        if self.is_uploading(user_id, path):
            return False  # an upload started meanwhile; it will record its own MD5
        self.end_upload(user_id, path, size, md5)
        self.settle(user_id, path)
        return True

    def _background_hash(self, user_id: int, path: str, full: Path) -> None:
        try:
            with self._hash_limit:
                self._hash_and_record(user_id, path, full)
        except Exception:
            log.exception("background hash of %s failed", full)
        finally:
            with self._background_lock:
                self._background.discard((user_id, path))

    def scan_home(self, user_id: int) -> ScanReport:
        """Bring the rows of one user in line with the files in their FTP home.

        Files without a row get one (and an MD5); rows without a file are removed;
        rows left ``uploading`` by an interrupted server, or whose size no longer
        matches the disk, are re-hashed. Files being uploaded right now are left
        alone. Small files are hashed before returning (a bounded number of
        bytes, at most ``checksum_concurrency`` at once); larger ones in a
        bounded background pool, their rows staying ``uploading`` with no MD5
        until done. Blocking: call from a thread.
        """
        report = ScanReport()
        home = home_folder(self.settings.preupload_root, user_id)
        on_disk = _walk(home)
        to_hash: list[tuple[str, int]] = []
        with self.database.session() as session:
            rows = {
                row.path: row
                for row in session.scalars(
                    select(PreuploadFile).where(PreuploadFile.user_id == user_id)
                )
            }
            for path, row in rows.items():
                if self.is_uploading(user_id, path):
                    continue
                stat = on_disk.get(path)
                if stat is None:
                    session.delete(row)
                    report.removed.append(path)
                elif journal_path(self.settings.segments_root, user_id, path).exists():
                    # a segmented upload not yet assembled: never taken for a whole file
                    row.state, row.md5 = UploadState.INCOMPLETE, None
                    row.interruption = Interruption.CONNECTION_LOST
                elif row.state == UploadState.INCOMPLETE and row.md5 and row.size == stat.st_size:
                    continue  # known to be cut short: it stays so until it is resumed
                elif row.state != UploadState.COMPLETE or not row.md5 or row.size != stat.st_size:
                    with self._background_lock:
                        busy = (user_id, path) in self._background
                    if not busy:
                        row.state = UploadState.UPLOADING
                        row.md5 = None
                        row.size = stat.st_size
                        to_hash.append((path, stat.st_size))
                    else:
                        report.pending.append(path)
            for path, stat in on_disk.items():
                if path in rows or self.is_uploading(user_id, path):
                    continue
                session.add(
                    PreuploadFile(
                        user_id=user_id,
                        path=path,
                        size=stat.st_size,
                        md5=None,
                        state=UploadState.UPLOADING,
                        updated_at=utcnow(),
                    )
                )
                report.added.append(path)
                to_hash.append((path, stat.st_size))
        if not to_hash:
            return report
        limit = self._hash_limit
        budget = INLINE_HASH_BUDGET
        for path, size in sorted(to_hash, key=lambda item: item[1]):
            full = home.joinpath(*path.split("/"))
            if size <= INLINE_HASH_LIMIT and size <= budget:
                budget -= size
                with limit:
                    if self._hash_and_record(user_id, path, full):
                        report.hashed.append(path)
                continue
            with self._background_lock:
                if (user_id, path) in self._background:
                    report.pending.append(path)
                    continue
                self._background.add((user_id, path))
            # a daemon thread: a shutdown never waits for a long re-hash; the row
            # simply stays ``uploading`` and the next start picks it up again
            threading.Thread(
                target=self._background_hash,
                args=(user_id, path, full),
                name=f"omix-rehash-{user_id}",
                daemon=True,
            ).start()
            report.pending.append(path)
        return report

    def interrupted_users(self) -> list[int]:
        """Users with rows left ``uploading`` (e.g. by a crash or a shutdown mid-upload)."""
        with self.database.session() as session:
            return list(
                session.scalars(
                    select(PreuploadFile.user_id)
                    .where(PreuploadFile.state == UploadState.UPLOADING)
                    .distinct()
                )
            )
