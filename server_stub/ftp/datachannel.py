"""Passive-mode data connections with zero-copy receive.

aioftp's data connections are ``StreamReader``/``StreamWriter`` pairs: every
received byte is copied three times under the GIL before it reaches a file,
which starves the hashing thread on a small machine. :class:`DataChannel` is
an ``asyncio.BufferedProtocol`` instead: the socket (or TLS layer) reads
straight into one of a few blocks (``settings.ftp_block_size``) borrowed
from the server's :class:`server_stub.ftp.blocks.BlockPool`, full blocks are written to disk by
a worker thread in order, and reading pauses when all blocks are busy, so
memory is at most :data:`BLOCKS_PER_UPLOAD` blocks per upload (two while the
disk keeps up) and TCP flow control slows the sender down when the disk is
slower than the network. The blocks go back to the pool when the transfer
ends (a block a worker is still writing from, once that write returns).

Sending (listings, downloads) is a plain ``write`` with drain.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from server_stub.ftp.blocks import BlockPool

BLOCKS_PER_UPLOAD = 3


class DataChannel(asyncio.BufferedProtocol):
    def __init__(self, on_ready: Callable[[DataChannel], None], pool: BlockPool) -> None:
        self._on_ready = on_ready
        self._pool = pool
        self._block_size = 64 * 1024
        self._blocks = 0
        """Blocks taken from the pool and not yet given back."""
        self._released = False
        self.transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        self._closed = self._loop.create_future()
        self._can_write = asyncio.Event()
        self._can_write.set()
        # receiving
        self._receiving = False
        self._current: bytearray | None = None
        self._filled = 0
        self._free: list[bytearray] = []
        self._queue: collections.deque[tuple[bytearray, int]] = collections.deque()
        self._writing = False
        self._ended = False
        self._error: BaseException | None = None
        self._done: asyncio.Future[None] | None = None
        self._write_block: Callable[[memoryview], None] | None = None
        self._executor: Executor | None = None
        self._paused = False
        self._received_at = 0.0
        self._watchdog: asyncio.TimerHandle | None = None
        self.received = 0

    # --- protocol callbacks ---------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.pause_reading()  # nothing is read until a transfer asks for it
        self._on_ready(self)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._closed.done():
            self._closed.set_result(None)
        self._can_write.set()
        if self._receiving and not self._ended:
            self._end(exc if exc is not None else None)

    def pause_writing(self) -> None:
        self._can_write.clear()

    def resume_writing(self) -> None:
        self._can_write.set()

    def get_buffer(self, sizehint: int) -> memoryview:
        if self._released:  # the transfer is over: whatever still arrives is dropped
            return memoryview(bytearray(max(1, min(sizehint, 64 * 1024))))
        if self._current is None:  # cannot happen while reading is resumed; be safe
            self._current = self._take()
            self._filled = 0
        return memoryview(self._current)[self._filled :]

    def buffer_updated(self, nbytes: int) -> None:
        if self._released:
            return
        self._filled += nbytes
        self.received += nbytes
        self._received_at = self._loop.time()
        assert self._current is not None
        if self._filled >= len(self._current):
            self._queue.append((self._current, self._filled))
            self._current, self._filled = None, 0
            if self._free:
                self._current = self._free.pop()
            elif self._blocks < BLOCKS_PER_UPLOAD:
                self._current = self._take()  # the writer is behind: one more block
            else:
                self._pause()
            self._kick()

    def eof_received(self) -> bool:
        if self._receiving and not self._ended:
            self._end(None)
        return False

    # --- sending --------------------------------------------------------------------

    async def write(self, data: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            raise ConnectionResetError("data connection closed")
        self.transport.write(data)
        await self._can_write.wait()
        if self._closed.done():
            raise ConnectionResetError("data connection closed by the client")

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    async def wait_closed(self) -> None:
        await self._closed

    # --- receiving ------------------------------------------------------------------

    async def receive(
        self,
        write_block: Callable[[memoryview], None],
        executor: Executor,
        block_size: int,
        idle_limit: float,
    ) -> int:
        """Receive until the client closes; ``write_block`` runs in ``executor``.

        Blocks are written strictly in order. Returns the bytes received;
        raises the writer's error (e.g. disk full), ``ConnectionError`` if the
        connection broke, ``TimeoutError`` after ``idle_limit`` s without data.
        """
        assert self.transport is not None
        self._block_size = block_size
        self._write_block = write_block
        self._executor = executor
        self._free = []
        self._released = False
        self._current = self._take()
        self._filled = 0
        self._done = self._loop.create_future()
        self._receiving = True
        self._received_at = self._loop.time()
        self._arm_watchdog(idle_limit)
        if self._closed.done():
            self._end(None)
        else:
            self.transport.resume_reading()
        try:
            await self._done
        finally:
            if self._watchdog is not None:
                self._watchdog.cancel()
            self._receiving = False
            self._release_blocks()
        return self.received

    def _take(self) -> bytearray:
        self._blocks += 1
        return self._pool.take(self._block_size)

    def _give(self, block: bytearray) -> None:
        self._blocks -= 1
        self._pool.give(block)

    def _release_blocks(self) -> None:
        """Give back every block no worker is writing from (``_written`` gives that one)."""
        self._released = True
        self._pause()
        blocks = [block for block, _count in self._queue] + self._free
        if self._current is not None:
            blocks.append(self._current)
        self._queue.clear()
        self._free = []
        self._current, self._filled = None, 0
        for block in blocks:
            self._give(block)

    def _drop_queue(self) -> None:
        """Forget queued blocks (a write failed): they become free blocks again."""
        self._free.extend(block for block, _count in self._queue)
        self._queue.clear()

    def _arm_watchdog(self, timeout: float) -> None:
        def check() -> None:
            if self._ended:
                return
            idle = self._loop.time() - self._received_at
            if idle >= timeout and not self._writing:
                self._end(TimeoutError(f"no data for {timeout:.0f} s"))
                if self.transport is not None:
                    self.transport.abort()
                return
            self._watchdog = self._loop.call_later(max(1.0, timeout - idle), check)

        self._watchdog = self._loop.call_later(timeout, check)

    def _pause(self) -> None:
        if not self._paused and self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()
            self._paused = True

    def _resume(self) -> None:
        if self._paused and self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()
        self._paused = False

    def _end(self, error: BaseException | None) -> None:
        self._ended = True
        if error is not None and self._error is None:
            self._error = error
        if self._current is not None and self._filled:
            self._queue.append((self._current, self._filled))
            self._current, self._filled = None, 0
        self._kick()

    def _kick(self) -> None:
        """Start writing the next queued block, or finish."""
        if self._writing:
            return
        if self._error is not None and not isinstance(self._error, ConnectionError | TimeoutError):
            self._drop_queue()  # a disk error: stop writing
        if self._queue:
            buffer, count = self._queue.popleft()
            self._writing = True
            assert self._executor is not None and self._write_block is not None
            future = self._loop.run_in_executor(
                self._executor, self._write_block, memoryview(buffer)[:count]
            )
            future.add_done_callback(lambda done: self._written(buffer, done))
            return
        if self._ended and self._done is not None and not self._done.done():
            if self._error is not None:
                self._done.set_exception(self._error)
            else:
                self._done.set_result(None)

    def _written(self, buffer: bytearray, future: asyncio.Future[Any]) -> None:
        self._writing = False
        if self._released:  # the transfer ended (cancelled) while this block was written
            self._give(buffer)
            return
        error = None if future.cancelled() else future.exception()
        if future.cancelled():
            error = ConnectionAbortedError("write cancelled")
        if error is not None:
            self._error = error
            self._ended = True
            self._drop_queue()
            if self.transport is not None:
                self.transport.abort()
            self._free.append(buffer)
        elif not self._ended:
            if self._current is None:
                self._current, self._filled = buffer, 0
                self._resume()
            else:
                self._free.append(buffer)
        else:
            self._free.append(buffer)
        self._kick()
