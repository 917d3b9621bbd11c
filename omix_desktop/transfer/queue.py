"""The upload queue: FileZilla-style Queued / Failed / Successful, that never loses work.

Each item moves ``queued → uploading → uploaded → verified`` or ends ``failed``
with a reason code and a suggested action; :meth:`UploadQueue.retry` puts it
back to ``queued``. The state lives in :class:`QueueStore` (SQLite) and is
committed before the engine acts, so a crash at any moment leaves every item
where it was, and the next start resumes uploads from the bytes already on
the server.

How an attempt goes (``_attempt``):

1. the local file is checked against the size/mtime recorded when it was
   queued; a changed file is hashed again and restarted from zero;
2. the remote size tells where a previous attempt stopped; the remote part
   is checked against the local bytes with the server's range MD5 when it
   offers one, else trusted if this item started that upload and the local
   file did not change (size + mtime);
3. the rest is sent with REST + STOR in 1 MiB blocks; a file whose MD5 is
   not known yet is hashed in the same read pass ("hash while uploading");
4. verification: the remote size must equal the local size, and the
   server's MD5 (if offered) must equal the local MD5. A mismatch re-queues
   the file once from zero, then fails.

Failures are retried with exponential backoff and jitter; the count resets
whenever an attempt got further than the one before, so a flaky line that
cuts every few minutes still finishes a 20 GB file without restarting it.
Connection-level refusals (bad password, no TLS) pause the whole queue:
every other file would fail the same way.

Everything observable goes through :attr:`UploadQueue.events`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import aioftp

from omix_desktop.transfer.events import (
    EventBus,
    ItemAdded,
    ItemProgress,
    ItemRemoved,
    Notice,
    QueueProgress,
    RateMeter,
    StateChanged,
)
from omix_desktop.transfer.ftp_uploader import FtpConnection, FtpSettings
from omix_desktop.transfer.hash_cache import FileStamp, HashCache
from omix_desktop.transfer.hashing import IncrementalHasher, md5_file, md5_range
from omix_desktop.transfer.queue_store import ItemState, QueueItem, QueueStore
from omix_desktop.transfer.reasons import FailureReason, TransferError, classify, describe
from omix_desktop.transfer.segmented import FEATURE as SEGMENTS_FEATURE
from omix_desktop.transfer.segmented import SegmentedUpload, SegmentPolicy, completed_md5
from omix_desktop.transfer.selection import PlannedFile
from omix_desktop.transfer.small_files import SmallFileBoost
from omix_wire.naming import check_path

log = logging.getLogger(__name__)

QUEUE_WIDE = {
    FailureReason.LOGIN_FAILED,
    FailureReason.TLS_NOT_SUPPORTED,
    FailureReason.TLS_FAILED,
}
"""Failures that are about the server or account, not the file: pause everything."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, and how many failures in a row are allowed."""

    max_failures: int = 6
    """Consecutive failed attempts without progress before an item is ``failed``."""
    base_delay: float = 2.0
    max_delay: float = 300.0
    jitter: float = 0.5
    """Delay is multiplied by a random factor in ``[1 - jitter, 1 + jitter]``."""

    def delay(self, failures: int) -> float:
        raw = min(self.max_delay, self.base_delay * 2 ** max(0, failures - 1))
        return raw * random.uniform(1 - self.jitter, 1 + self.jitter)


