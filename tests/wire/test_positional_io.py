"""Positional reads and writes on every system: Windows has no os.pread/os.pwrite.

The fallback (a seek and a read or write under one lock) is what Windows
runs; it is exercised here directly, with threads writing and reading
different ranges of one descriptor at once, as segmented transfers do.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from omix_wire import positional_io
from omix_wire.positional_io import allocate, open_fd, pread, pwrite, seek_read, seek_write

AWKWARD = b"\r\n\x1a\x00line\r\nend\x1a"  # what text mode on Windows would mangle

Reader = Callable[[int, int, int], bytes]
Writer = Callable[[int, bytes, int], int]
PAIRS = [(pread, pwrite), (seek_read, seek_write)]


def test_the_running_system_uses_its_own_calls_where_it_has_them() -> None:
    assert positional_io.POSITIONAL is (hasattr(os, "pread") and hasattr(os, "pwrite"))
    assert positional_io.BINARY == getattr(os, "O_BINARY", 0)


@pytest.mark.parametrize(("read", "write"), PAIRS, ids=["system", "fallback"])
def test_bytes_come_back_exactly_at_their_offsets(
    tmp_path: Path, read: Reader, write: Writer
) -> None:
    path = tmp_path / "part"
    fd = open_fd(path, os.O_RDWR | os.O_CREAT)
    try:
        allocate(fd, 40 + len(AWKWARD))
        assert os.fstat(fd).st_size == 40 + len(AWKWARD)
        assert write(fd, AWKWARD, 40) == len(AWKWARD)
        assert write(fd, b"head", 0) == 4
        assert read(fd, len(AWKWARD), 40) == AWKWARD
        assert read(fd, 4, 0) == b"head"
        assert read(fd, 100, 50) == AWKWARD[10:]  # short read at the end
    finally:
        os.close(fd)
    data = path.read_bytes()
    assert data[:4] == b"head" and data[40:] == AWKWARD and len(data) == 40 + len(AWKWARD)


@pytest.mark.parametrize(("read", "write"), PAIRS, ids=["system", "fallback"])
def test_threads_write_and_read_their_own_ranges_of_one_descriptor(
    tmp_path: Path, read: Reader, write: Writer
) -> None:
    block, blocks = 4096, 64
    path = tmp_path / "part"
    fd = open_fd(path, os.O_RDWR | os.O_CREAT)
    errors: list[str] = []

    def worker(first: int) -> None:
        for index in range(first, blocks, 8):
            payload = bytes([index]) * block + AWKWARD
            at = index * (block + len(AWKWARD))
            written = 0
            while written < len(payload):
                written += write(fd, payload[written:], at + written)
            if read(fd, len(payload), at) != payload:
                errors.append(f"block {index} read back wrong")

    try:
        allocate(fd, blocks * (block + len(AWKWARD)))
        threads = [threading.Thread(target=worker, args=(first,)) for first in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        os.close(fd)
    assert errors == []
    data = path.read_bytes()
    for index in range(blocks):
        at = index * (block + len(AWKWARD))
        assert data[at : at + block] == bytes([index]) * block
        assert data[at + block : at + block + len(AWKWARD)] == AWKWARD
