"""Writing an upload to disk while computing its MD5, off the event loop.

Design (measured on a 2-core machine, see ``benchmarks/bench_ftp_upload.py``):

* the event loop only receives: it reads whole blocks (1 MiB) from the data
  connection and hands each to a worker thread that writes it;
* a second thread per upload, the :class:`TrailingHasher`, reads the file
  back (from the page cache) just behind the writer and feeds MD5. Writing
  and hashing therefore run in parallel, both release the GIL, and memory
  stays at a few blocks whatever the file size;
* after a resume (``REST n`` + ``STOR``, or ``APPE``) the same hasher simply
  starts at byte 0 and catches up through the part already on disk while new
  data keeps arriving, so a 20 GB resume does not stall the client for the
  time it takes to re-hash the first part. When this process still remembers
  the MD5 state at exactly that offset (:class:`ResumeCache`), it starts there
  and the resume costs nothing.

The MD5 always describes exactly the bytes that reached the disk: a block the
disk refused (``ENOSPC``) is cut off again so size and MD5 stay consistent and
the partial file can be resumed.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server_stub.ftp.blocks import BlockPool

READ_BLOCK = 1024 * 1024
"""Reads for hashing files already on disk (hashlib releases the GIL for these)."""
TRAIL_BLOCK = 1024 * 1024
"""The trailing hasher's reads. 1 MiB hashes as fast as 8 MiB (DESIGN.md section 5);
8 MiB per running upload was most of the server's memory under load
(``benchmarks/bench_load.py``). Borrowed from the server's
:class:`server_stub.ftp.blocks.BlockPool`."""


class DiskFullError(OSError):
    """The disk refused a block; the file was cut back to ``kept`` bytes."""

    def __init__(self, kept: int) -> None:
        super().__init__(errno.ENOSPC, "server disk is full")
        self.kept = kept


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


class HashingStopped(Exception):
    """The server is shutting down; the checksum was not finished."""


def md5_of_range(
    path: Path | str,
    start: int = 0,
    end: int | None = None,
    stop_event: threading.Event | None = None,
    blocks: BlockPool | None = None,
) -> tuple[str, int]:
    """MD5 of bytes ``[start, end)`` of a file (``end`` defaults to its size).

    Returns the hex digest and the end actually used. Blocking: call it in a
    thread. Setting ``stop_event`` makes it give up (``HashingStopped``). The
    read buffer is borrowed from ``blocks`` when given.
    """
    digest = hashlib.md5()
    buffer = blocks.take(READ_BLOCK) if blocks is not None else bytearray(READ_BLOCK)
    view = memoryview(buffer)
    try:
        with open(path, "rb", buffering=0) as handle:
            size = os.fstat(handle.fileno()).st_size
            stop = size if end is None else min(end, size)
            handle.seek(start)
            position = start
            while position < stop:
                if stop_event is not None and stop_event.is_set():
                    raise HashingStopped(str(path))
                count = handle.readinto(view[: min(READ_BLOCK, stop - position)])
                if not count:
                    break
                digest.update(view[:count])
                position += count
    finally:
        view.release()
        if blocks is not None:
            blocks.give(buffer)
    return digest.hexdigest(), max(position, start)


@dataclass(frozen=True, slots=True)
class _FileIdentity:
    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, stat: os.stat_result) -> _FileIdentity:
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ino)


class ResumeCache:
    """Remembers the MD5 state at the end of recent uploads, per real path.

    Valid only while the file is unchanged (size, mtime and inode match), so a
    stale entry can never produce a wrong checksum: it is simply not used.
    """

    def __init__(self, capacity: int = 512) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[str, tuple[_FileIdentity, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, path: Path, stat: os.stat_result, digest: Any) -> None:
        with self._lock:
            self._entries[str(path)] = (_FileIdentity.of(stat), digest.copy())
            self._entries.move_to_end(str(path))
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def recall(self, path: Path, stat: os.stat_result) -> Any | None:
        """A copy of the MD5 state for the whole current file, if known."""
        with self._lock:
            entry = self._entries.get(str(path))
            if entry is None or entry[0] != _FileIdentity.of(stat):
                return None
            return entry[1].copy()

    def forget(self, path: Path) -> None:
        with self._lock:
            prefix = str(path) + os.sep
            for key in [k for k in self._entries if k == str(path) or k.startswith(prefix)]:
                del self._entries[key]


class _Abandoned(Exception):
    """Raised inside the hasher thread when its result is no longer wanted."""


class TrailingHasher(threading.Thread):
    """Hashes a file from ``position`` up to what the writer has flushed.

    The writer calls :meth:`advance` after each block; :meth:`finish` says no
    more will come. ``result`` is an asyncio future resolved with the digest
    object once the hasher reached the final size (or failed, or was told to
    :meth:`abandon`).
    """

    def __init__(
        self,
        path: Path,
        digest: Any,
        position: int,
        loop: asyncio.AbstractEventLoop,
        blocks: BlockPool,
        block: int = TRAIL_BLOCK,
    ) -> None:
        super().__init__(name=f"md5:{path.name}", daemon=True)
        self.blocks = blocks
        self.path = path
        self.digest = digest
        self.position = position
        self._limit = position
        self._done = False
        self._abandoned = False
        self._block = block
        self._cond = threading.Condition()
        self._loop = loop
        self.result: asyncio.Future[Any] = loop.create_future()

    def advance(self, limit: int) -> None:
        with self._cond:
            self._limit = limit
            self._cond.notify()

    def finish(self, limit: int) -> None:
        with self._cond:
            self._limit = limit
            self._done = True
            self._cond.notify()

    def abandon(self) -> None:
        with self._cond:
            self._abandoned = True
            self._done = True
            self._cond.notify()

    def _settle(self, error: BaseException | None) -> None:
        def apply() -> None:
            if self.result.done():
                return
            if isinstance(error, _Abandoned):
                self.result.cancel()
            elif error is not None:
                self.result.set_exception(error)
            else:
                self.result.set_result(self.digest)

        try:
            self._loop.call_soon_threadsafe(apply)
        except RuntimeError:  # loop already closed at shutdown
            pass

    def run(self) -> None:
        buffer = self.blocks.take(self._block)
        view = memoryview(buffer)
        try:
            with open(self.path, "rb", buffering=0) as handle:
                handle.seek(self.position)
                while True:
                    with self._cond:
                        while (
                            self.position >= self._limit and not self._done and not self._abandoned
                        ):
                            self._cond.wait()
                        if self._abandoned:
                            raise _Abandoned
                        limit = self._limit
                        done = self._done
                    if self.position >= limit:
                        if done:
                            break
                        continue
                    want = min(self._block, limit - self.position)
                    count = handle.readinto(view[:want])
                    if not count:
                        raise OSError(
                            errno.EIO, f"{self.path.name} shrank while it was being hashed"
                        )
                    self.digest.update(view[:count])
                    self.position += count
        except BaseException as error:  # noqa: BLE001 - handed to the loop
            self._settle(error)
        else:
            self._settle(None)
        finally:
            view.release()
            self.blocks.give(buffer)


class HashingUpload:
    """One upload into a file: open at an offset, write blocks, finish with MD5.

    All blocking work runs in ``executor``; the coroutine methods are called
    from the event loop.
    """

    def __init__(
        self, path: Path, executor: Executor, cache: ResumeCache, blocks: BlockPool | None = None
    ) -> None:
        self.path = path
        self.blocks = blocks if blocks is not None else BlockPool()
        """Where the trailing hasher borrows its block (the server's pool)."""
        self._executor = executor
        self._cache = cache
        self._fd: int | None = None
        self.size = 0
        """Bytes safely on disk (the file is exactly this long)."""
        self.hasher: TrailingHasher | None = None

    async def _run(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def open(self, offset: int | None, append: bool) -> int:
        """Open for writing; returns the starting offset.

        ``append``: continue at the current end (APPE). Otherwise ``offset``
        (REST) keeps that many bytes and drops the rest; 0 starts afresh.
        Raises ``ValueError`` if the offset is past the end of the file.
        """
        loop = asyncio.get_running_loop()
        opened: tuple[int, Any] = await self._run(self._open_blocking, offset or 0, append)
        start, digest = opened
        if digest is None:
            digest, position = hashlib.md5(), 0
        else:
            position = start
        self.hasher = TrailingHasher(self.path, digest, position, loop, self.blocks)
        self.hasher.advance(start)
        self.hasher.start()
        return start

    def _open_blocking(self, offset: int, append: bool) -> tuple[int, Any]:
        flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0)
        fd = os.open(self.path, flags, 0o644)
        try:
            stat = os.fstat(fd)
            if append:
                offset = stat.st_size
            elif offset > stat.st_size:
                raise ValueError(stat.st_size)
            cached = self._cache.recall(self.path, stat) if offset == stat.st_size else None
            if offset != stat.st_size:
                os.ftruncate(fd, offset)
            os.lseek(fd, offset, os.SEEK_SET)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self.size = offset
        return offset, cached

    def write_block(self, block: memoryview | bytes) -> None:
        """Append one block (blocking; one caller at a time, in order)."""
        self._write_blocking(block)
        assert self.hasher is not None
        self.hasher.advance(self.size)

    def _write_blocking(self, block: memoryview | bytes) -> None:
        assert self._fd is not None
        view = memoryview(block)
        written = 0
        try:
            while written < len(view):
                written += os.write(self._fd, view[written:])
        except OSError as error:
            # keep size and MD5 consistent: drop the part of the block that made it
            if written:
                try:
                    os.ftruncate(self._fd, self.size)
                    os.lseek(self._fd, self.size, os.SEEK_SET)
                except OSError:
                    pass
            if is_disk_full(error):
                raise DiskFullError(self.size) from error
            raise
        self.size += written

    async def finish(self, wait_hash: bool = True) -> str | None:
        """Close the file; returns the MD5 of its ``size`` bytes.

        With ``wait_hash=False`` (server shutting down) the hasher is stopped
        and ``None`` returned unless it had already caught up.
        """
        if self._fd is not None:
            fd, self._fd = self._fd, None
            await self._run(os.close, fd)
        hasher = self.hasher
        if hasher is None:
            return None
        if not wait_hash and hasher.position < self.size:
            hasher.abandon()
            return None
        hasher.finish(self.size)
        try:
            digest = await asyncio.shield(hasher.result)
        except asyncio.CancelledError:
            hasher.abandon()
            raise
        try:
            stat = await self._run(os.stat, self.path)
        except OSError:
            stat = None
        if stat is not None and stat.st_size == self.size:
            self._cache.remember(self.path, stat, digest)
        return str(digest.hexdigest())

    def abandon(self) -> None:
        if self.hasher is not None:
            self.hasher.abandon()
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None
