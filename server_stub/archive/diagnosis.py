"""Why a data file is still ``Checking``, in words, and how far its upload got.

The guide asks that a dataset stuck in ``Checking`` be diagnosable: the file
is missing, still uploading, or its name is invalid. The reason itself is set
by :mod:`server_stub.archive.archiving`; this module only explains it (in
English, for logs and scripts; the app translates the reason code) and reads
how many bytes of a pre-upload file have arrived so far.
"""

from __future__ import annotations

from datetime import UTC, datetime

from omix_wire.files import check_size
from server_stub.archive.archiving import CheckingReason
from server_stub.config import Settings
from server_stub.errors import ApiError
from server_stub.models import DataFile, FileStatus
from server_stub.preupload import area as preupload


def checking_message(file: DataFile) -> str | None:
    """English explanation of a ``Checking`` file, for logs and scripts."""
    if file.status != FileStatus.CHECKING:
        return None
    path = file.preupload_path or file.original_name
    match file.checking_reason:
        case CheckingReason.STILL_UPLOADING:
            return (
                f"'{path}' is still being uploaded to your pre-upload area. It is "
                "verified as soon as the upload ends; if your transfer stopped, resume it."
            )
        case CheckingReason.UPLOAD_INCOMPLETE:
            return (
                f"The upload of '{path}' stopped before the end (the server's disk was full "
                "or the connection was lost). Resume the upload; the file is verified as "
                "soon as it is complete."
            )
        case CheckingReason.MISSING:
            return (
                f"'{path}' is no longer in your pre-upload area (deleted or renamed before "
                "it was archived). Upload it again to the same path, or delete this file "
                "and add the file again."
            )
        case CheckingReason.EMPTY_FILE:
            return (
                check_size(0).describe(f"'{path}'")
                + " Upload it to the same path of your pre-upload area: it is verified as "
                "soon as the upload ends."
            )
        case CheckingReason.INVALID_NAME:
            return (
                f"'{path}' has a space or a special character in its name or folder; "
                "rename it, upload it again and select it again."
            )
        case _:
            return "The server is computing this file's MD5; the time grows with the file size."


def last_received(settings: Settings, user_id: int, path: str) -> tuple[int, datetime] | None:
    """Bytes of a pre-upload file on disk so far and when it last grew."""
    try:
        info = preupload.resolve(settings, user_id, path).lstat()
    except (OSError, ApiError):
        return None
    return info.st_size, datetime.fromtimestamp(info.st_mtime, UTC)
