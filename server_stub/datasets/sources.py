"""Where a dataset's files come from: a pre-uploaded file (FTP) or an online upload (HTTP).

:func:`resolve_sources` checks every file a request names and says, per file,
what is wrong (someone else's upload, a name already taken, a file still
being received).
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from omix_wire.naming import check_path
from server_stub.archive import online_uploads
from server_stub.config import Settings
from server_stub.datasets.validation import Problems
from server_stub.errors import ApiError
from server_stub.models import (
    DataFile,
    Dataset,
    FileSource,
    FileStatus,
    OnlineUpload,
    UploadState,
    User,
)
from server_stub.preupload import area as preupload


class SourceSpec(Protocol):
    """Where one file comes from, as a request gives it (read only)."""

    @property
    def source(self) -> str: ...
    @property
    def path(self) -> str | None: ...
    @property
    def upload(self) -> str | None: ...


class FileSpec(SourceSpec, Protocol):
    """One file of a request: its source and its description."""

    @property
    def title(self) -> str: ...
    @property
    def samples(self) -> int: ...
    @property
    def md5(self) -> str: ...
    @property
    def data_type(self) -> str: ...


@dataclass
class ResolvedSource:
    kind: FileSource
    name: str
    path: str | None = None
    upload: OnlineUpload | None = None


# --- where files come from ----------------------------------------------------


def _waiting_paths(session: Session, user: User) -> dict[str, str]:
    rows = session.execute(
        select(DataFile.preupload_path, DataFile.file_id)
        .join(Dataset)
        .where(
            Dataset.user_id == user.id,
            DataFile.preupload_path.is_not(None),
            DataFile.status == FileStatus.CHECKING,
        )
    ).tuples()
    return {path: file_id for path, file_id in rows if path is not None}


def resolve_sources(
    session: Session,
    settings: Settings,
    user: User,
    specs: list[SourceSpec],
    problems: Problems,
    prefix: str = "files",
    ignore_waiting: str | None = None,
) -> list[ResolvedSource | None]:
    """Check every selected file; ``None`` where a problem was recorded."""
    waiting = _waiting_paths(session, user)
    seen_paths: set[str] = set()
    seen_tokens: set[str] = set()
    resolved: list[ResolvedSource | None] = []
    for index, spec in enumerate(specs):
        field = f"{prefix}.{index}" if prefix else ""
        if spec.source == FileSource.FTP:
            resolved.append(
                _resolve_ftp(
                    settings,
                    user,
                    spec.path,
                    f"{field}.path".lstrip("."),
                    problems,
                    seen_paths,
                    waiting,
                    ignore_waiting,
                    session,
                )
            )
        else:
            resolved.append(
                _resolve_http(
                    session,
                    settings,
                    user,
                    spec.upload,
                    f"{field}.upload".lstrip("."),
                    problems,
                    seen_tokens,
                )
            )
    return resolved


def _resolve_ftp(
    settings: Settings,
    user: User,
    path: str | None,
    field: str,
    problems: Problems,
    seen: set[str],
    waiting: dict[str, str],
    ignore_waiting: str | None,
    session: Session,
) -> ResolvedSource | None:
    if not path:
        problems.add(422, "required", "Choose a file from your pre-upload area.", field)
        return None
    try:
        relative = preupload.clean_relative(path, field)
        location = preupload.resolve(settings, user.id, relative, field)
    except ApiError as error:
        problems.add_error(error)
        return None
    verdict = check_path(relative)
    if not verdict.ok:
        problems.add(
            422,
            "invalid_name",
            f"'{relative}' cannot be archived: {verdict.describe()}. Rename it (and its "
            "folders) without spaces or special characters and upload it again.",
            field,
            problem=str(verdict.problem),
            component=verdict.component,
            character=verdict.character,
        )
        return None
    if relative in seen:
        problems.add(422, "duplicate_file", f"'{relative}' is selected twice.", field)
        return None
    seen.add(relative)
    holder = waiting.get(relative)
    if holder is not None and holder != ignore_waiting:
        problems.add(
            409,
            "file_already_selected",
            f"'{relative}' is already selected for {holder}, which waits for it.",
            field,
            file_id=holder,
        )
        return None
    row = preupload.upload_row(session, user.id, relative)
    size = _size(location)
    if size is None and row is None:
        problems.add_error(preupload.not_found(relative, field))
        return None
    arriving = row is not None and row.state == UploadState.UPLOADING
    if size is not None and not arriving and problems.refuse_empty(size, relative, field):
        return None
    return ResolvedSource(FileSource.FTP, relative.rsplit("/", 1)[-1], path=relative)


def _size(location: Path) -> int | None:
    """The size of a regular file, None when there is none (yet) at ``location``."""
    try:
        info = location.lstat()
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _resolve_http(
    session: Session,
    settings: Settings,
    user: User,
    token: str | None,
    field: str,
    problems: Problems,
    seen: set[str],
) -> ResolvedSource | None:
    if not token:
        problems.add(422, "required", "Give the token of your online upload.", field)
        return None
    upload = online_uploads.find_upload(session, user.id, token)
    if upload is None or not online_uploads.upload_path(settings, token).is_file():
        problems.add(
            404,
            "upload_not_found",
            "No such online upload in your account (unused uploads expire after a day): "
            "upload the file again.",
            field,
        )
        return None
    if token in seen:
        problems.add(422, "duplicate_file", "This upload is selected twice.", field)
        return None
    if problems.refuse_empty(upload.size, upload.original_name, field):
        return None
    seen.add(token)
    return ResolvedSource(FileSource.HTTP, upload.original_name, upload=upload)
