"""One large file over several connections at once (the server's ``SEGM`` extension).

On a long, lossy link one TCP stream is capped far below the link (DESIGN
§7): the file is cut into stripes sent over several signed-in connections
into the same remote file, each stripe ``SEGM start end total`` + ``STOR``.

* Round-robin stripes in file order keep the server's MD5 (computed as the
  contiguous part from byte 0 grows) right behind the last byte.
* The number of connections adapts: it starts with a few and adds more while
  the total speed still grows, up to a cap; a server that refuses more
  (``450``) or connections that fail make it back off.
* The whole-file MD5 of the local file is computed in one sequential read
  beside the sending; the file counts only when the server's MD5 of the
  whole file, from the reply that completed it, equals it.
* Every stripe is journalled in the queue store: after a cut, ``kill -9`` or
  a server restart only the stripes not yet stored are sent again (a stripe
  the server already has is answered "already stored" and simply counted).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

import aioftp

from omix_desktop.transfer.ftp_uploader import FtpConnection, FtpSettings
from omix_desktop.transfer.hashing import md5_file
from omix_desktop.transfer.queue_store import QueueItem, QueueStore
from omix_desktop.transfer.reasons import FailureReason, TransferError

log = logging.getLogger(__name__)

FEATURE = "SEGM"
_COMPLETE = re.compile(r"Transfer complete: .*?, (\d+) bytes, MD5 ([0-9a-fA-F]{32})")


@dataclass(frozen=True)
class SegmentPolicy:
    """When to split a file and how many connections to use."""

    threshold: int = 32 * 1024 * 1024
    """Files smaller than this go whole (one stream)."""
    stripe_size: int = 0
    """Bytes per stripe; 0: about four stripes per connection at the cap, 1-16 MiB,
    so the last stripes end close together and a cut costs little."""
    start_connections: int = 4
    max_connections: int = 16
    """The cap ("connections per file"); 1 turns segmenting off."""
    grow_every: float = 1.0
    """Seconds between two looks at the total speed."""
    grow_by: int = 4
    min_gain: float = 1.08
    """Keep adding connections while the total speed grows by at least this factor."""

    def stripe_for(self, size: int) -> int:
        if self.stripe_size:
            return self.stripe_size
        MiB = 1024 * 1024
        return min(16 * MiB, max(MiB, size // (4 * max(1, self.max_connections))))

    def plan(self, size: int) -> list[tuple[int, int]]:
        step = max(1, self.stripe_for(size))
        return [(start, min(start + step, size)) for start in range(0, size, step)]


def policy_for(connections: int | None) -> SegmentPolicy:
    """The policy for a "connections per file" setting: 0 or None automatic, 1 off."""
    if not connections:
        return SegmentPolicy()
    return SegmentPolicy(max_connections=connections, start_connections=min(connections, 4))


def _wants_fewer(error: TransferError) -> bool:
    """The server refused one more segment for this account (``450 Too many segments``)."""
    return error.params.get("code") == "450" and "Too many segments" in str(
        error.params.get("detail", "")
    )


def completed_md5(reply: str, size: int) -> str | None:
    """The server's whole-file MD5 from a ``226 Transfer complete`` reply of ``size`` bytes."""
    match = _COMPLETE.search(reply)
    if match is None or int(match.group(1)) != size:
        return None
    return match.group(2).lower()


