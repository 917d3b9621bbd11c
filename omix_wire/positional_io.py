"""Reads and writes at an offset on raw descriptors, the same on Windows as on POSIX.

Segmented uploads (server) and downloads (client) write several ranges of one
file from several threads, and ranged downloads read one: ``os.pread`` and
``os.pwrite`` do that without a shared file position. Windows has neither
(``AttributeError`` on first use), and its ``os.open`` opens in *text* mode
unless told ``O_BINARY``: ``\\r\\n`` would become ``\\n`` and a ``\\x1a`` byte
would end the file. Every raw descriptor of file data is therefore opened
with :func:`open_fd`, and read or written at an offset with :func:`pread` /
:func:`pwrite`; where the system lacks them, a seek and a read (or write)
run under one lock, so two threads never move each other's position.
"""

from __future__ import annotations

import errno
import os
import threading

BINARY = getattr(os, "O_BINARY", 0)
"""``O_BINARY`` on Windows (no newline or end-of-file translation), 0 elsewhere."""

POSITIONAL = hasattr(os, "pread") and hasattr(os, "pwrite")

_SEEK_LOCK = threading.Lock()
"""Pairs each seek with its read or write where there is no pread/pwrite.

A process-wide lock, not per descriptor: a descriptor number is reused once
closed, so a table of locks per number would need the same care; the
fallback serves the one system without positional I/O, where disk writes
of one process are few enough to take turns.
"""


def open_fd(path: str | os.PathLike[str], flags: int, mode: int = 0o644) -> int:
    """``os.open`` in binary mode on every system."""
    return os.open(path, flags | BINARY, mode)


def seek_read(fd: int, size: int, offset: int) -> bytes:
    """``pread`` built from a seek and a read, safe between threads of this process."""
    with _SEEK_LOCK:
        os.lseek(fd, offset, os.SEEK_SET)
        return os.read(fd, size)


def seek_write(fd: int, data: bytes | memoryview, offset: int) -> int:
    """``pwrite`` built from a seek and a write, safe between threads of this process."""
    with _SEEK_LOCK:
        os.lseek(fd, offset, os.SEEK_SET)
        return os.write(fd, data)


def pread(fd: int, size: int, offset: int) -> bytes:
    """Up to ``size`` bytes at ``offset``; the descriptor's position is not relied on."""
    if POSITIONAL:
        return os.pread(fd, size, offset)
    return seek_read(fd, size, offset)


def pwrite(fd: int, data: bytes | memoryview, offset: int) -> int:
    """Write ``data`` at ``offset``; the number of bytes written (may be fewer)."""
    if POSITIONAL:
        return os.pwrite(fd, data, offset)
    return seek_write(fd, data, offset)


def allocate(fd: int, size: int) -> None:
    """Reserve ``size`` bytes (a full disk shows now), or at least set the size.

    ``posix_fallocate`` where it exists and the file system supports it;
    otherwise (Windows, some file systems) the file is only extended.
    """
    fallocate = getattr(os, "posix_fallocate", None)
    if fallocate is not None:
        try:
            fallocate(fd, 0, size)
            return
        except OSError as error:
            if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                raise
    os.ftruncate(fd, size)
