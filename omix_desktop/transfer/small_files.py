"""More small files in flight while it helps: the queue's adaptive concurrency.

A file of a few KiB costs three round trips (EPSV, STOR and its 150, the
226) and almost no transfer time, so over a long link two files at a time
leave the line idle (120 files of 64 KiB took twice as long as lftp with
``--parallel=2``). Small files therefore may run beyond the "parallel
transfers" setting: the extra slots grow, like the connections of a
segmented upload, while the number of files finished per second still grows,
up to a cap; once more files at once stop helping, the count stays where it is
for the rest of the queue's life.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SmallFileBoost:
    threshold: int = 1024 * 1024
    """Files below this size count as small."""
    cap: int = 16
    """Small files in flight at most, whatever the setting (0 turns the boost off)."""
    step: int = 2
    every: float = 1.0
    """Seconds between two looks at the rate of finished small files."""
    min_gain: float = 1.08
    extra: int = 0
    """Slots small files may use beyond the setting, now."""
    _window_start: float = field(default=0.0, repr=False)
    _done_in_window: int = field(default=0, repr=False)
    _previous_rate: float = field(default=0.0, repr=False)
    _stopped: bool = field(default=False, repr=False)

    def is_small(self, size: int) -> bool:
        return self.cap > 0 and size < self.threshold

    def limit(self, base: int, small: bool) -> int:
        if not small:
            return base
        return max(base, min(self.cap, base + self.extra))

    def finished(self, size: int, now: float) -> None:
        if self.is_small(size):
            self._done_in_window += 1
        self.observe(now)

    def observe(self, now: float) -> None:
        """Grow the extra slots while finished small files per second still grow."""
        if not self._window_start:
            self._window_start = now
            return
        elapsed = now - self._window_start
        if elapsed < self.every:
            return
        rate = self._done_in_window / elapsed
        self._window_start, self._done_in_window = now, 0
        if self._stopped:
            return
        if self._previous_rate and rate < self._previous_rate * self.min_gain:
            self._stopped = True  # more files at once no longer help
            return
        self._previous_rate = rate
        self.extra = min(self.cap, self.extra + self.step)
