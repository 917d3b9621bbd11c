"""Downloading a released file over HTTPS: resumable, MD5-checked, never half-visible.

The file grows as ``<name>.part`` beside its destination and is renamed only
once complete and matching the archive's MD5, so a folder never shows a
truncated file under its real name. After a cut connection the download goes
on from the bytes already received (an HTTP range request); after a restart
of the app the ``.part`` is read once to rebuild the MD5 state and the
download continues from its end. A server that ignores the range (answers
200) makes it start again from zero, correctly.

Blocking (requests): run it in a worker thread.
"""

from __future__ import annotations

import errno
import hashlib
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from omix_wire.paths import os_path

BLOCK = 1024 * 1024
Progress = Callable[[int, int], None]
"""Called with (bytes on disk, total bytes; 0 while unknown)."""


class DownloadError(Exception):
    """A failure a person can act on: ``code`` says which (see :data:`CODES`)."""

    CODES = (
        "not_approved", "not_found", "disk_full", "permission_denied", "md5_mismatch",
        "connection", "server_error", "cancelled",
    )  # fmt: skip

    def __init__(self, code: str, detail: str = "", **params: Any) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.params = params


@dataclass
class Download:
    """One file to fetch. ``received`` counts bytes that came over the network."""

    url: str
    destination: Path
    expected_md5: str | None = None
    size: int | None = None
    received: int = field(default=0, init=False)

    @property
    def part(self) -> Path:
        """``<name>.part`` beside the destination, in the form that opens it (``\\\\?\\``
        for a long Windows path, so everything opened from it is too)."""
        return Path(os_path(self.destination.with_name(self.destination.name + ".part")))


def fetch(
    http: requests.Session,
    job: Download,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    retries: int = 5,
    timeout: tuple[float, float] = (10.0, 60.0),
) -> str:
    """Download ``job`` (resuming its ``.part``); returns the MD5 of the complete file."""
    state = _resume_state(job.part)
    failures = 0
    while True:
        try:
            _attempt(http, job, state, progress, cancel, timeout)
            break
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as error:
            failures += 1
            if failures > retries:
                raise DownloadError("connection", str(error)) from error
            delay = min(30.0, 0.5 * 2 ** (failures - 1)) * (0.5 + random.random())
            if cancel is not None and cancel.wait(delay):
                raise DownloadError("cancelled") from None
            if cancel is None:
                time.sleep(delay)
    md5: str = state.digest.hexdigest()
    if job.expected_md5 and md5 != job.expected_md5.lower():
        job.part.unlink(missing_ok=True)
        raise DownloadError("md5_mismatch", expected=job.expected_md5, got=md5)
    os.replace(job.part, os_path(job.destination))
    return md5


@dataclass
class _State:
    """What is on disk: its MD5 so far and its length (updated block by block, so a
    failure in the middle of an attempt leaves both describing the same bytes)."""

    digest: Any = field(default_factory=hashlib.md5)
    offset: int = 0


def _resume_state(part: Path) -> _State:
    state = _State()
    try:
        with open(part, "rb") as handle:
            while block := handle.read(BLOCK):
                state.digest.update(block)
                state.offset += len(block)
    except FileNotFoundError:
        pass
    return state


def _attempt(
    http: requests.Session,
    job: Download,
    state: _State,
    progress: Progress | None,
    cancel: threading.Event | None,
    timeout: tuple[float, float],
) -> None:
    headers = {"Range": f"bytes={state.offset}-"} if state.offset else {}
    with http.get(job.url, headers=headers, stream=True, timeout=timeout) as response:
        if response.status_code == 416 and state.offset:  # we already have every byte
            return
        _raise_for(response)
        if state.offset and response.status_code != 206:
            state.digest, state.offset = hashlib.md5(), 0  # the whole file comes again
        total = _total(response, state.offset) or job.size or 0
        try:
            with open(job.part, "ab" if state.offset else "wb") as handle:
                handle.truncate(state.offset)
                for block in response.iter_content(BLOCK):
                    if cancel is not None and cancel.is_set():
                        raise DownloadError("cancelled")
                    written = handle.write(block)
                    handle.flush()
                    state.digest.update(block[:written])
                    state.offset += written
                    job.received += written
                    if progress is not None:
                        progress(state.offset, total)
                os.fsync(handle.fileno())
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                if job.part.exists():  # drop a block the disk took only in part
                    os.truncate(job.part, state.offset)
                raise DownloadError("disk_full", str(error), kept=state.offset) from error
            if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise DownloadError("permission_denied", str(error)) from error
            raise
        if total and state.offset < total:
            raise requests.ConnectionError(f"ended at {state.offset} of {total} bytes")


def _raise_for(response: requests.Response) -> None:
    if response.status_code in (401, 403):
        raise DownloadError("not_approved", response.text[:200])
    if response.status_code == 404:
        raise DownloadError("not_found", response.text[:200])
    if response.status_code >= 500:
        raise requests.ConnectionError(f"server error {response.status_code}")
    if response.status_code >= 400:
        raise DownloadError("server_error", f"{response.status_code} {response.text[:200]}")


def _total(response: requests.Response, offset: int) -> int:
    """The whole file's size from Content-Range (206) or Content-Length (200)."""
    content_range = response.headers.get("Content-Range", "")
    if "/" in content_range:
        tail = content_range.rsplit("/", 1)[1]
        return int(tail) if tail.isdigit() else 0
    length = response.headers.get("Content-Length")
    return int(length) + (offset if response.status_code == 206 else 0) if length else 0
