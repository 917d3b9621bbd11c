"""The engine's observable side: typed events and a small publish/subscribe bus.

The Qt UI and the ``omix-upload`` CLI are thin views over the engine. They
never poll it: they subscribe here, either with a plain callback (called on
the event loop thread, which under qasync *is* the Qt thread, so a Qt model
can be updated directly) or as an async iterator backed by an
:class:`asyncio.Queue`. Progress events are rate-limited at the source, so a
subscriber never drowns in them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from omix_desktop.transfer.queue_store import ItemState, QueueItem

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ItemAdded:
    item: QueueItem


@dataclass(frozen=True, slots=True)
class ItemRemoved:
    item_id: int


@dataclass(frozen=True, slots=True)
class StateChanged:
    """An item moved between states (or its paused flag / reason changed)."""

    item: QueueItem
    previous: ItemState


@dataclass(frozen=True, slots=True)
class ItemProgress:
    """Bytes of one item confirmed sent; ``speed`` is a rolling average in B/s."""

    item_id: int
    sent: int
    total: int
    speed: float
    eta: float | None
    """Seconds left at the current speed, None while unknown."""
    phase: str = "upload"
    """``upload``, ``check`` (hashing the part already on the server) or ``verify``."""
    connections: int = 1
    """Connections sending this file now (more than one for a segmented upload)."""


@dataclass(frozen=True, slots=True)
class QueueProgress:
    """The whole queue: bytes done of the active (not failed) items, speed, ETA."""

    done: int
    total: int
    speed: float
    eta: float | None
    counts: Mapping[str, int]
    """Number of items per state name, plus ``paused``."""


@dataclass(frozen=True, slots=True)
class Notice:
    """Something worth telling that is not a state change (resumed, restarted...).

    ``code`` is machine-readable, e.g. ``resumed`` {offset}, ``restarted``
    {reason}, ``file_changed_rehash``, ``retry_scheduled`` {delay, attempt}.
    """

    item_id: int
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


Event = ItemAdded | ItemRemoved | StateChanged | ItemProgress | QueueProgress | Notice
Subscriber = Callable[[Event], None]


class EventBus:
    """Fan-out of engine events to callbacks and async iterators."""

    def __init__(self) -> None:
        self._callbacks: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every event; returns the unsubscribe function."""
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    @asynccontextmanager
    async def stream(self, maxsize: int = 0) -> AsyncIterator[asyncio.Queue[Event]]:
        """``async with bus.stream() as queue: event = await queue.get()``.

        With ``maxsize`` set, progress events are dropped (never state changes)
        when the consumer falls behind.
        """
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)

        def put(event: Event) -> None:
            if queue.full():
                if isinstance(event, ItemProgress | QueueProgress):
                    return
                queue.get_nowait()  # make room for what matters
            queue.put_nowait(event)

        unsubscribe = self.subscribe(put)
        try:
            yield queue
        finally:
            unsubscribe()

    def emit(self, event: Event) -> None:
        """Deliver to every subscriber; a failing subscriber never breaks the engine."""
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:  # a view's bug must not stop uploads
                log.exception("event subscriber %r failed on %r", callback, event)


class RateMeter:
    """Rolling transfer rate over the last few seconds, and time left.

    A rolling window (not the average since the start) so the speed reacts
    when a throttle changes or the network slows, yet does not flicker with
    every 1 MiB block.
    """

    def __init__(self, window: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window
        self._clock = clock
        self._samples: list[tuple[float, int]] = []

    def reset(self) -> None:
        self._samples.clear()

    def add(self, total_done: int) -> None:
        """Record the running total of bytes done at the current time."""
        now = self._clock()
        self._samples.append((now, total_done))
        cutoff = now - self._window
        while len(self._samples) > 2 and self._samples[1][0] < cutoff:
            self._samples.pop(0)

    @property
    def speed(self) -> float:
        """Bytes per second over the window (0.0 until two samples exist)."""
        if len(self._samples) < 2:
            return 0.0
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0

    def eta(self, remaining: int) -> float | None:
        """Seconds to transfer ``remaining`` bytes at the current speed."""
        speed = self.speed
        if remaining <= 0:
            return 0.0
        return remaining / speed if speed > 0 else None
