"""The speed limit over all transfers: steady, changeable while running, on a timetable.

aioftp's :class:`aioftp.Throttle` lets idle time build up credit: after a
quiet minute between two batches at 3000 KiB/s, the next 180 MB went at full
speed with the limit still set ("the limit held for the first batch only").
:class:`SteadyThrottle` forgets idle time instead, so the limit holds for
every transfer, whenever it starts.

:class:`SpeedSchedule` is rclone's ``--bwlimit`` timetable: for example
``"08:00,2M 19:00,off"`` is 2 MB/s during working hours and no limit at night.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import aioftp

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
_ENTRY = re.compile(r"^(\d{1,2}):(\d{2}),(off|\d+(?:\.\d+)?[KMG]?)$", re.IGNORECASE)


class SteadyThrottle(aioftp.Throttle):
    """A throttle whose memory never holds credit from idle time."""

    def append(self, data: bytes, start: float) -> None:
        limit = self._limit
        if limit is not None and limit > 0:
            if self._start is None:
                self._start = start
            elapsed = start - self._start
            if elapsed > self.reset_rate:
                # what the link could have carried while idle is not saved up
                self._sum = max(0, self._sum - round(elapsed * limit))
                self._start = start
            self._sum += len(data)

    def clone(self) -> SteadyThrottle:
        return SteadyThrottle(limit=self._limit, reset_rate=self.reset_rate)


def shared_throttle(bytes_per_second: int | None) -> aioftp.StreamThrottle:
    """One write limit for every connection of a queue (reads are not limited)."""
    return aioftp.StreamThrottle(
        read=SteadyThrottle(limit=None), write=SteadyThrottle(limit=bytes_per_second or None)
    )


def parse_rate(text: str) -> int | None:
    """``2M`` → 2 MiB/s, ``512K``, ``off`` → None (no limit)."""
    text = text.strip().upper()
    if text in ("OFF", "0", ""):
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]?)", text)
    if match is None:
        raise ValueError(f"not a speed: {text!r} (use e.g. 512K, 2M or off)")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


@dataclass(frozen=True)
class SpeedSchedule:
    """Speed limits from given times of day on (each holds until the next)."""

    entries: tuple[tuple[time, int | None], ...]

    @classmethod
    def parse(cls, text: str) -> SpeedSchedule:
        """``"08:00,2M 19:00,off"``; a single rate (``"2M"``) holds all day."""
        parts = text.split()
        if len(parts) == 1 and "," not in parts[0]:
            return cls(((time(0, 0), parse_rate(parts[0])),))
        entries = []
        for part in parts:
            match = _ENTRY.match(part)
            if match is None:
                raise ValueError(f"not a timetable entry: {part!r} (use e.g. 08:00,2M 19:00,off)")
            hour, minute = int(match.group(1)), int(match.group(2))
            if hour > 23 or minute > 59:
                raise ValueError(f"not a time of day: {part!r}")
            entries.append((time(hour, minute), parse_rate(match.group(3))))
        if not entries:
            raise ValueError("an empty timetable")
        return cls(tuple(sorted(entries)))

    def limit_at(self, moment: datetime) -> int | None:
        """The limit in force at ``moment`` (the last entry of the day before wraps)."""
        current = self.entries[-1][1]
        for start, limit in self.entries:
            if moment.time() >= start:
                current = limit
        return current

    def next_change(self, moment: datetime) -> datetime:
        """When the limit may change next after ``moment``."""
        for start, _limit in self.entries:
            candidate = datetime.combine(moment.date(), start, moment.tzinfo)
            if candidate > moment:
                return candidate
        first = self.entries[0][0]
        return datetime.combine(moment.date() + timedelta(days=1), first, moment.tzinfo)
