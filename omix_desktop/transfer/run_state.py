"""The queue's shared core: one run's bookkeeping, state changes, progress, stops.

:class:`UploadQueue` is assembled from this core, the per-file protocol
(``file_protocol.py``) and the retry policy (``retry.py``); each part reads
and changes items only through the methods here, so every change is
committed to the store and announced on the event bus in one place.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from omix_desktop.transfer.events import (
    EventBus,
    ItemProgress,
    ItemRemoved,
    Notice,
    QueueProgress,
    RateMeter,
    StateChanged,
)
from omix_desktop.transfer.hash_cache import FileStamp
from omix_desktop.transfer.queue_store import ItemState, QueueItem, QueueStore
from omix_desktop.transfer.reasons import FailureReason, TransferError, describe

log = logging.getLogger(__name__)


@dataclass
class Run:
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


class QueueCore:
    """State transitions, progress events and stops (shared by the queue's parts)."""

    store: QueueStore
    events: EventBus
    progress_interval: float
    _runs: dict[int, Run]
    _queue_meter: RateMeter
    _last_queue_emit: float
    _sent_total: int
    _wake: asyncio.Event

    def _poke(self) -> None:
        """Wake the dispatcher: something may be startable now."""
        self._wake.set()

    @property
    def paused(self) -> bool:
        """The whole queue is paused (persisted across restarts)."""
        return self.store.get_setting("paused", "0") == "1"

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

    def _stop_run(self, run: Run, intent: str) -> None:
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

    @staticmethod
    def _checkpoint(run: Run) -> None:
        """Stop here if the user (or shutdown) asked this run to stop."""
        if run.intent is not None:
            raise asyncio.CancelledError(run.intent)

    def _after_stop(self, run: Run) -> None:
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

    def _on_sent(self, run: Run, count: int) -> None:
        self._count_sent(run, count)
        self._checkpoint(run)

    def _count_sent(self, run: Run, count: int) -> None:
        run.sent += count
        self._sent_total += count
        self._emit_progress(run)

    def _emit_progress(self, run: Run, *, force: bool = False) -> None:
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
