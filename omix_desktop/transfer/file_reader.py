"""Read a file for upload in large blocks, one block ahead, off the event loop.

Disk reads (and, for a file not yet hashed, MD5) run in a worker thread a few
blocks ahead of the event loop that sends them, so reading, hashing and
sending overlap: a hash-while-upload costs about as much time as the slower
of the two alone. Memory is bounded by a few blocks per transfer whatever
the file size.
Each block is a fresh ``bytes`` object because the transport may keep a
reference to written data after ``drain()`` returns; a reused buffer could be
overwritten before it reaches the socket.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

from omix_desktop.transfer.hashing import BLOCK_SIZE, IncrementalHasher
from omix_wire.paths import os_path

READAHEAD = 4
"""Blocks read ahead of the sender: memory per transfer is about this many MiB."""


class FileShrankError(EOFError):
    """The file ended before the size recorded when it was queued."""


async def read_blocks(
    path: Path,
    start: int,
    end: int,
    *,
    hasher: IncrementalHasher | None = None,
    block_size: int = BLOCK_SIZE,
    readahead: int = READAHEAD,
) -> AsyncIterator[bytes]:
    """Yield the bytes ``[start, end)`` of ``path`` in blocks, reading ahead.

    A producer task keeps up to ``readahead`` blocks read (and hashed) in
    advance, so a slow moment on either side (disk, CPU, network) does not
    stall the other. If ``hasher`` is given it must be at offset ``start``;
    every block is fed to it in the reading thread, in order, so the caller
    has the MD5 of the whole file once the last block has been yielded.
    """
    if hasher is not None and hasher.offset != start:
        raise ValueError(f"hasher at {hasher.offset}, reading from {start}")
    loop = asyncio.get_running_loop()
    handle = await loop.run_in_executor(None, open, os_path(path), "rb")  # long Windows paths
    ready: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue(max(1, readahead))

    in_thread = threading.Lock()  # a cancelled read may still be running in its thread

    def read_next(at: int) -> bytes:
        with in_thread:
            if handle.closed:
                return b""
            if at == start:
                handle.seek(start)
            want = min(block_size, end - at)
            block = handle.read(want)
            if len(block) < want:
                raise FileShrankError(f"{path} is shorter than {end} bytes")
            if hasher is not None:
                hasher.update(block, at)
            return block

    def close() -> None:
        with in_thread:
            handle.close()

    async def produce() -> None:
        position = start
        try:
            while position < end:
                block = await loop.run_in_executor(None, read_next, position)
                if not block:
                    break
                position += len(block)
                await ready.put(block)
            await ready.put(None)
        except Exception as exc:  # handed to the consumer, raised there
            await ready.put(exc)

    producer = asyncio.create_task(produce())
    try:
        while True:
            item = await ready.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        producer.cancel()
        await asyncio.gather(producer, return_exceptions=True)
        # never close the file under a read still running in its thread
        await asyncio.shield(loop.run_in_executor(None, close))
