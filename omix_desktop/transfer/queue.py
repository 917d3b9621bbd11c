"""The upload queue: FileZilla-style Queued / Failed / Successful, that never loses work.

Each item moves ``queued → uploading → uploaded → verified`` or ends ``failed``
with a reason code and a suggested action; :meth:`UploadQueue.retry` puts it
back to ``queued``. The state lives in :class:`QueueStore` (SQLite) and is
committed before the engine acts, so a crash at any moment leaves every item
where it was, and the next start resumes uploads from the bytes already on
the server.

The queue is assembled from parts, one job each: scheduling and the
connection pool here, the per-file protocol in ``file_protocol.py``, the
retry policy in ``retry.py``, and the shared state changes and progress in
``run_state.py``; large files go as stripes (``segmented.py``) and small ones
more at a time (``small_files.py``).

Everything observable goes through :attr:`UploadQueue.events`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import PurePosixPath

from omix_desktop.transfer.events import (
    EventBus,
    ItemAdded,
    ItemRemoved,
    Notice,
    RateMeter,
    StateChanged,
)
from omix_desktop.transfer.file_protocol import FileProtocol
from omix_desktop.transfer.ftp_uploader import FtpConnection, FtpSettings
from omix_desktop.transfer.hash_cache import HashCache
from omix_desktop.transfer.queue_store import ItemState, QueueItem, QueueStore
from omix_desktop.transfer.reasons import FailureReason, TransferError, classify
from omix_desktop.transfer.retry import QUEUE_WIDE, FailureHandling, RetryPolicy
from omix_desktop.transfer.run_state import Run
from omix_desktop.transfer.segmented import SegmentPolicy
from omix_desktop.transfer.selection import PlannedFile
from omix_desktop.transfer.small_files import SmallFileBoost
from omix_desktop.transfer.throttle import SpeedSchedule, shared_throttle

__all__ = ["QUEUE_WIDE", "RetryPolicy", "UploadQueue"]

log = logging.getLogger(__name__)


class UploadQueue(FileProtocol, FailureHandling):
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
        idle_reconnect: float = 300.0,
        keepalive: float = 30.0,
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
        self.keepalive = keepalive
        self._keeper: asyncio.Task[None] | None = None
        self.segment_policy = segments or SegmentPolicy()
        self._boost = small_files or SmallFileBoost()
        self._made_dirs: set[PurePosixPath] = set()
        self._listings: dict[PurePosixPath, set[str] | None] = {}
        """Names in remote folders when first seen by this queue (None: not listable)."""
        self._listing_lock = asyncio.Lock()
        """Remote folders created during this queue's life: one MKD per folder."""
        self._concurrency = max(1, concurrency)
        self._throttle = shared_throttle(speed_limit)
        self._schedule_task: asyncio.Task[None] | None = None
        self._runs: dict[int, Run] = {}
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
            self._keeper = asyncio.create_task(self._keep_alive(), name="omix-keep-alive")

    async def close(self) -> None:
        """Stop: running uploads are interrupted and go back to ``queued`` (resumable)."""
        self._closing = True
        self.set_speed_schedule(None)
        if self._keeper is not None:
            self._keeper.cancel()
            self._keeper = None
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

    def set_speed_schedule(self, schedule: SpeedSchedule | None) -> None:
        """Follow a timetable of speed limits (None: back to a fixed limit, as set)."""
        if self._schedule_task is not None:
            self._schedule_task.cancel()
            self._schedule_task = None
        if schedule is not None:
            self._schedule_task = asyncio.create_task(
                self._follow(schedule), name="omix-speed-schedule"
            )

    async def _follow(self, schedule: SpeedSchedule) -> None:
        while True:
            now = datetime.now().astimezone()
            limit = schedule.limit_at(now)
            if self.speed_limit != limit:
                self.set_speed_limit(limit)
                self.events.emit(Notice(0, "speed_limit_changed", {"limit": limit or 0}))
            wait = (schedule.next_change(now) - now).total_seconds()
            await asyncio.sleep(min(60.0, max(0.05, wait)))  # a clock change is seen soon

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
                    run = Run(item.id)
                    self._runs[item.id] = run
                    run.task = asyncio.create_task(self._run(run, item), name=f"upload-{item.id}")
            timeout = None
            if not self.paused and len(self._runs) < self._concurrency:
                due = self.store.next_due_time(exclude=self._runs)
                if due is not None:
                    timeout = max(0.05, due - time.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _run(self, run: Run, item: QueueItem) -> None:
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

    async def _keep_alive(self) -> None:
        """NOOP on signed-in connections that wait in the pool while others transfer,
        so routers and servers that drop silent connections do not cut them; with
        nothing running they are left to expire (``idle_reconnect``)."""
        while not self._closing:
            await asyncio.sleep(self.keepalive)
            if not self._runs:
                continue
            now = time.monotonic()
            for connection in [c for c in self._idle if now - c.last_used >= self.keepalive]:
                if connection not in self._idle:
                    continue  # taken by an upload meanwhile
                self._idle.remove(connection)  # nobody else uses it during the NOOP
                if await connection.keep_alive() and not self._closing:
                    self._idle.append(connection)
                else:
                    connection.abandon()