@dataclass
class _Run:
    """Bookkeeping of one running item (memory only)."""

    item_id: int
    task: asyncio.Task[None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    intent: str | None = None
    """Why the task was cancelled: ``pause``, ``cancel``, ``remove`` or ``shutdown``."""
    meter: RateMeter = field(default_factory=RateMeter)
    sent: int = 0
    total: int = 0
    last_emit: float = 0.0
    progressed: bool = False
    """This attempt started further than the previous one (resets the failure count)."""
    connections: int = 1


class UploadQueue:
    """Asyncio upload engine over a :class:`QueueStore`.

    Create it, :meth:`start` it, :meth:`add` files; observe :attr:`events`;
    :meth:`close` it (running uploads go back to ``queued`` and resume next time).
    """

    def __init__(
        self,
        store: QueueStore,
        settings: FtpSettings,
        *,
        hash_cache: HashCache | None = None,
        concurrency: int = 2,
        speed_limit: int | None = None,
        retry: RetryPolicy | None = None,
        events: EventBus | None = None,
        progress_interval: float = 0.2,
        idle_reconnect: float = 60.0,
        segments: SegmentPolicy | None = None,
        small_files: SmallFileBoost | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.hash_cache = hash_cache
        self.retry_policy = retry or RetryPolicy()
        self.events = events or EventBus()
        self.progress_interval = progress_interval
        self.idle_reconnect = idle_reconnect
        self.segment_policy = segments or SegmentPolicy()
        self._boost = small_files or SmallFileBoost()
        self._made_dirs: set[PurePosixPath] = set()
        self._listings: dict[PurePosixPath, set[str] | None] = {}
        """Names in remote folders when first seen by this queue (None: not listable)."""
        self._listing_lock = asyncio.Lock()
        """Remote folders created during this queue's life: one MKD per folder."""
        self._concurrency = max(1, concurrency)
        self._throttle = aioftp.StreamThrottle.from_limits(None, speed_limit or None)
        self._runs: dict[int, _Run] = {}
        self._idle: list[FtpConnection] = []
        self._wake = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        self._closing = False
        self._queue_meter = RateMeter()
        self._last_queue_emit = 0.0
        self._sent_total = 0
        """Bytes sent in this session, all items together (for the queue's speed)."""

    # -- life cycle ------------------------------------------------------

    async def start(self) -> None:
        """Start dispatching. Items a crash left mid-way resume first."""
        if self._dispatcher is None:
            self._closing = False
            self._dispatcher = asyncio.create_task(self._dispatch(), name="omix-upload-queue")

    async def close(self) -> None:
        """Stop: running uploads are interrupted and go back to ``queued`` (resumable)."""
        self._closing = True
        runs = list(self._runs.values())
        for run in runs:
            self._stop_run(run, "shutdown")
        await asyncio.gather(*(r.task for r in runs if r.task), return_exceptions=True)
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None
        idle, self._idle = self._idle, []
        await asyncio.gather(*(c.close() for c in idle), return_exceptions=True)

    async def __aenter__(self) -> UploadQueue:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- reading ---------------------------------------------------------

    def items(self, states: Iterable[ItemState] | None = None) -> list[QueueItem]:
        return self.store.items(states)

    def get(self, item_id: int) -> QueueItem | None:
        return self.store.get(item_id)

    def is_running(self, item_id: int) -> bool:
        return item_id in self._runs

    @property
    def paused(self) -> bool:
        """The whole queue is paused (persisted across restarts)."""
        return self.store.get_setting("paused", "0") == "1"

    @property
    def concurrency(self) -> int:
        return self._concurrency

    @property
    def speed_limit(self) -> int | None:
        limit = self._throttle.write.limit
        return int(limit) if limit else None

    def is_settled(self) -> bool:
        """Nothing running and nothing left that would start without the user."""
        if self._runs:
            return False
        return self.paused or self.store.pending_count() == 0

    async def wait_settled(self) -> None:
        """Wait until :meth:`is_settled` (every item verified, failed or paused).

        Bound it with ``asyncio.timeout`` where needed.
        """
        while not self.is_settled():
            await self._settled_signal()

    async def _settled_signal(self) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_event(event: object) -> None:
            if isinstance(event, StateChanged | ItemRemoved) and not future.done():
                future.set_result(None)

        unsubscribe = self.events.subscribe(on_event)
        try:
            await asyncio.wait_for(future, 0.5)
        except TimeoutError:
            pass
        finally:
            unsubscribe()

    # -- commands ----------------------------------------------------------

    def add(self, planned: Iterable[PlannedFile]) -> list[QueueItem]:
        """Queue files (after pre-flight); returns their items. Re-adding is harmless."""
        items, new_ids = self.store.add_tracked(planned)
        self._clear_error_pause()  # sending new files is trying again
        for item in items:
            if item.id in new_ids:
                self.events.emit(ItemAdded(item))
            else:
                self.events.emit(StateChanged(item, item.state))
        self._poke()
        return items

    def pause(self, item_id: int) -> None:
        """Hold one item; a running upload stops and will resume from where it was."""
        run = self._runs.get(item_id)
        self._set(item_id, paused=True)
        if run is not None:
            self._stop_run(run, "pause")

    def resume(self, item_id: int) -> None:
        self._set(item_id, paused=False, next_attempt_at=0.0)
        self._poke()

    def pause_all(self, by: str = "user") -> None:
        """Stop starting uploads and interrupt the running ones (they stay queued).

        ``by="error"``: paused because every file would fail the same way (a
        refused sign-in, a certificate); the next retry, added files or new
        settings lift such a pause, so a failure never leaves the queue stuck.
        """
        self.store.set_setting("paused", "1")
        self.store.set_setting("paused_by", by)
        for run in list(self._runs.values()):
            self._stop_run(run, "pause_all")
        self.events.emit(Notice(0, "queue_paused"))

    def resume_all(self) -> None:
        self.store.set_setting("paused", "0")
        self.store.set_setting("paused_by", "")
        self.events.emit(Notice(0, "queue_resumed"))
        self._poke()

    def cancel(self, item_id: int) -> None:
        """Stop an item for good: it goes to Failed (``cancelled``) and can be requeued."""
        run = self._runs.get(item_id)
        if run is not None:
            self._stop_run(run, "cancel")
        else:
            item = self.store.get(item_id)
            if item is not None and item.state is not ItemState.VERIFIED:
                self._fail(item_id, TransferError(FailureReason.CANCELLED))

    def remove(self, item_id: int) -> None:
        """Take an item off the queue (stopping it first). Remote bytes are kept."""
        run = self._runs.get(item_id)
        if run is not None:
            self._stop_run(run, "remove")
            return
        if self.store.delete(item_id):
            self.events.emit(ItemRemoved(item_id))

    def retry(self, item_ids: Iterable[int] | None = None) -> list[QueueItem]:
        """Requeue failed items (all of them when ``item_ids`` is None)."""
        if item_ids is None:
            targets = self.store.items([ItemState.FAILED])
        else:
            targets = self.store.get_many(list(item_ids))
        requeued = []
        for item in targets:
            if item.state is not ItemState.FAILED or item.id in self._runs:
                continue
            requeued.append(
                self._set(
                    item.id,
                    state=ItemState.QUEUED,
                    paused=False,
                    failures_in_row=0,
                    verify_failures=0,
                    next_attempt_at=0.0,
                    reason=None,
                    reason_params=None,
                    action=None,
                )
            )
        if requeued:
            self._clear_error_pause()
        self._poke()
        return requeued

    def _clear_error_pause(self) -> None:
        if self.paused and self.store.get_setting("paused_by", "") == "error":
            self.resume_all()

    def set_speed_limit(self, bytes_per_second: int | None) -> None:
        """Upload speed limit over all transfers together; None or 0 for none."""
        self._throttle.write.limit = bytes_per_second or None

    def set_segment_policy(self, policy: SegmentPolicy) -> None:
        """How large files are split from the next file on (connections per file)."""
        self.segment_policy = policy

    def set_concurrency(self, count: int) -> None:
        self._concurrency = max(1, count)
        self._poke()

    def set_settings(self, settings: FtpSettings) -> None:
        """New server settings (e.g. a corrected password); later connections use them."""
        self.settings = settings
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.abandon()
        self._clear_error_pause()  # e.g. a corrected password: try again

    # -- dispatching ---------------------------------------------------------

    def _poke(self) -> None:
        self._wake.set()

    async def _dispatch(self) -> None:
        while not self._closing:
            self._wake.clear()
            if not self.paused:
                while len(self._runs) < self._boost.limit(self._concurrency, small=True):
                    item = self.store.next_runnable(time.time(), exclude=self._runs)
                    if item is None:
                        break
                    small = self._boost.is_small(item.size)
                    if len(self._runs) >= self._boost.limit(self._concurrency, small):
                        break
                    run = _Run(item.id)
                    self._runs[item.id] = run
                    run.task = asyncio.create_task(self._run(run, item), name=f"upload-{item.id}")
            timeout = None
            if not self.paused and len(self._runs) < self._concurrency:
                due = self.store.next_due_time(exclude=self._runs)
                if due is not None:
                    timeout = max(0.05, due - time.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def _stop_run(self, run: _Run, intent: str) -> None:
        """Ask a running item to stop; it obeys at its next checkpoint at the latest.

        ``task.cancel()`` alone is not enough: on Python 3.11 ``asyncio.wait_for``
        (which aioftp wraps around every socket operation) swallows a
        cancellation that arrives just as the wrapped operation completes, and
        the upload would go on to the end although the user pressed Pause.
        The intent is therefore also a state that :meth:`_checkpoint` reads
        after every block sent and between the steps of an attempt.
        """
        if run.task is asyncio.current_task():
            return  # the run is already ending (e.g. its own error paused the queue)
        if run.intent is None:
            run.intent = intent
        run.cancel.set()
        if run.task is not None:
            run.task.cancel()

    async def _run(self, run: _Run, item: QueueItem) -> None:
        connection: FtpConnection | None = None
        try:
            connection = await self._take_connection()
            self._checkpoint(run)
            await self._attempt(run, item, connection)
            self._give_back(connection)
        except asyncio.CancelledError:
            if connection is not None:
                connection.abandon()
            self._after_stop(run)
        except TransferError as error:
            if connection is not None:
                connection.abandon()
            self._handle_failure(run, error)
        except Exception as exc:  # a bug must not kill the dispatcher or lose the item
            log.exception("upload of item %s failed unexpectedly", item.id)
            if connection is not None:
                connection.abandon()
            self._handle_failure(run, classify(exc))
        finally:
            self._runs.pop(run.item_id, None)
            self._boost.finished(item.size, time.monotonic())
            self._emit_queue_progress(force=True)
            self._poke()

    async def _take_connection(self) -> FtpConnection:
        while self._idle:
            connection = self._idle.pop()
            if connection.is_open and time.monotonic() - connection.last_used < self.idle_reconnect:
                return connection
            connection.abandon()
        connection = FtpConnection(self.settings, self._throttle)
        await connection.open()
        connection.made_dirs = self._made_dirs
        return connection

    def _give_back(self, connection: FtpConnection) -> None:
        if connection.is_open and not self._closing and connection.settings is self.settings:
            self._idle.append(connection)
        else:
            connection.abandon()

    @staticmethod
    def _checkpoint(run: _Run) -> None:
        """Stop here if the user (or shutdown) asked this run to stop."""
        if run.intent is not None:
            raise asyncio.CancelledError(run.intent)

    def _after_stop(self, run: _Run) -> None:
        """A running item was interrupted on purpose: record where it goes."""
        item = self.store.get(run.item_id)
        if item is None:
            return
        intent = run.intent or "shutdown"
        if intent == "remove":
            self.store.delete(item.id)
            self.events.emit(ItemRemoved(item.id))
        elif intent == "cancel":
            self._fail(item.id, TransferError(FailureReason.CANCELLED))
        elif item.state is ItemState.UPLOADING:
            self._set(item.id, state=ItemState.QUEUED, sent=run.sent or item.sent)

    # -- one attempt -------------------------------------------------------------

    async def _attempt(self, run: _Run, item: QueueItem, connection: FtpConnection) -> None:
        verdict = check_path(str(item.remote_path))
        if not verdict.ok:  # pre-flight should have caught it: never send it anyway
            raise TransferError(
                FailureReason.BAD_NAME,
                {
                    "detail": verdict.describe(),
                    "component": verdict.component,
                    "character": verdict.character,
                    "problem": str(verdict.problem),
                },
            )
        item = self._check_local(item)
        run.total = item.size
        md5 = item.md5 or self._cached_md5(item)
        remote = connection.remote(item.remote_path)
        if item.state is not ItemState.UPLOADED:
            item = self._set(item.id, state=ItemState.UPLOADING, attempts=item.attempts + 1)
            previous_confirmed = item.sent
            await connection.ensure_directory(remote.parent)
            if await self._use_segments(item, connection):
                await self._attempt_segmented(run, item, connection, remote)
                return
            remote_size = await self._probe_remote(item, connection, remote)
            offset, hasher = await self._resume_point(run, item, connection, remote_size, md5)
            self._checkpoint(run)
            if offset >= item.size and not item.started:
                self.events.emit(Notice(item.id, "already_on_server", {"size": item.size}))
            run.sent = offset
            run.meter.reset()
            run.progressed = offset > previous_confirmed
            item = self._set(item.id, sent=offset, started=True, restart=False)
            reply = ""
            if offset < item.size or item.size == 0:
                if offset:
                    self.events.emit(Notice(item.id, "resumed", {"offset": offset}))
                reply = await connection.send(
                    item.local_path,
                    remote,
                    offset=offset,
                    size=item.size,
                    hasher=hasher,
                    on_sent=lambda count: self._on_sent(run, count),
                )
            self._checkpoint(run)
            if hasher is not None:
                md5 = hasher.hexdigest()
                self._remember_md5(item, md5)
            item = self._set(item.id, state=ItemState.UPLOADED, sent=item.size, md5=md5)
            self._emit_progress(run, force=True)
            confirmed = completed_md5(reply, item.size)
            if confirmed is not None and md5 is not None and self._unchanged(item):
                # the server's reply to the upload says size and MD5: no more round trips
                if confirmed == md5:
                    self._verified(item, md5, confirmed)
                else:
                    self._mismatch(
                        item,
                        TransferError(
                            FailureReason.MD5_MISMATCH, {"local": md5, "remote": confirmed}
                        ),
                    )
                return
        await self._verify(run, item, connection, md5)

    async def _probe_remote(
        self, item: QueueItem, connection: FtpConnection, remote: PurePosixPath
    ) -> int | None:
        """The remote size, without a round trip per file where none is needed.

        A file never sent before is looked up in its folder's listing, taken
        once per folder and queue: when it is not there, there is nothing to
        resume or to compare, so no SIZE (or range checksum) is asked.
        """
        if not item.started and not item.restart:
            folder = remote.parent
            async with self._listing_lock:  # workers starting together list a folder once
                if folder not in self._listings:
                    self._listings[folder] = await connection.list_names(folder)
            names = self._listings[folder]
            if names is not None and remote.name not in names:
                return None
        return await connection.remote_size(remote)

    @staticmethod
    def _unchanged(item: QueueItem) -> bool:
        try:
            return FileStamp.of(item.local_path) == FileStamp(item.size, item.mtime_ns)
        except OSError:
            return False

    async def _use_segments(self, item: QueueItem, connection: FtpConnection) -> bool:
        """Split this file over several connections? (Large, and the server can.)"""
        policy = self.segment_policy
        if policy.max_connections < 2 or item.size < policy.threshold:
            return False
        return await connection.has_feature(SEGMENTS_FEATURE)

    async def _attempt_segmented(
        self, run: _Run, item: QueueItem, connection: FtpConnection, remote: PurePosixPath
    ) -> None:
        """Stripes over several connections; verified by the server's whole-file MD5."""

        def connections(count: int) -> None:
            run.connections = max(1, count)

        upload = SegmentedUpload(
            item=item,
            remote=remote,
            first=connection,
            settings=self.settings,
            throttle=self._throttle,
            store=self.store,
            policy=self.segment_policy,
            on_sent=lambda count: self._count_sent(run, count),
            should_stop=lambda: run.intent is not None,
            cancel=run.cancel,
            on_connections=connections,
        )
        stored = upload.prepare()
        run.sent = stored
        run.meter.reset()
        run.progressed = stored > item.sent
        item = self._set(item.id, sent=stored, started=True, restart=False)
        if stored:
            self.events.emit(Notice(item.id, "resumed", {"offset": stored}))
        local_md5, server_md5 = await upload.run()
        self._checkpoint(run)
        run.connections = 1
        self._remember_md5(item, local_md5)
        item = self._set(item.id, state=ItemState.UPLOADED, sent=item.size, md5=local_md5)
        self._emit_progress(run, force=True)
        if server_md5 is None:
            await self._verify(run, item, connection, local_md5)
            return
        if server_md5 != local_md5:
            self._mismatch(
                item,
                TransferError(
                    FailureReason.MD5_MISMATCH, {"local": local_md5, "remote": server_md5}
                ),
            )
            return
        self.store.forget_stripes(item.id)
        self._verified(item, local_md5, server_md5)

    def _check_local(self, item: QueueItem) -> QueueItem:
        """Stop on a missing file; restart (and re-hash) a file changed since queued."""
        try:
            stamp = FileStamp.of(item.local_path)
        except FileNotFoundError as exc:
            raise TransferError(
                FailureReason.LOCAL_FILE_MISSING, {"detail": str(item.local_path)}
            ) from exc
        except OSError as exc:
            raise TransferError(FailureReason.LOCAL_READ_ERROR, {"detail": str(exc)}) from exc
        if stamp == FileStamp(item.size, item.mtime_ns):
            return item
        self.events.emit(
            Notice(item.id, "file_changed_rehash", {"size": stamp.size, "old_size": item.size})
        )
        return self._set(
            item.id,
            state=ItemState.QUEUED,
            size=stamp.size,
            mtime_ns=stamp.mtime_ns,
            md5=None,
            remote_md5=None,
            restart=True,
            sent=0,
        )

    def _cached_md5(self, item: QueueItem) -> str | None:
        if self.hash_cache is None:
            return None
        return self.hash_cache.lookup(item.local_path, item.size, item.mtime_ns)

    def _remember_md5(self, item: QueueItem, md5: str) -> None:
        if self.hash_cache is not None:
            self.hash_cache.store(item.local_path, item.size, item.mtime_ns, md5)

    async def _resume_point(
        self,
        run: _Run,
        item: QueueItem,
        connection: FtpConnection,
        remote_size: int | None,
        md5: str | None,
    ) -> tuple[int, IncrementalHasher | None]:
        """Where to continue, and the hasher to feed (None when the MD5 is known)."""
        fresh = None if md5 else IncrementalHasher()
        if not remote_size or item.restart:
            return 0, fresh
        if remote_size > item.size:
            self.events.emit(Notice(item.id, "restarted", {"why": "remote_larger"}))
            return 0, fresh
        remote = connection.remote(item.remote_path)
        server_part = await connection.range_md5(remote, 0, remote_size)
        if server_part is None and not item.started:
            # not known to be ours and not checkable: overwrite it
            return 0, fresh
        # The local prefix is read when the hasher must continue from it, or to
        # compare it with the server's digest of the same bytes.
        loop = asyncio.get_running_loop()
        hasher: IncrementalHasher | None = None
        local_part: str | None = None
        if md5 is None:
            hasher = IncrementalHasher()
            await loop.run_in_executor(
                None, lambda: hasher.catch_up(item.local_path, remote_size, cancel=run.cancel)
            )
            local_part = hasher.peek()
        elif server_part is not None:
            local_part = md5
            if remote_size != item.size:
                local_part = await loop.run_in_executor(
                    None, lambda: md5_range(item.local_path, 0, remote_size, cancel=run.cancel)
                )
        if server_part is not None and server_part != local_part:
            self.events.emit(Notice(item.id, "restarted", {"why": "remote_part_differs"}))
            return 0, fresh
        return remote_size, hasher

    async def _verify(
        self, run: _Run, item: QueueItem, connection: FtpConnection, md5: str | None
    ) -> None:
        remote = connection.remote(item.remote_path)
        remote_size = await connection.remote_size(remote)
        if remote_size is None or remote_size < item.size:
            # FTP cannot tell a cut transfer from a finished one: resume the rest
            self._set(item.id, state=ItemState.UPLOADING)
            raise TransferError(
                FailureReason.CONNECTION_LOST,
                {"detail": f"the server has {remote_size or 0} of {item.size} bytes"},
            )
        if FileStamp.of(item.local_path) != FileStamp(item.size, item.mtime_ns):
            self._mismatch(item, TransferError(FailureReason.FILE_CHANGED))
            return
        if remote_size > item.size:
            self._mismatch(
                item,
                TransferError(
                    FailureReason.SIZE_MISMATCH, {"remote": remote_size, "local": item.size}
                ),
            )
            return
        server_md5 = await connection.range_md5(remote, 0, item.size)
        if md5 is None:  # hasher lost in a crash between upload and verification
            loop = asyncio.get_running_loop()
            md5 = await loop.run_in_executor(
                None, lambda: md5_file(item.local_path, cancel=run.cancel)
            )
            self._remember_md5(item, md5)
        if server_md5 is not None and server_md5 != md5:
            self._mismatch(
                item,
                TransferError(FailureReason.MD5_MISMATCH, {"local": md5, "remote": server_md5}),
            )
            return
        self._verified(item, md5, server_md5)

    def _verified(self, item: QueueItem, md5: str, server_md5: str | None) -> None:
        self._set(
            item.id,
            state=ItemState.VERIFIED,
            md5=md5,
            remote_md5=server_md5,
            verified_by="md5" if server_md5 else "size",
            failures_in_row=0,
            reason=None,
            reason_params=None,
            action=None,
        )

    def _mismatch(self, item: QueueItem, error: TransferError) -> None:
        """Wrong content on the server: upload once more from zero, then give up."""
        failures = item.verify_failures + 1
        if failures <= 1:
            self.events.emit(Notice(item.id, "restarted", {"why": str(error.reason)}))
            changed = {}
            if error.reason is FailureReason.FILE_CHANGED:
                stamp = FileStamp.of(item.local_path)
                changed = {"size": stamp.size, "mtime_ns": stamp.mtime_ns, "md5": None}
            self._set(
                item.id,
                state=ItemState.QUEUED,
                verify_failures=failures,
                restart=True,
                sent=0,
                reason=str(error.reason),
                reason_params=error.params,
                **changed,
            )
            return
        self._set(item.id, verify_failures=failures)
        self._fail(item.id, error)

    # -- progress ------------------------------------------------------------------

    def _on_sent(self, run: _Run, count: int) -> None:
        self._count_sent(run, count)
        self._checkpoint(run)

    def _count_sent(self, run: _Run, count: int) -> None:
        run.sent += count
        self._sent_total += count
        self._emit_progress(run)

    def _emit_progress(self, run: _Run, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - run.last_emit < self.progress_interval:
            return
        run.last_emit = now
        run.meter.add(run.sent)
        self.events.emit(
            ItemProgress(
                run.item_id,
                run.sent,
                run.total,
                run.meter.speed,
                run.meter.eta(run.total - run.sent),
                connections=run.connections,
            )
        )
        self._emit_queue_progress()

    def _emit_queue_progress(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_queue_emit < 0.5:
            return
        self._last_queue_emit = now
        counts = self.store.counts()
        total, done = self.store.byte_totals()
        done += sum(run.sent for run in self._runs.values())
        self._queue_meter.add(self._sent_total)
        self.events.emit(
            QueueProgress(
                done, total, self._queue_meter.speed, self._queue_meter.eta(total - done), counts
            )
        )

    # -- state changes ------------------------------------------------------------

    def _set(self, item_id: int, **changes: Any) -> QueueItem:
        before = self.store.get(item_id)
        item = self.store.update(item_id, **changes)
        if before is not None and (
            before.state is not item.state
            or before.paused != item.paused
            or before.reason != item.reason
        ):
            self.events.emit(StateChanged(item, before.state))
        return item

    def _fail(self, item_id: int, error: TransferError) -> None:
        self._set(
            item_id,
            state=ItemState.FAILED,
            reason=str(error.reason),
            reason_params={**error.params, "message": describe(error.reason, error.params)},
            action=str(error.action),
            next_attempt_at=0.0,
        )

    def _handle_failure(self, run: _Run, error: TransferError) -> None:
        item = self.store.get(run.item_id)
        if item is None:
            return
        if run.intent is not None:  # stopped on purpose while the error happened
            self._after_stop(run)
            return
        progressed = run.progressed
        failures = 1 if progressed else item.failures_in_row + 1
        storage = error.reason is FailureReason.SERVER_ERROR and error.params.get("code") == "451"
        if storage and not progressed and item.failures_in_row:
            # the server keeps failing to write at the same offset: its disk is full
            error = TransferError(FailureReason.SERVER_DISK_FULL, dict(error.params))
        if error.reason in QUEUE_WIDE:
            self._fail(item.id, error)
            self.pause_all(by="error")
            self.events.emit(Notice(item.id, "queue_paused_by_error", {"reason": error.reason}))
            return
        if error.retryable and failures < self.retry_policy.max_failures:
            delay = self.retry_policy.delay(failures)
            self._set(
                item.id,
                state=ItemState.QUEUED,
                failures_in_row=failures,
                next_attempt_at=time.time() + delay,
                reason=str(error.reason),
                reason_params=error.params,
            )
            self.events.emit(
                Notice(
                    item.id,
                    "retry_scheduled",
                    {"delay": delay, "failures": failures, "reason": str(error.reason)},
                )
            )
            return
        self._set(item.id, failures_in_row=failures)
        self._fail(item.id, error)
