"""The local store: today's folders under the data folder, the default.

``archive/…`` and ``public/…`` keys are the files ``<data dir>/archive/…`` and
``<data dir>/public/…``, exactly where the server kept them before the store
interface existed. Putting a file moves it (``os.replace``: instant on one
filesystem, whatever the size), copying hard-links it (``os.link``), so a
release never makes a second copy of a large file.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from omix_wire.positional_io import open_fd, pread
from server_stub.storage.base import ObjectInfo, StoreError, check_key

HASH_CHUNK = 1024 * 1024
_NO_LINK = (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK)


def md5_of_file(path: Path) -> str:
    """The file's MD5, read in large blocks (memory stays flat)."""
    digest = hashlib.md5(usedforsecurity=False)
    buffer = bytearray(HASH_CHUNK)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as stream:
        while count := stream.readinto(buffer):
            digest.update(view[:count])
    return digest.hexdigest()


class _FileRange:
    """A byte range of a local file, read with ``pread`` (no shared offset; Windows too)."""

    def __init__(self, path: Path, start: int, length: int | None) -> None:
        self.descriptor = open_fd(path, os.O_RDONLY)
        self.offset = start
        self.remaining = length

    def read(self, size: int) -> bytes:
        if self.remaining is not None:
            size = min(size, self.remaining)
            if size <= 0:
                return b""
        data = pread(self.descriptor, size, self.offset)
        self.offset += len(data)
        if self.remaining is not None:
            self.remaining -= len(data)
        return data

    def close(self) -> None:
        if self.descriptor >= 0:
            os.close(self.descriptor)
            self.descriptor = -1


class LocalStore:
    """Keys as files under one folder (the server's data folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = root.resolve().as_uri()

    def local_path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _info(self, key: str, path: Path) -> ObjectInfo | None:
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        folder = not path.is_file()
        return ObjectInfo(key, 0 if folder else stat.st_size, stat.st_mtime, folder=folder)

    def put_file(self, key: str, source: Path, md5: str | None = None) -> ObjectInfo:
        target = self.local_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, target)
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
            shutil.move(source, target)
        info = self._info(key, target)
        if info is None:
            raise StoreError(f"{key} vanished right after it was stored")
        return ObjectInfo(key, info.size, info.modified, md5 or md5_of_file(target))

    def put_bytes(self, key: str, data: bytes) -> None:
        target = self.local_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)

    def open_range(self, key: str, start: int = 0, length: int | None = None) -> _FileRange:
        return _FileRange(self.local_path(key), start, length)

    def read_bytes(self, key: str) -> bytes:
        return self.local_path(key).read_bytes()

    def stat(self, key: str) -> ObjectInfo | None:
        return self._info(key, self.local_path(key))

    def exists(self, key: str) -> bool:
        return self.local_path(key).is_file()

    def list(self, prefix: str) -> list[ObjectInfo]:
        folder = self.local_path(prefix.rstrip("/"))
        found = []
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):
            return []
        for entry in entries:
            if entry.is_symlink():
                continue
            info = self._info(f"{prefix.rstrip('/')}/{entry.name}", Path(entry.path))
            if info is not None:
                found.append(info)
        return found

    def walk(self, prefix: str) -> Iterator[ObjectInfo]:
        for info in self.list(prefix):
            if info.folder:
                yield from self.walk(info.key)
            else:
                yield info

    def copy(self, source: str, target: str) -> None:
        source_path, target_path = self.local_path(source), self.local_path(target)
        if not source_path.is_file():
            raise StoreError(f"{source} is not in the store")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        if target_path.exists():
            if os.path.samefile(source_path, target_path):
                return
            target_path.unlink()
        try:
            os.link(source_path, target_path)
            return
        except OSError as error:
            if error.errno not in _NO_LINK:
                raise
        temporary = target_path.with_name(f".{target_path.name}.copy")
        shutil.copyfile(source_path, temporary)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target_path)

    def delete(self, key: str) -> None:
        self.local_path(key).unlink(missing_ok=True)
