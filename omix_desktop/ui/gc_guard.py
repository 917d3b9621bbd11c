"""Garbage collection on the Qt thread only.

Python's cyclic garbage collector runs in whichever thread happens to
allocate when a threshold is reached, often a worker of ``asyncio.to_thread``.
If a cycle it frees holds a Qt object (qasync's timers, a widget captured by
a callback), Qt deletes that object from the wrong thread: a warning
("Timers cannot be stopped from another thread") at best, a crash at worst.
As qutebrowser does, we turn automatic collection off and collect from a
timer on the Qt thread instead.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class MainThreadCollector(QObject):
    """While alive, cyclic garbage is collected only on the Qt thread."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    def collect(self) -> None:
        """Collect the generations whose thresholds are reached (cheap when nothing is)."""
        threshold = gc.get_threshold()
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > threshold[generation]:
                gc.collect(generation)
                break

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
