"""Which byte ranges of a segmented download are on disk: ``<name>.part.json``.

A segmented download writes its ranges out of order into a preallocated
``.part``, so the part's length no longer says what has arrived. This
journal does: the file's size, its ETag (so a file changed on the server is
noticed by ``If-Range`` and fetched again from scratch) and the merged list
of ranges written. It is replaced atomically (temporary file, fsync, rename)
so a kill -9 or a power cut leaves either the old or the new journal, never
a torn one; the data it names is fsynced before it is saved, so it never
claims bytes the disk may not have.

Also here, the rest of the part's life on disk: reserving its full size at
once, and the MD5 read back in one sequential pass behind the ranges.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omix_desktop.transfer.http_download import DownloadError
from omix_wire.positional_io import allocate, open_fd, pread

VERSION = 1
HASH_BLOCK = 4 * 1024 * 1024
Interval = tuple[int, int]
"""``[start, end)`` in bytes."""


def add(done: list[Interval], start: int, end: int) -> None:
    """Merge ``[start, end)`` into the sorted, disjoint list ``done`` (in place)."""
    if end <= start:
        return
    merged: list[Interval] = []
    for a, b in sorted([*done, (start, end)]):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    done[:] = merged


def missing(done: list[Interval], size: int) -> list[Interval]:
    """The ranges of ``[0, size)`` not in ``done``."""
    holes: list[Interval] = []
    at = 0
    for a, b in done:
        if a > at:
            holes.append((at, min(a, size)))
        at = max(at, b)
    if at < size:
        holes.append((at, size))
    return [(a, b) for a, b in holes if b > a]


def prefix(done: list[Interval]) -> int:
    """How many bytes from 0 are contiguous on disk (what the MD5 can read so far)."""
    return done[0][1] if done and done[0][0] == 0 else 0


def total(done: list[Interval]) -> int:
    return sum(b - a for a, b in done)


@dataclass
class Journal:
    """What a segmented download knows about its ``.part``."""

    path: Path
    url: str
    size: int
    etag: str | None = None
    validator: str | None = None
    """What ``If-Range`` sends: the ETag, else the ``Last-Modified`` date."""
    done: list[Interval] = field(default_factory=list)

    @staticmethod
    def path_for(part: Path) -> Path:
        return part.with_name(part.name + ".json")

    @classmethod
    def load(cls, part: Path) -> Journal | None:
        """The journal beside ``part``; ``None`` when absent or unreadable (start again)."""
        path = cls.path_for(part)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION:
                return None
            journal = cls(
                path=path,
                url=str(data["url"]),
                size=int(data["size"]),
                etag=data.get("etag"),
                validator=data.get("validator"),
            )
            for start, end in data["done"]:
                add(journal.done, max(0, int(start)), min(journal.size, int(end)))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return journal

    def save(self, done: list[Interval] | None = None) -> None:
        """Write the journal (``done``: a snapshot taken under the caller's lock)."""
        body = {
            "version": VERSION,
            "url": self.url,
            "size": self.size,
            "etag": self.etag,
            "validator": self.validator,
            "done": [list(interval) for interval in (self.done if done is None else done)],
        }
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(body, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
        self.path.with_name(self.path.name + ".tmp").unlink(missing_ok=True)


class TrailingMd5:
    """The MD5 of the part, read in one sequential pass that trails the ranges on disk.

    Ranges arrive out of order, so the hash follows the contiguous part from
    byte 0 (:func:`prefix`) as it grows: when the last range lands only a
    few MiB are left to read, mostly from the page cache. After a resume it
    first reads what is already there (an MD5 state cannot be saved).
    """

    def __init__(
        self, part: Path, journal: Journal, cond: threading.Condition, halt: threading.Event
    ) -> None:
        self.part = part
        self.journal = journal
        self.cond = cond
        """Held while ``journal.done`` changes; notified when it grows."""
        self.halt = halt
        """Set when the download stops; the hash then stops unless everything is in."""
        self.digest: Any = hashlib.md5(usedforsecurity=False)
        self.hashed = 0
        self.error: OSError | None = None
        self.thread = threading.Thread(target=self._run, name="download-md5", daemon=True)
        self.thread.start()

    def result(self, kept: int) -> str:
        """Wait for the end of the pass; the hex MD5 (meaningful only if all is in)."""
        self.thread.join()
        if self.error is not None:
            raise disk_error(self.error, kept)
        return str(self.digest.hexdigest())

    def _run(self) -> None:
        try:
            reader = open_fd(self.part, os.O_RDONLY)  # binary on Windows
        except OSError as error:
            self.error = error
            return
        size = self.journal.size
        try:
            while self.hashed < size:
                with self.cond:
                    while prefix(self.journal.done) <= self.hashed:
                        if self.halt.is_set() and missing(self.journal.done, size):
                            return
                        self.cond.wait(0.5)
                    upto = prefix(self.journal.done)
                while self.hashed < upto:
                    data = pread(reader, min(HASH_BLOCK, upto - self.hashed), self.hashed)
                    if not data:
                        raise OSError(errno.EIO, "the part is shorter than its journal")
                    self.digest.update(data)
                    self.hashed += len(data)
        except OSError as error:
            self.error = error
        finally:
            os.close(reader)


def preallocate(part: Path, size: int) -> None:
    """Reserve the whole file now: a full disk shows at once, not after an hour."""
    fd = open_fd(part, os.O_RDWR | os.O_CREAT)
    try:
        allocate(fd, size)  # posix_fallocate, or only the size where there is none (Windows)
    finally:
        os.close(fd)


def disk_error(error: OSError, kept: int) -> Exception:
    """A local disk error as the :class:`DownloadError` a person can act on, else itself."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return DownloadError("disk_full", str(error), kept=kept)
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DownloadError("permission_denied", str(error))
    return error
