"""Why a transfer failed, in codes a person can be told about and acted on.

FileZilla's Failed list shows a reason and offers "requeue"; ours does the
same, but from machine codes (translated by the UI) with parameters, so the
engine never builds user-facing sentences in one language. Every code has a
suggested action and a flag saying whether retrying by itself can help.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import aioftp


class FailureReason(StrEnum):
    """Machine code of a failure; stored in the queue and shown translated."""

    CONNECTION_FAILED = "connection_failed"
    CONNECTION_LOST = "connection_lost"
    TIMEOUT = "timeout"
    LOGIN_FAILED = "login_failed"
    TLS_NOT_SUPPORTED = "tls_not_supported"
    TLS_FAILED = "tls_failed"
    PERMISSION_DENIED = "permission_denied"
    NAME_REFUSED = "name_refused"
    SERVER_DISK_FULL = "server_disk_full"
    SERVER_ERROR = "server_error"
    LOCAL_FILE_MISSING = "local_file_missing"
    LOCAL_READ_ERROR = "local_read_error"
    FILE_CHANGED = "file_changed"
    SIZE_MISMATCH = "size_mismatch"
    MD5_MISMATCH = "md5_mismatch"
    BAD_NAME = "bad_name"
    EMPTY_FILE = "empty_file"
    CANCELLED = "cancelled"


class SuggestedAction(StrEnum):
    """What the user should do; the UI turns it into a button or a hint."""

    RETRY = "retry"
    CHECK_NETWORK = "check_network"
    CHECK_CREDENTIALS = "check_credentials"
    DISABLE_TLS = "disable_tls"
    CHECK_CERTIFICATE = "check_certificate"
    CONTACT_ADMIN = "contact_admin"
    FREE_SERVER_SPACE = "free_server_space"
    RENAME_FILE = "rename_file"
    CHECK_LOCAL_FILE = "check_local_file"
    REQUEUE = "requeue"


_ACTIONS: dict[FailureReason, tuple[SuggestedAction, bool]] = {
    # reason: (suggested action, retrying automatically can help)
    FailureReason.CONNECTION_FAILED: (SuggestedAction.CHECK_NETWORK, True),
    FailureReason.CONNECTION_LOST: (SuggestedAction.RETRY, True),
    FailureReason.TIMEOUT: (SuggestedAction.CHECK_NETWORK, True),
    FailureReason.LOGIN_FAILED: (SuggestedAction.CHECK_CREDENTIALS, False),
    FailureReason.TLS_NOT_SUPPORTED: (SuggestedAction.DISABLE_TLS, False),
    FailureReason.TLS_FAILED: (SuggestedAction.CHECK_CERTIFICATE, False),
    FailureReason.PERMISSION_DENIED: (SuggestedAction.CONTACT_ADMIN, False),
    FailureReason.NAME_REFUSED: (SuggestedAction.RENAME_FILE, False),
    FailureReason.SERVER_DISK_FULL: (SuggestedAction.FREE_SERVER_SPACE, False),
    FailureReason.SERVER_ERROR: (SuggestedAction.RETRY, True),
    FailureReason.LOCAL_FILE_MISSING: (SuggestedAction.CHECK_LOCAL_FILE, False),
    FailureReason.LOCAL_READ_ERROR: (SuggestedAction.CHECK_LOCAL_FILE, False),
    FailureReason.FILE_CHANGED: (SuggestedAction.REQUEUE, False),
    FailureReason.SIZE_MISMATCH: (SuggestedAction.REQUEUE, True),
    FailureReason.MD5_MISMATCH: (SuggestedAction.REQUEUE, False),
    FailureReason.BAD_NAME: (SuggestedAction.RENAME_FILE, False),
    FailureReason.EMPTY_FILE: (SuggestedAction.CHECK_LOCAL_FILE, False),
    FailureReason.CANCELLED: (SuggestedAction.REQUEUE, False),
}


def suggested_action(reason: FailureReason) -> SuggestedAction:
    return _ACTIONS[reason][0]


def describe(reason: FailureReason, params: Mapping[str, Any] | None = None) -> str:
    """English sentence: what happened and what to do (CLI, logs)."""
    p = dict(params or {})
    detail = f" ({p['detail']})" if p.get("detail") else ""
    texts = {
        FailureReason.CONNECTION_FAILED: "Cannot reach the FTP server{detail}. "
        "Check the network and the server address.",
        FailureReason.CONNECTION_LOST: "The connection was cut{detail}. "
        "The upload resumes where it stopped.",
        FailureReason.TIMEOUT: "The server stopped answering{detail}. Check the network.",
        FailureReason.LOGIN_FAILED: "The server refused the login{detail}. "
        "Check the user name and password.",
        FailureReason.TLS_NOT_SUPPORTED: "The server does not support TLS (AUTH SSL/TLS)"
        "{detail}. Turn off encryption for this server or ask its administrator.",
        FailureReason.TLS_FAILED: "The secure connection failed{detail}. "
        "Check the server's certificate.",
        FailureReason.PERMISSION_DENIED: "The server refused to store the file{detail}. "
        "Ask the server administrator.",
        FailureReason.NAME_REFUSED: "The server refused the file or folder name{detail}. "
        "Rename it.",
        FailureReason.SERVER_DISK_FULL: "The server has no space left{detail}. Nothing "
        "was lost: retry when space has been freed.",
        FailureReason.SERVER_ERROR: "The server reported an error{detail}. Retry later.",
        FailureReason.LOCAL_FILE_MISSING: "The local file is gone{detail}.",
        FailureReason.LOCAL_READ_ERROR: "The local file cannot be read{detail}.",
        FailureReason.FILE_CHANGED: "The local file changed during the upload{detail}. "
        "Requeue it once it is final.",
        FailureReason.SIZE_MISMATCH: "The file on the server has the wrong size{detail}.",
        FailureReason.MD5_MISMATCH: "The file on the server does not match the local "
        "file's MD5, even after uploading it again{detail}. Check the local disk, then requeue.",
        FailureReason.BAD_NAME: "The name is not allowed{detail}. Rename it.",
        FailureReason.EMPTY_FILE: "The file is empty.",
        FailureReason.CANCELLED: "Cancelled.",
    }
    return texts[reason].format(detail=detail)


@dataclass(eq=False)
class TransferError(Exception):
    """A classified transfer failure, carried from the FTP layer to the queue."""

    reason: FailureReason
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.reason, self.params)

    @property
    def retryable(self) -> bool:
        """Whether trying again by itself may help (a 5xx reply never does)."""
        return _ACTIONS[self.reason][1] and not self.params.get("permanent")

    @property
    def action(self) -> SuggestedAction:
        return suggested_action(self.reason)

    def __str__(self) -> str:
        return describe(self.reason, self.params)


def status_code(exc: aioftp.StatusCodeError) -> str:
    """The last reply code the server gave, e.g. ``'550'``."""
    codes = exc.received_codes
    return str(codes[-1]) if codes else ""


def _reply_text(exc: aioftp.StatusCodeError) -> str:
    info = exc.info
    if isinstance(info, list | tuple):
        return " ".join(str(line).strip() for line in info).strip()
    return str(info).strip()


def classify_reply(exc: aioftp.StatusCodeError, *, during: str) -> TransferError:
    """Map an unexpected FTP reply to a reason; ``during`` names the command's job."""
    code = status_code(exc)
    params = {"code": code, "detail": f"{code} {_reply_text(exc)}".strip(), "during": during}
    if during == "login" and code in {"530", "331", "332", "500", "501"}:
        return TransferError(FailureReason.LOGIN_FAILED, params)
    if during == "tls":
        return TransferError(FailureReason.TLS_NOT_SUPPORTED, params)
    if code in {"452", "552"}:
        return TransferError(FailureReason.SERVER_DISK_FULL, params)
    if code == "553":
        return TransferError(FailureReason.NAME_REFUSED, params)
    if code in {"530", "532", "550"}:
        return TransferError(FailureReason.PERMISSION_DENIED, params)
    if code in {"421", "425", "426"}:
        return TransferError(FailureReason.CONNECTION_LOST, params)
    if code.startswith("4"):
        return TransferError(FailureReason.SERVER_ERROR, params)
    return TransferError(FailureReason.SERVER_ERROR, {**params, "permanent": True})


