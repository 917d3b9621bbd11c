"""The app's asyncio loop on Qt's: qasync's, with cancelled timers let go at once.

Why: qasync runs every ``call_later`` as a Qt timer and keeps its handle until
the timer fires, even when the handle was cancelled. asyncio cancels most of
its timers early: every ``wait_for`` and ``asyncio.timeout`` around an FTP
command or a read schedules one for its whole timeout (30 s and more) and
cancels it when the answer comes. During a queue of 10,000 small files that
left thousands of dead timers alive, each holding the task, frames and
futures it would have woken; the garbage collector walked all of them on the
Qt thread (the 43 ms collection of the tick-gap benchmark). Here a cancelled
handle kills its Qt timer and is forgotten at once.

It relies on qasync's ``_SimpleTimer`` keeping ``{timer id: handle}`` in a
private dict; if a qasync version no longer has it, the loop falls back to
qasync's own behaviour (and ``test_event_loop.py`` says so).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import Context
from typing import Any

import qasync

_CALLBACKS = "_SimpleTimer__callbacks"


class _QtTimerHandle(asyncio.Handle):
    """A handle that, when cancelled, stops its Qt timer and leaves qasync's table."""

    __slots__ = ("_qt_timer", "_timer_id")

    def cancel(self) -> None:
        if not self._cancelled:
            super().cancel()
            timer, self._qt_timer = self._qt_timer, None
            # only while it waits: once qasync runs it, qasync removes it itself (and
            # the id may belong to a new timer by the time someone cancels this one)
            if timer is not None and getattr(timer, _CALLBACKS).get(self._timer_id) is self:
                del getattr(timer, _CALLBACKS)[self._timer_id]
                timer.killTimer(self._timer_id)

    def _run(self) -> None:
        self._qt_timer = None  # running: qasync forgets it when done
        super()._run()


class AppEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """``qasync.QEventLoop`` whose cancelled ``call_later`` timers cost nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.releases_cancelled_timers = isinstance(getattr(self._timer, _CALLBACKS, None), dict)

    def call_later(
        self,
        delay: float,
        callback: Callable[..., object],
        *args: object,
        context: Context | None = None,
    ) -> asyncio.Handle:
        if not self.releases_cancelled_timers:
            return super().call_later(delay, callback, *args, context=context)  # type: ignore[no-any-return]
        if asyncio.iscoroutinefunction(callback):
            raise TypeError("coroutines cannot be used with call_later")
        if not callable(callback):
            raise TypeError(f"callback must be callable: {type(callback).__name__}")
        handle = _QtTimerHandle(callback, args, self, context=context)
        timer = self._timer
        timer_id = timer.startTimer(int(max(0.0, delay) * 1000))
        getattr(timer, _CALLBACKS)[timer_id] = handle
        handle._qt_timer, handle._timer_id = timer, timer_id
        return handle
