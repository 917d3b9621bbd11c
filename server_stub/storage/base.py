"""The one interface behind which the archive and the public tree are kept.

Keys are relative POSIX paths, the same for every store: ``archive/<acc>/<stored
name>`` for verified files and ``public/OMIX/<acc>/<public name>`` (with its
``.md5`` companion) for released ones. The local store maps a key to
``<data dir>/<key>``, so its layout on disk is today's; the object store
prefixes it (``s3://bucket/prefix`` → object ``prefix/<key>``).

Why one small interface: archiving, release, HTTPS downloads and the public
FTP tree only need these few verbs, and keeping them few keeps both
implementations honest and testable against one contract
(``tests/server/test_storage.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

ARCHIVE = "archive"
PUBLIC = "public"
TOP_LEVELS = (ARCHIVE, PUBLIC)
"""The only first parts a key may have: the store never holds anything else."""


class StoreError(OSError):
    """The store refused or lost something (wrong checksum, unreachable, denied)."""


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """What the store says about one object (or one folder, for listings)."""

    key: str
    size: int
    modified: float
    """Seconds since the epoch (mtime, or the object's Last-Modified)."""
    md5: str | None = None
    """The whole-file MD5 the store keeps (object metadata); ``None`` if it keeps none."""
    folder: bool = False

    @property
    def name(self) -> str:
        return PurePosixPath(self.key).name


def check_key(key: str) -> str:
    """A key in canonical form, or ``ValueError`` saying what is wrong with it."""
    if not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise ValueError(f"store key {key!r} must be a relative POSIX path")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"store key {key!r} has an empty, '.' or '..' part")
    if parts[0] not in TOP_LEVELS:
        raise ValueError(f"store key {key!r} must start with one of {', '.join(TOP_LEVELS)}")
    return key


@dataclass(frozen=True, slots=True)
class S3Location:
    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """``s3://bucket/prefix`` (prefix optional), or ``ValueError`` saying what is wrong."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"expected s3://bucket/prefix, got {url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"{url!r}: an s3:// address takes no ?query or #fragment")
        prefix = parts.path.strip("/")
        if any(part in ("", ".", "..") for part in prefix.split("/")) and prefix:
            raise ValueError(f"{url!r}: the prefix has an empty, '.' or '..' part")
        return cls(parts.netloc, prefix)


class RangeReader(Protocol):
    """Bytes of one object from an offset; ``read`` returns ``b""`` at the end."""

    def read(self, size: int) -> bytes: ...

    def close(self) -> None: ...


@runtime_checkable
class Store(Protocol):
    """Verified files by key: the archive and the public release tree."""

    url: str
    """How the store was named (``file:///…`` or ``s3://bucket/prefix``), for logs."""

    def local_path(self, key: str) -> Path | None:
        """The file on this machine's disk holding ``key`` (local store), else ``None``."""
        ...

    def put_file(self, key: str, source: Path, md5: str | None = None) -> ObjectInfo:
        """Store ``source`` under ``key`` and check the store holds it whole.

        ``md5`` is the file's MD5 when already known (computed while it was
        received); the answer carries the MD5 and size the store now holds. The
        local store moves the file (``os.replace``: instant); the object store
        uploads it (multipart when large, each part checked by the store with its
        Content-MD5, the whole-file MD5 kept as metadata and compared after) and
        leaves ``source`` for the caller to remove.
        """
        ...

    def put_bytes(self, key: str, data: bytes) -> None:
        """A small object (an ``.md5`` companion), replaced in one step."""
        ...

    def open_range(self, key: str, start: int = 0, length: int | None = None) -> RangeReader:
        """Read ``length`` bytes (to the end when ``None``) from ``start``."""
        ...

    def read_bytes(self, key: str) -> bytes:
        """A small object whole (``FileNotFoundError`` when absent)."""
        ...

    def stat(self, key: str) -> ObjectInfo | None:
        """The object's size, date and kept MD5, or ``None`` when absent."""
        ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> list[ObjectInfo]:
        """The objects and sub-folders directly under ``prefix`` (a folder key), by name."""
        ...

    def walk(self, prefix: str) -> Iterator[ObjectInfo]:
        """Every object under ``prefix``, at any depth."""
        ...

    def copy(self, source: str, target: str) -> None:
        """``target`` holds what ``source`` holds, without a second upload.

        Local: a hard link (a copy only across filesystems); object store: a
        server-side copy, metadata included.
        """
        ...

    def delete(self, key: str) -> None:
        """Remove one object; absent is fine."""
        ...
