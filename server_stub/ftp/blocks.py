"""Reusable transfer blocks: uploads borrow buffers instead of allocating them.

Every upload needs a few ``settings.ftp_block_size`` blocks (the data channel
receives into them, see :mod:`server_stub.ftp.datachannel`) and one for the
trailing MD5 reader (:mod:`server_stub.ftp.hashing_io`). Allocated afresh per
upload, 20 clients sending a few MiB files one after the other made the
server allocate and zero ~11 MiB per file; glibc kept the freed memory in its
arenas, and the resident size rose from ~110 MB to ~230-350 MB
(``benchmarks/bench_load.py``). Borrowed blocks are reused while uploads
run (one pool per FTP server, ``FtpProtocol.blocks``); :data:`KEEP_IDLE_BYTES`
of idle blocks are kept for the next ones, the rest are freed (and, being
above malloc's fixed mmap threshold, given back to the system at once, see
:func:`server_stub.memory.limit_malloc_arenas`).

A block keeps whatever an earlier upload left in it: callers only ever use
the part they filled themselves.
"""

from __future__ import annotations

import threading

KEEP_IDLE_BYTES = 16 * 1024 * 1024
"""Idle blocks kept for reuse, in bytes, all sizes together."""


class BlockPool:
    """Thread-safe pool of ``bytearray`` blocks, by size."""

    def __init__(self, keep_idle_bytes: int = KEEP_IDLE_BYTES) -> None:
        self.keep_idle_bytes = keep_idle_bytes
        self._idle: dict[int, list[bytearray]] = {}
        self._idle_bytes = 0
        self._lock = threading.Lock()
        self.allocated = 0
        """Blocks made so far (a measure of reuse, for tests and benchmarks)."""
        self.borrowed = 0
        """Blocks currently out."""

    def take(self, size: int) -> bytearray:
        """A block of exactly ``size`` bytes (contents undefined)."""
        with self._lock:
            self.borrowed += 1
            idle = self._idle.get(size)
            if idle:
                self._idle_bytes -= size
                return idle.pop()
            self.allocated += 1
        return bytearray(size)

    def give(self, block: bytearray) -> None:
        """Return a block taken with :meth:`take`; it must not be used afterwards."""
        size = len(block)
        with self._lock:
            self.borrowed -= 1
            if self._idle_bytes + size <= self.keep_idle_bytes:
                self._idle.setdefault(size, []).append(block)
                self._idle_bytes += size
                return
        del block  # beyond what is kept idle: freed (the caller holds no other reference)

    @property
    def idle_bytes(self) -> int:
        with self._lock:
            return self._idle_bytes

    def clear(self) -> None:
        with self._lock:
            self._idle.clear()
            self._idle_bytes = 0
