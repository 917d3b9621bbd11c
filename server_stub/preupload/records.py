"""The ``PreuploadFile`` rows that mirror each user's FTP home folder.

Blocking (SQLAlchemy sessions, file hashing): async code calls these through
``asyncio.to_thread``; the HTTP API may call :func:`scan_home` directly from
its (threaded) sync endpoints.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server_stub.config import Settings
from server_stub.db import Database
from server_stub.ftp.hashing_io import md5_of_range
from server_stub.ftp.jail import home_folder
from server_stub.ftp.segments import journal_path
from server_stub.models import Interruption, PreuploadFile, UploadState, utcnow

log = logging.getLogger(__name__)

INLINE_HASH_LIMIT = 64 * 1024 * 1024
"""scan_home hashes files up to this size before it returns ..."""
INLINE_HASH_BUDGET = 256 * 1024 * 1024
"""... and at most this many bytes per call; larger work goes to the background."""

# --- uploads running in this process -------------------------------------------------

_active_lock = threading.Lock()
_active: set[tuple[int, str]] = set()


def claim_upload(user_id: int, path: str) -> bool:
    """Mark ``path`` as being written; False if another upload already writes it."""
    with _active_lock:
        if (user_id, path) in _active:
            return False
        _active.add((user_id, path))
        return True


def release_upload(user_id: int, path: str) -> None:
    with _active_lock:
        _active.discard((user_id, path))


def is_uploading(user_id: int, path: str) -> bool:
    """True while an FTP upload to this path runs in this process (prefix for folders)."""
    with _active_lock:
        if (user_id, path) in _active:
            return True
        prefix = path.rstrip("/") + "/"
        return any(uid == user_id and p.startswith(prefix) for uid, p in _active)


# --- rows ---------------------------------------------------------------------------


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


def begin_upload(database: Database, user_id: int, path: str, offset: int) -> None:
    with database.session() as session:
        _upsert(session, user_id, path, offset, None, UploadState.UPLOADING)


def end_upload(
    database: Database,
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
    with database.session() as session:
        _upsert(session, user_id, path, size, md5, state, interruption)


def _at_or_under(path: str) -> Any:
    prefix = path.rstrip("/") + "/"
    return (PreuploadFile.path == path) | PreuploadFile.path.startswith(prefix, autoescape=True)


def forget(database: Database, user_id: int, path: str) -> None:
    """Drop the row of a deleted file, or the rows under a removed folder."""
    prefix = path.rstrip("/") + "/"
    with database.session() as session:
        session.execute(
            delete(PreuploadFile).where(
                PreuploadFile.user_id == user_id,
                (PreuploadFile.path == path)
                | PreuploadFile.path.startswith(prefix, autoescape=True),
            )
        )


def rename(database: Database, user_id: int, old: str, new: str) -> list[tuple[str, str]]:
    """Follow a rename of a file or folder; returns (old, new) paths of moved rows."""
    old_prefix = old.rstrip("/") + "/"
    moved: list[tuple[str, str]] = []
    with database.session() as session:
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


def known_md5(database: Database, user_id: int, path: str, size: int) -> str | None:
    """The recorded MD5 if it describes the file's current ``size`` bytes."""
    with database.session() as session:
        row = _row(session, user_id, path)
        if row and row.state == UploadState.COMPLETE and row.md5 and row.size == size:
            return row.md5
    return None


# --- hand-over to the archive ---------------------------------------------------------


def settle(database: Database, settings: Settings, user_id: int, path: str) -> None:
    """Tell the archive a pre-uploaded file is complete (datasets may wait for it)."""
    try:
        from server_stub.archive.archiving import settle_preupload
    except ModuleNotFoundError as error:
        if error.name in ("server_stub.archive.archiving",):
            return
        raise
    except ImportError:
        log.exception("server_stub.archive.archiving cannot be imported")
        return
    try:
        settle_preupload(database, settings, user_id, path)
    except Exception:
        log.exception("settling pre-upload %s of user %s failed", path, user_id)


# --- reconciliation -------------------------------------------------------------------


