"""A user's pre-upload area (their FTP home) as the HTTP side sees it.

The folder on disk is the source of truth for what exists; the
``PreuploadFile`` rows written by the FTP server add what only it knows (the
MD5 computed while receiving, whether an upload is still running). Every
path from a client goes through :func:`resolve`, which keeps it inside the
user's own folder: no ``..``, no absolute paths, no NUL, no symlinks.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from omix_wire.naming import MAX_NAME_LENGTH, NameVerdict, check_name, check_path
from server_stub.config import Settings
from server_stub.errors import ApiError
from server_stub.models import DataFile, Dataset, FileStatus, PreuploadFile, UploadState
from server_stub.preupload.records import PreuploadRecords

log = logging.getLogger(__name__)

MAX_PATH_LENGTH = 1024


def user_home(settings: Settings, user_id: int) -> Path:
    """The user's FTP home: ``<data>/preupload/<user id>/``."""
    return settings.preupload_root / str(user_id)


def invalid_path(message: str, field: str | None = "path", **params: object) -> ApiError:
    return ApiError(400, "invalid_path", message, field, **params)


def clean_relative(path: str, field: str | None = "path") -> str:
    """A client's path, checked for tricks and returned in canonical POSIX form."""
    if not path:
        raise invalid_path("The path is empty.", field)
    if "\x00" in path:
        raise invalid_path("The path contains a NUL character.", field)
    if _utf8_length(path) > MAX_PATH_LENGTH:
        raise invalid_path(f"The path is longer than {MAX_PATH_LENGTH} bytes.", field)
    if path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":"):
        raise invalid_path(
            "Give the path relative to your pre-upload folder, as listed "
            "(for example 'run1/sample.fq.gz'), not an absolute path.",
            field,
        )
    parts = path.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise invalid_path(
                f"The path '{path}' contains an empty, '.' or '..' component; "
                "paths must stay inside your pre-upload folder.",
                field,
            )
        if _utf8_length(part) > MAX_NAME_LENGTH:
            raise _name_too_long(part, field)
    return "/".join(parts)


def _utf8_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _name_too_long(part: str, field: str | None) -> ApiError:
    """A component no file system holds (over 255 bytes): refused before any lookup.

    The operating system answers such a lookup with ENAMETOOLONG, which used to
    end the request in a 500. Such a file cannot exist, so it is the naming
    rule's refusal (``too_long``, or the character that makes it longer in
    bytes than in characters), not "not found".
    """
    verdict = check_name(part)
    return ApiError(
        422,
        "invalid_name",
        f"The path is not accepted: {verdict.describe()}. A file or folder name has at "
        f"most {MAX_NAME_LENGTH} bytes; rename it and upload it again.",
        field,
        problem=str(verdict.problem or "too_long"),
        component=part,
        character=verdict.character,
    )


def resolve(settings: Settings, user_id: int, path: str, field: str | None = "path") -> Path:
    """The absolute location of ``path`` inside the user's home, never outside it."""
    relative = clean_relative(path, field)
    home = user_home(settings, user_id)
    current = home
    for part in relative.split("/"):
        current = current / part
        if current.is_symlink():
            raise invalid_path(f"'{relative}' goes through a symbolic link.", field)
    real_home = os.path.realpath(home)
    real = os.path.realpath(current)
    if not real.startswith(real_home + os.sep):
        raise invalid_path(f"'{relative}' is outside your pre-upload folder.", field)
    return current


@dataclass(frozen=True, slots=True)
class Entry:
    """One regular file of the pre-upload area."""

    path: str
    size: int
    modified: datetime
    md5: str | None
    state: str
    verdict: NameVerdict
    selected_by: str | None
    interruption: str | None = None
    """Why an ``incomplete`` upload stopped (``models.Interruption``)."""

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def walk(home: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Regular files under ``home`` as (relative POSIX path, stat); symlinks skipped."""
    if not home.is_dir() or home.is_symlink():
        return
    stack: list[tuple[Path, str]] = [(home, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as error:
            log.warning("cannot list %s: %s", folder, error)
            continue
        for entry in entries:
            relative = f"{prefix}{entry.name}"
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                stack.append((Path(entry.path), relative + "/"))
            elif stat.S_ISREG(info.st_mode):
                yield relative, info


def listing(
    session: Session, records: PreuploadRecords, settings: Settings, user_id: int
) -> list[Entry]:
    """The user's pre-upload files, sorted by path (the rows reconciled with the disk first)."""
    records.scan_home(user_id)
    rows = {
        row.path: row
        for row in session.scalars(select(PreuploadFile).where(PreuploadFile.user_id == user_id))
    }
    waiting = {
        path: file_id
        for path, file_id in session.execute(
            select(DataFile.preupload_path, DataFile.file_id)
            .join(Dataset)
            .where(
                Dataset.user_id == user_id,
                DataFile.preupload_path.is_not(None),
                DataFile.status == FileStatus.CHECKING,
            )
        ).tuples()
    }
    entries = []
    for relative, info in walk(user_home(settings, user_id)):
        row = rows.get(relative)
        md5 = None
        state = UploadState.COMPLETE.value
        interruption = None
        if row is not None:
            state = row.state
            if row.state == UploadState.COMPLETE and row.size == info.st_size:
                md5 = row.md5
            if row.state == UploadState.INCOMPLETE:
                interruption = row.interruption
        entries.append(
            Entry(
                path=relative,
                size=info.st_size,
                modified=datetime.fromtimestamp(info.st_mtime, UTC),
                md5=md5,
                state=state,
                verdict=check_path(relative),
                selected_by=waiting.get(relative),
                interruption=interruption,
            )
        )
    entries.sort(key=lambda entry: entry.path)
    return entries


def upload_row(session: Session, user_id: int, path: str) -> PreuploadFile | None:
    return session.scalar(
        select(PreuploadFile).where(PreuploadFile.user_id == user_id, PreuploadFile.path == path)
    )


def not_found(path: str, field: str | None = "path") -> ApiError:
    return ApiError(
        404,
        "preupload_file_not_found",
        f"No file '{path}' in your pre-upload area. Upload it first (FTP), "
        "then select it from the list.",
        field,
        path=path,
    )


def delete_file(
    session: Session, settings: Settings, records: PreuploadRecords, user_id: int, path: str
) -> str:
    """Remove one pre-uploaded file and its row; returns the canonical path."""
    relative = clean_relative(path)
    target = resolve(settings, user_id, relative)
    try:
        info = target.lstat()
    except FileNotFoundError:
        raise not_found(relative) from None
    if not stat.S_ISREG(info.st_mode):
        raise not_found(relative)
    row = upload_row(session, user_id, relative)
    if records.is_uploading(user_id, relative):
        raise ApiError(
            409,
            "upload_in_progress",
            f"'{relative}' is still being uploaded; wait for the upload to end or cancel it.",
            "path",
            path=relative,
        )
    target.unlink()
    if row is not None:
        session.delete(row)
    return relative
