"""Moving selected files into the archive store and verifying their MD5.

A data file reaches the archive from one of two places:

* an online (HTTP) upload in ``incoming/``, whose MD5 was computed while it
  was received;
* the user's pre-upload area (FTP home), whose MD5 the FTP server computed
  while receiving. A file selected while its upload is still running waits
  (``Checking``, reason ``still_uploading``) and is taken by
  :func:`settle_preupload` when the FTP server reports the upload finished.

Files go into the store (:mod:`server_stub.storage`) under the key
``archive/<OMIX accession>/<file id><full suffix>``. In the local store (the
default) they are moved with ``os.replace`` (same filesystem: instant, whatever
the size); when no MD5 is known the file is hashed in a background thread. With
an object store the file is first moved, just as instantly, out of the user's
reach into ``<upload area>/storing/`` and a background thread uploads it (see
:meth:`server_stub.storage.s3.S3Store.put_file`); the file stays ``Checking``
until the store holds it with the right size and MD5, so a dataset is
``Archived`` only when its files are in the store. The MD5 the store holds is
then compared with the one the user typed: ``Archived`` or ``MD5 Checked Failed``.

Everything that changes files on disk holds :data:`LOCK`, so the FTP server's
settle calls and the HTTP requests of one process never race on one path.
A file still ``Checking`` after a restart (or a missed notification) is picked
up again by :func:`refresh_pending`, which the dataset endpoints call.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from omix_wire.files import check_size
from server_stub.config import Settings
from server_stub.db import Database
from server_stub.errors import ApiError
from server_stub.models import (
    DataFile,
    Dataset,
    FileSource,
    FileStatus,
    OnlineUpload,
    PreuploadFile,
    UploadState,
    utcnow,
)
from server_stub.preupload import area as preupload
from server_stub.storage import ARCHIVE, ObjectInfo, is_local, store_of

log = logging.getLogger(__name__)

LOCK = threading.RLock()
"""Held while files move between the pre-upload area, incoming and the archive."""

HASH_CHUNK = 1024 * 1024
SUFFIX_LENGTH = 64


class CheckingReason(StrEnum):
    """Why a data file is still ``Checking``; clients translate by value."""

    HASHING = "hashing"
    """The server is computing the MD5 of the archived copy."""
    STILL_UPLOADING = "still_uploading"
    """The selected pre-upload file is still being received over FTP."""
    MISSING = "missing"
    """The selected pre-upload file disappeared before it was archived."""
    INVALID_NAME = "invalid_name"
    """The file or one of its folders has a space or a special character."""
    UPLOAD_INCOMPLETE = "upload_incomplete"
    """The upload stopped early (full disk, lost connection): it must be resumed."""
    EMPTY_FILE = "empty_file"
    """The selected pre-upload file ended empty (0 bytes): it is not archived."""


def full_suffix(name: str) -> str:
    """Everything after the first dot of the name: ``a.fastq.gz`` → ``.fastq.gz``."""
    base = name.lstrip(".")
    if "." not in base:
        return ""
    suffix = "." + base.split(".", 1)[1]
    while len(suffix) > SUFFIX_LENGTH and "." in suffix[1:]:
        suffix = "." + suffix[1:].split(".", 1)[1]
    return suffix[-SUFFIX_LENGTH:]


def archive_key(file: DataFile, accession: str | None = None) -> str:
    """The file's key in the store: ``archive/<accession>/<stored name>``.

    ``accession`` saves loading the dataset (a file detached from its session).
    """
    accession = accession if accession is not None else file.dataset.accession or ""
    return f"{ARCHIVE}/{accession}/{file.stored_name or file.file_id}"


def archive_path(settings: Settings, file: DataFile) -> Path:
    """Where the local store keeps the file (``<data dir>/archive/<acc>/<stored name>``)."""
    accession = file.dataset.accession or ""
    return settings.archive_root / accession / (file.stored_name or file.file_id)


def staging_path(settings: Settings, file: DataFile) -> Path:
    """Where a file waits for its upload to an object store, out of every user's home.

    In the upload area (the same filesystem as the pre-upload homes and
    ``incoming/``, so moving it there is a rename; shared by a site's nodes).
    """
    return settings.upload_area / "storing" / (file.stored_name or file.file_id)


def incoming_path(settings: Settings, upload: OnlineUpload) -> Path:
    return settings.incoming_root / upload.token


def verify(file: DataFile) -> None:
    """Settle the status from the computed and the declared MD5."""
    if file.md5_computed is None:
        file.status = FileStatus.CHECKING
        file.checking_reason = file.checking_reason or CheckingReason.HASHING
        return
    matches = file.md5_computed == file.md5_declared.lower()
    file.status = FileStatus.ARCHIVED if matches else FileStatus.MD5_FAILED
    file.checking_reason = None


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        shutil.move(source, target)


class ArchiveBatch:
    """Moves done inside one transaction, undone if the transaction fails."""

    def __init__(self) -> None:
        self.moves: list[tuple[Path, Path]] = []
        self.to_hash: list[tuple[DataFile, str | None]] = []
        """Files to hash (local store) or to upload (object store), with any known MD5."""
        self.to_remove: list[str] = []
        """Store keys of replaced copies, removed once the transaction is committed."""

    def move(self, source: Path, target: Path) -> None:
        _move(source, target)
        self.moves.append((source, target))

    @contextmanager
    def guard(self) -> Iterator[ArchiveBatch]:
        try:
            yield self
        except BaseException:
            for source, target in reversed(self.moves):
                try:
                    _move(target, source)
                except OSError:
                    log.exception("could not move %s back to %s", target, source)
            self.moves.clear()
            self.to_hash.clear()
            self.to_remove.clear()
            raise

    def after_commit(self, database: Database, settings: Settings) -> None:
        """Remove replaced copies and start hashing (or storing) what waits for it."""
        for key in self.to_remove:
            remove_archived(settings, key)
        for file, md5 in self.to_hash:
            schedule_hash(database, settings, file.id, md5)
        self.to_hash.clear()
        self.to_remove.clear()


def remove_archived(settings: Settings, key: str) -> None:
    """Remove a replaced or deleted file's archived copy (and a copy waiting to be stored)."""
    try:
        store_of(settings).delete(key)
        (settings.upload_area / "storing" / key.rsplit("/", 1)[-1]).unlink(missing_ok=True)
    except OSError:
        log.exception("could not remove %s from the store", key)


def _place(
    settings: Settings, file: DataFile, source: Path, md5: str | None, batch: ArchiveBatch
) -> None:
    """Put a received file where the archive keeps it, inside the transaction.

    Local store: moved into place now, hashed later only if ``md5`` is unknown.
    Object store: moved to the staging folder now, uploaded and checked later.
    """
    store = store_of(settings)
    file.md5_computed = None
    file.checking_reason = CheckingReason.HASHING
    if is_local(store):
        target = store.local_path(archive_key(file))
        assert target is not None
        batch.move(source, target)
        file.md5_computed = md5
        file.checking_reason = None
        if md5 is None:
            file.checking_reason = CheckingReason.HASHING
            batch.to_hash.append((file, None))
    else:
        batch.move(source, staging_path(settings, file))
        batch.to_hash.append((file, md5))
    verify(file)


def take_online_upload(
    session: Session, settings: Settings, file: DataFile, upload: OnlineUpload, batch: ArchiveBatch
) -> None:
    """Move an HTTP upload into the archive; its MD5 is already known."""
    file.source = FileSource.HTTP
    file.size = upload.size
    file.preupload_path = None
    _place(settings, file, incoming_path(settings, upload), upload.md5, batch)
    session.delete(upload)


def claim_preupload(
    session: Session,
    settings: Settings,
    user_id: int,
    file: DataFile,
    path: str,
    batch: ArchiveBatch,
) -> None:
    """Take a pre-uploaded file into the archive, or note why it must wait."""
    file.source = FileSource.FTP
    file.preupload_path = path
    file.status = FileStatus.CHECKING
    source = preupload.resolve(settings, user_id, path)
    row = preupload.upload_row(session, user_id, path)
    if row is not None and row.state == UploadState.UPLOADING:
        file.checking_reason = CheckingReason.STILL_UPLOADING
        return
    if row is not None and row.state == UploadState.INCOMPLETE:
        file.checking_reason = CheckingReason.UPLOAD_INCOMPLETE
        return
    try:
        info = source.lstat()
    except FileNotFoundError:
        file.checking_reason = CheckingReason.MISSING
        return
    if not source.is_file() or source.is_symlink():
        file.checking_reason = CheckingReason.MISSING
        return
    if not check_size(info.st_size).ok:  # waits for the upload again, like a missing file
        file.checking_reason = CheckingReason.EMPTY_FILE
        return
    md5 = None
    if row is not None:
        if row.size == info.st_size:
            md5 = row.md5
        taken = session.execute(
            delete(PreuploadFile).where(
                PreuploadFile.id == row.id, PreuploadFile.state == UploadState.COMPLETE
            )
        )
        if cast(CursorResult[Any], taken).rowcount != 1:  # an upload started meanwhile
            file.checking_reason = CheckingReason.STILL_UPLOADING
            return
    file.size = info.st_size
    file.preupload_path = None
    _place(settings, file, source, md5, batch)


def _waiting_files(session: Session, user_id: int, path: str | None = None) -> list[DataFile]:
    query = (
        select(DataFile)
        .join(Dataset)
        .where(
            Dataset.user_id == user_id,
            DataFile.status == FileStatus.CHECKING,
            DataFile.preupload_path.is_not(None),
        )
        .order_by(DataFile.id)
    )
    if path is not None:
        query = query.where(DataFile.preupload_path == path)
    return list(session.scalars(query))


def settle_preupload(database: Database, settings: Settings, user_id: int, path: str) -> None:
    """A pre-upload file changed (upload finished, deleted, renamed): settle its waiters.

    The FTP server calls this, from a thread, after every completed upload
    and every deletion or rename in a user's home. Safe to call any time.
    """
    batch = ArchiveBatch()
    with LOCK, batch.guard(), database.session() as session:
        _settle(session, settings, user_id, _waiting_files(session, user_id, path), batch)
    batch.after_commit(database, settings)


def _settle(
    session: Session,
    settings: Settings,
    user_id: int,
    files: list[DataFile],
    batch: ArchiveBatch,
) -> None:
    for file in files:
        path = file.preupload_path
        if path is None:
            continue
        before = (file.status, file.checking_reason)
        try:
            claim_preupload(session, settings, user_id, file, path, batch)
        except ApiError:  # the path now leads out of the home (a symlink appeared)
            file.checking_reason = CheckingReason.MISSING
        if (file.status, file.checking_reason) != before:
            file.updated_at = utcnow()


def refresh_pending(database: Database, settings: Settings, user_id: int) -> None:
    """Pick up what a missed notification or a restart left ``Checking``."""
    with database.session() as session:
        pending = session.execute(
            select(DataFile.id, DataFile.checking_reason, DataFile.preupload_path)
            .join(Dataset)
            .where(Dataset.user_id == user_id, DataFile.status == FileStatus.CHECKING)
        ).all()
    if not pending:
        return
    for file_id, reason, path in pending:
        if reason == CheckingReason.HASHING and path is None:
            schedule_hash(database, settings, file_id)
    if any(path is not None for _id, _reason, path in pending):
        batch = ArchiveBatch()
        with LOCK, batch.guard(), database.session() as session:
            _settle(session, settings, user_id, _waiting_files(session, user_id), batch)
        batch.after_commit(database, settings)


# --- background hashing -------------------------------------------------------

_active: set[int] = set()
_active_lock = threading.Lock()
_hash_slots = threading.BoundedSemaphore(2)


def md5_of(path: Path) -> tuple[str, int]:
    digest = hashlib.md5(usedforsecurity=False)
    buffer = bytearray(HASH_CHUNK)
    view = memoryview(buffer)
    size = 0
    with path.open("rb", buffering=0) as stream:
        while count := stream.readinto(buffer):
            digest.update(view[:count])
            size += count
    return digest.hexdigest(), size


def is_hashing(file_id: int) -> bool:
    with _active_lock:
        return file_id in _active


def schedule_hash(
    database: Database, settings: Settings, file_id: int, md5: str | None = None
) -> None:
    """Hash an archived copy, or upload a staged one, in a daemon thread (two at once).

    ``md5`` is the staged file's MD5 when already known (object store only).
    """
    with _active_lock:
        if file_id in _active:
            return
        _active.add(file_id)
    local = is_local(store_of(settings))
    job = _hash_job if local else _store_job
    arguments = (database, settings, file_id) if local else (database, settings, file_id, md5)
    thread = threading.Thread(target=job, args=arguments, name=f"md5-{file_id}", daemon=True)
    thread.start()


def _still_waiting(session: Session, file_id: int, *stored_name: str | None) -> DataFile | None:
    """The file, if it still waits for this job: still hashing, and (given the stored
    name the job read) not replaced meanwhile by another upload under a new name."""
    file = session.get(DataFile, file_id)
    if file is None or file.checking_reason != CheckingReason.HASHING:
        return None
    if stored_name and file.stored_name != stored_name[0]:
        return None
    return file


def _store_job(database: Database, settings: Settings, file_id: int, md5: str | None) -> None:
    """Upload a staged file to the object store, then settle its status from what it holds."""
    try:
        with _hash_slots:
            with database.session() as session:
                file = _still_waiting(session, file_id)
                if file is None:
                    return
                key, staged, stored_name = (
                    archive_key(file),
                    staging_path(settings, file),
                    file.stored_name,
                )
            store = store_of(settings)
            info: ObjectInfo | None
            try:
                if staged.is_file():
                    info = store.put_file(key, staged, md5)
                else:  # stored before a restart, or by another node
                    info = store.stat(key)
            except Exception:  # unreachable store, refused part, changed file…
                log.exception("storing %s failed; tried again on the next look", key)
                return
            with LOCK, database.session() as session:
                file = _still_waiting(session, file_id, stored_name)
                if file is None:
                    return
                if info is None or info.md5 is None:
                    log.error("file %s is neither staged nor in the store", file_id)
                    file.checking_reason = CheckingReason.MISSING
                    return
                file.md5_computed = info.md5
                file.size = info.size
                verify(file)
                file.updated_at = utcnow()
            staged.unlink(missing_ok=True)
    except Exception:
        log.exception("storing data file %s failed", file_id)
    finally:
        with _active_lock:
            _active.discard(file_id)


def _hash_job(database: Database, settings: Settings, file_id: int) -> None:
    try:
        with _hash_slots:
            with database.session() as session:
                file = _still_waiting(session, file_id)
                if file is None:
                    return
                path = archive_path(settings, file)
                stored_name = file.stored_name
            try:
                digest, size = md5_of(path)
            except FileNotFoundError:
                log.error("archived copy %s of file %s is missing", path, file_id)
                digest, size = None, 0
            with LOCK, database.session() as session:
                file = _still_waiting(session, file_id, stored_name)
                if file is None:
                    return
                if digest is None:
                    file.checking_reason = CheckingReason.MISSING
                    return
                file.md5_computed = digest
                file.size = size
                verify(file)
                file.updated_at = utcnow()
    except Exception:
        log.exception("hashing data file %s failed", file_id)
    finally:
        with _active_lock:
            _active.discard(file_id)