@dataclass
class ScanReport:
    """What :func:`scan_home` changed."""

    added: list[str] = field(default_factory=list)
    """Files found on disk without a row."""
    removed: list[str] = field(default_factory=list)
    """Rows whose file is gone."""
    hashed: list[str] = field(default_factory=list)
    """Files hashed during this call (now ``complete``)."""
    pending: list[str] = field(default_factory=list)
    """Large files being hashed in the background (``uploading`` until done)."""


_background_lock = threading.Lock()
_background: set[tuple[int, str]] = set()
_hash_limit: threading.BoundedSemaphore | None = None


def _limit(settings: Settings) -> threading.BoundedSemaphore:
    """At most ``checksum_concurrency`` files hashed at once by reconciliation."""
    global _hash_limit
    with _background_lock:
        if _hash_limit is None:
            _hash_limit = threading.BoundedSemaphore(max(1, settings.checksum_concurrency))
        return _hash_limit


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


def _hash_and_record(
    database: Database, settings: Settings, user_id: int, path: str, full: Path
) -> bool:
    try:
        md5, size = md5_of_range(full)
    except OSError:
        return False
    if is_uploading(user_id, path):
        return False  # an upload started meanwhile; it will record its own MD5
    end_upload(database, user_id, path, size, md5)
    settle(database, settings, user_id, path)
    return True


def _background_hash(
    database: Database, settings: Settings, user_id: int, path: str, full: Path
) -> None:
    try:
        with _limit(settings):
            _hash_and_record(database, settings, user_id, path, full)
    except Exception:
        log.exception("background hash of %s failed", full)
    finally:
        with _background_lock:
            _background.discard((user_id, path))


def scan_home(database: Database, settings: Settings, user_id: int) -> ScanReport:
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
    home = home_folder(settings.preupload_root, user_id)
    on_disk = _walk(home)
    to_hash: list[tuple[str, int]] = []
    with database.session() as session:
        rows = {
            row.path: row
            for row in session.scalars(
                select(PreuploadFile).where(PreuploadFile.user_id == user_id)
            )
        }
        for path, row in rows.items():
            if is_uploading(user_id, path):
                continue
            stat = on_disk.get(path)
            if stat is None:
                session.delete(row)
                report.removed.append(path)
            elif journal_path(settings.segments_root, user_id, path).exists():
                # a segmented upload not yet assembled: never taken for a whole file
                row.state, row.md5 = UploadState.INCOMPLETE, None
                row.interruption = Interruption.CONNECTION_LOST
            elif row.state == UploadState.INCOMPLETE and row.md5 and row.size == stat.st_size:
                continue  # known to be cut short: it stays so until it is resumed
            elif row.state != UploadState.COMPLETE or not row.md5 or row.size != stat.st_size:
                with _background_lock:
                    busy = (user_id, path) in _background
                if not busy:
                    row.state = UploadState.UPLOADING
                    row.md5 = None
                    row.size = stat.st_size
                    to_hash.append((path, stat.st_size))
                else:
                    report.pending.append(path)
        for path, stat in on_disk.items():
            if path in rows or is_uploading(user_id, path):
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
    limit = _limit(settings)
    budget = INLINE_HASH_BUDGET
    for path, size in sorted(to_hash, key=lambda item: item[1]):
        full = home.joinpath(*path.split("/"))
        if size <= INLINE_HASH_LIMIT and size <= budget:
            budget -= size
            with limit:
                if _hash_and_record(database, settings, user_id, path, full):
                    report.hashed.append(path)
            continue
        with _background_lock:
            if (user_id, path) in _background:
                report.pending.append(path)
                continue
            _background.add((user_id, path))
        # a daemon thread: a shutdown never waits for a long re-hash; the row
        # simply stays ``uploading`` and the next start picks it up again
        threading.Thread(
            target=_background_hash,
            args=(database, settings, user_id, path, full),
            name=f"omix-rehash-{user_id}",
            daemon=True,
        ).start()
        report.pending.append(path)
    return report


def interrupted_users(database: Database) -> list[int]:
    """Users with rows left ``uploading`` (e.g. by a crash or a shutdown mid-upload)."""
    with database.session() as session:
        return list(
            session.scalars(
                select(PreuploadFile.user_id)
                .where(PreuploadFile.state == UploadState.UPLOADING)
                .distinct()
            )
        )
