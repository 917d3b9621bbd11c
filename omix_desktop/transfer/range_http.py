"""The HTTP side of one byte range: what an answer means for a segmented download.

Each worker of :mod:`.segmented_download` has its own session (sessions are
not meant to be shared between threads), and reads every answer the same
way: a ``206`` of the range asked is data; ``200`` to ``If-Range`` or another
size means the file changed on the server (start again, never mix two
versions); ``429``/``503`` means fewer connections; the rest is an error
:func:`.http_download._raise_for` already names.
"""

from __future__ import annotations

import random
import re

import requests

from omix_desktop.transfer.http_download import DownloadError, _raise_for

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+)\s*$", re.IGNORECASE)
NETWORK = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
"""Failures a retry of the same range mends."""


class Changed(Exception):
    """The server's file is not the journalled one (If-Range answered 200, other size)."""


class NoRanges(Exception):
    """The server ignores ranges: one stream it is."""


class Busy(Exception):
    """``429``/``503``: fewer connections, and wait a little."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"busy, retry after {delay:.1f} s")
        self.delay = delay


def clone_session(base: requests.Session) -> requests.Session:
    """A session of one worker with the caller's headers (bearer token), TLS and proxies.

    Sessions are not meant to be shared between threads; each connection
    gets its own, with its own keep-alive connection.
    """
    session = requests.Session()
    session.headers.clear()
    session.headers.update(base.headers)
    session.auth = base.auth
    session.verify = base.verify
    session.cert = base.cert
    session.trust_env = base.trust_env
    session.proxies.update(base.proxies)
    session.cookies.update(base.cookies)
    return session


def check_range(response: requests.Response, start: int, size: int) -> None:
    """Raise unless ``response`` is the ``206`` of the range from ``start`` of this file."""
    status = response.status_code
    if status in (429, 503):
        after = response.headers.get("Retry-After", "")
        raise Busy(min(30.0, float(after)) if after.isdigit() else backoff(1))
    if status in (200, 416):  # If-Range did not match, or the file is shorter now
        raise Changed
    _raise_for(response)
    got = content_range(response)
    if status != 206 or got is None:
        raise DownloadError("server_error", f"{status} without a Content-Range")
    if got[0] != start or got[2] != size:
        raise Changed


def content_range(response: requests.Response) -> tuple[int, int, int] | None:
    """``(first, last, size)`` of a ``Content-Range: bytes a-b/size``; ``None`` otherwise."""
    match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
    if match is None:
        return None
    start, end, size = (int(group) for group in match.groups())
    return start, end, size


def backoff(failures: int) -> float:
    """Seconds before retry ``failures``: doubling, capped, jittered so workers spread."""
    return float(min(30.0, 0.5 * 2.0 ** (failures - 1)) * (0.5 + random.random()))