def classify(exc: BaseException, *, during: str = "transfer") -> TransferError:
    """Turn any exception from the network or local disk into a TransferError."""
    if isinstance(exc, TransferError):
        return exc
    if isinstance(exc, aioftp.StatusCodeError):
        return classify_reply(exc, during=during)
    detail = f"{type(exc).__name__}: {exc}".rstrip(": ")
    params: dict[str, Any] = {"detail": detail, "during": during}
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return TransferError(FailureReason.TIMEOUT, params)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return TransferError(FailureReason.TLS_FAILED, params)
    if isinstance(exc, ssl.SSLError) and during in {"tls", "connect"}:
        return TransferError(FailureReason.TLS_FAILED, params)
    if isinstance(exc, FileNotFoundError):
        return TransferError(FailureReason.LOCAL_FILE_MISSING, params)
    if during == "connect" and isinstance(exc, OSError | socket.gaierror):
        return TransferError(FailureReason.CONNECTION_FAILED, params)
    if isinstance(
        exc,
        ConnectionError | asyncio.IncompleteReadError | ssl.SSLError | EOFError | OSError,
    ):
        if during == "read":
            return TransferError(FailureReason.LOCAL_READ_ERROR, params)
        return TransferError(FailureReason.CONNECTION_LOST, params)
    return TransferError(FailureReason.SERVER_ERROR, params)
