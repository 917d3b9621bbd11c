"""The release pass inside the server process.

:class:`ReleaseScheduler` is started and stopped by ``runner.serve``: one pass
at start (catching up on dates passed while the server was down), then one
every ``settings.release_interval`` seconds, or at once when its
:class:`ReleaseWaker` is told to (e.g. after the owner moved the release date
to today). The runner makes one waker per process and gives it to both the
scheduler and the HTTP app, so no module-level registry links them. A wake-up
reaches this process's scheduler only; on a site the other processes'
schedulers find the dataset at their next pass, and whichever claims it first
releases it (:mod:`.claims`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from server_stub.config import Settings
from server_stub.db import Database
from server_stub.release.clock import Clock, clock_for
from server_stub.release.releasing import reconcile_public_tree, release_due

log = logging.getLogger(__name__)

WAKE_SETTLE = 0.3
"""Seconds a wake-up waits before its pass (the waking request commits meanwhile)."""
WAKE_FOLLOW_UPS = (1.0, 3.0)
"""Extra passes after a wake-up, in case the waking transaction took longer."""


class ReleaseWaker:
    """Asks the process's running release scheduler for a pass now (from any thread).

    Request handlers hold it (``app.state.release_waker``); a scheduler is
    attached while it runs. Waking with none attached does nothing: the next
    start's first pass catches up.
    """

    def __init__(self) -> None:
        self._schedulers: set[ReleaseScheduler] = set()
        self._lock = threading.Lock()

    def attach(self, scheduler: ReleaseScheduler) -> None:
        with self._lock:
            self._schedulers.add(scheduler)

    def detach(self, scheduler: ReleaseScheduler) -> None:
        with self._lock:
            self._schedulers.discard(scheduler)

    def wake(self) -> None:
        with self._lock:
            schedulers = list(self._schedulers)
        for scheduler in schedulers:
            scheduler.wake()


class ReleaseScheduler:
    """Releases due datasets inside the server process."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        clock: Clock | None = None,
        interval: float | None = None,
        waker: ReleaseWaker | None = None,
    ) -> None:
        self.settings = settings
        self.waker = waker or ReleaseWaker()
        self.database = database
        self.clock = clock or clock_for(settings)
        self.interval = max(0.05, interval if interval is not None else settings.release_interval)
        self._wake = asyncio.Event()
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.passes = 0

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run(), name="release-scheduler")
        self.waker.attach(self)

    def wake(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake.set)

    def run_pass(self, first: bool) -> list[str]:
        if first:
            reconcile_public_tree(self.database, self.settings, self.clock.today())
        return release_due(
            self.database,
            self.settings,
            clock=self.clock,
            retry_failed=first,
            stop=self._stop,
        )

    async def _run(self) -> None:
        first = True
        follow_ups: list[float] = []
        while not self._stop.is_set():
            self._wake.clear()
            try:
                await asyncio.to_thread(self.run_pass, first)
            except Exception:
                log.exception("release pass failed")
            first = False
            self.passes += 1
            if self._stop.is_set():
                break
            timeout = min([self.interval, *follow_ups[:1]])
            follow_ups = follow_ups[1:]
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                continue
            # woken by a request that may not have committed yet: give it a
            # moment, and look again a little later in case it was slow
            await asyncio.sleep(WAKE_SETTLE)
            follow_ups = list(WAKE_FOLLOW_UPS)

    async def close(self) -> None:
        """Stop after the dataset being released (if any) is finished."""
        self.waker.detach(self)
        self._stop.set()
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=60)
            except TimeoutError:
                log.warning("release pass still running at shutdown")
                self._task.cancel()
            except Exception:
                log.exception("release scheduler ended with an error")