class SegmentedUpload:
    """Sends one queue item as stripes; returns (local MD5, server MD5)."""

    def __init__(
        self,
        *,
        item: QueueItem,
        remote: PurePosixPath,
        first: FtpConnection,
        settings: FtpSettings,
        throttle: aioftp.StreamThrottle,
        store: QueueStore,
        policy: SegmentPolicy,
        on_sent: Callable[[int], None],
        should_stop: Callable[[], bool],
        cancel: threading.Event,
        on_connections: Callable[[int], None] | None = None,
    ) -> None:
        self.item = item
        self.remote = remote
        self.first = first
        self.settings = settings
        self.throttle = throttle
        self.store = store
        self.policy = policy
        self.on_sent = on_sent
        self.should_stop = should_stop
        self.cancel = cancel
        self.on_connections = on_connections or (lambda count: None)
        self.pending: list[tuple[int, int]] = []
        self.server_md5: str | None = None
        self.sent_bytes = 0
        self.resent_stripes = 0
        self.workers = 0
        self.peak_workers = 0
        self.cap = policy.max_connections
        self.errors: list[TransferError] = []

    def prepare(self) -> int:
        """Plan (or reload) the stripes; returns the bytes already stored."""
        stripes = self.store.stripes(self.item.id)
        ranges = [(start, end) for start, end, _done in stripes]
        if not stripes or ranges != self.policy.plan(self.item.size) or self.item.restart:
            self.store.plan_stripes(self.item.id, self.policy.plan(self.item.size))
            stripes = self.store.stripes(self.item.id)
        self.pending = [(start, end) for start, end, done in stripes if not done]
        return sum(end - start for start, end, done in stripes if done)

    async def run(self) -> tuple[str, str | None]:
        loop = asyncio.get_running_loop()
        local_md5 = self.item.md5
        hashing: asyncio.Future[str] | None = None
        if local_md5 is None:  # one sequential read beside the sending
            path = self.item.local_path
            hashing = loop.run_in_executor(None, lambda: md5_file(path, cancel=self.cancel))
        try:
            await self._send_all()
        except BaseException:
            if hashing is not None:
                self.cancel.set()
                with contextlib.suppress(BaseException):
                    await hashing
                self.cancel.clear()
            raise
        if hashing is not None:
            local_md5 = await hashing
        assert local_md5 is not None
        if self.server_md5 is None:
            self.server_md5 = await self.first.range_md5(self.remote, 0, self.item.size)
        return local_md5, self.server_md5

    # -- the workers ---------------------------------------------------------

    async def _send_all(self) -> None:
        if not self.pending:
            return
        try:
            async with asyncio.TaskGroup() as group:
                self._spawn(group, self.first, min(self.policy.start_connections, self.cap))
                group.create_task(self._grow(group))
        except BaseExceptionGroup as group_error:  # the queue expects one plain error
            raise group_error.exceptions[0] from None
        if self.should_stop():
            raise asyncio.CancelledError("stopped")
        if self.pending:
            raise self.errors[-1] if self.errors else TransferError(FailureReason.CONNECTION_LOST)

    def _spawn(self, group: asyncio.TaskGroup, first: FtpConnection | None, count: int) -> None:
        for index in range(count):
            if self.workers >= min(self.cap, len(self.pending) + self.workers):
                return
            connection = first if index == 0 and first is not None else None
            self.workers += 1
            self.peak_workers = max(self.peak_workers, self.workers)
            self.on_connections(self.workers)
            group.create_task(self._worker(connection))

    async def _grow(self, group: asyncio.TaskGroup) -> None:
        """Add connections while the total speed still grows."""
        previous = 0.0
        while self.pending and not self.should_stop() and self.workers:
            before, started = self.sent_bytes, time.monotonic()
            await asyncio.sleep(self.policy.grow_every)
            rate = (self.sent_bytes - before) / max(1e-6, time.monotonic() - started)
            if self.workers >= self.cap or not self.pending:
                if self.workers >= self.cap:
                    previous = max(previous, rate)
                continue
            if previous and rate < previous * self.policy.min_gain:
                return  # more connections no longer help: keep what we have
            previous = rate
            self._spawn(group, None, self.policy.grow_by)

    async def _worker(self, connection: FtpConnection | None) -> None:
        own = connection is None
        failures = 0
        try:
            while self.pending and not self.should_stop():
                if connection is None or not connection.is_open:
                    connection = FtpConnection(self.settings, self.throttle)
                    connection.made_dirs = self.first.made_dirs
                    try:
                        await connection.open()
                    except TransferError as error:
                        self._lost(error)
                        return
                if not self.pending:  # taken by the others while this one connected
                    break
                stripe = self.pending.pop(0)
                try:
                    await self._send_stripe(connection, stripe)
                except TransferError as error:
                    self.pending.insert(0, stripe)
                    self.resent_stripes += 1
                    if _wants_fewer(error):
                        self.cap = max(1, self.workers - 1)  # the server's per-account limit
                        return
                    failures += 1
                    if failures > 1 or self.should_stop():
                        self._lost(error)
                        return
                    connection.abandon()
                except asyncio.CancelledError:
                    self.pending.insert(0, stripe)
                    raise
        finally:
            self.workers -= 1
            self.on_connections(self.workers)
            if own and connection is not None:
                if self.should_stop() or self.pending:
                    connection.abandon()
                else:
                    with contextlib.suppress(Exception):
                        await connection.close()

    def _lost(self, error: TransferError) -> None:
        self.errors.append(error)
        self.cap = max(1, min(self.cap, self.workers - 1))

    async def _send_stripe(self, connection: FtpConnection, stripe: tuple[int, int]) -> None:
        start, end = stripe

        def sent(count: int) -> None:
            self.sent_bytes += count
            self.on_sent(count)
            if self.should_stop():
                raise TransferError(FailureReason.CANCELLED)

        try:
            reply = await connection.send(
                self.item.local_path,
                self.remote,
                offset=start,
                size=end,
                hasher=None,
                on_sent=sent,
                segment_total=self.item.size,
            )
        except TransferError as error:
            if "already stored" in str(error.params.get("detail", "")):
                self.store.stripe_done(self.item.id, start)  # the server kept it
                self.on_sent(end - start)
                return
            raise
        self.store.stripe_done(self.item.id, start)
        md5 = completed_md5(reply, self.item.size)
        if md5 is not None:
            self.server_md5 = md5
