"""The server's "today" for release dates.

Release dates are calendar days in the server's local time. Tests move the
server's clock with ``--clock-file FILE``: the file holds either a date
(``2030-01-31``) or a day offset (``+3``, ``-1``) and is read at every pass,
so a test process can change "today" while the server runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from server_stub.config import Settings
from server_stub.models import utcnow

log = logging.getLogger(__name__)


class Clock(Protocol):
    def today(self) -> date: ...

    def now(self) -> datetime: ...


class SystemClock:
    def today(self) -> date:
        return date.today()

    def now(self) -> datetime:
        return utcnow()


@dataclass(frozen=True)
class FileClock:
    """Today's date taken from a file (tests): ``2030-01-31`` or ``+3`` days."""

    path: Path

    def _offset(self) -> timedelta:
        try:
            text = self.path.read_text().strip()
        except OSError:
            return timedelta(0)
        if not text:
            return timedelta(0)
        try:
            if text[0] in "+-" or text.isdigit():
                return timedelta(days=int(text))
            return date.fromisoformat(text) - date.today()
        except ValueError:
            log.warning("clock file %s: %r is neither a date nor a day offset", self.path, text)
            return timedelta(0)

    def today(self) -> date:
        return date.today() + self._offset()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset()


def clock_for(settings: Settings) -> Clock:
    return FileClock(settings.clock_file) if settings.clock_file else SystemClock()


def today(settings: Settings) -> date:
    """The server's "today" for release dates (honours ``--clock-file``)."""
    return clock_for(settings).today()


@dataclass(frozen=True)
class FixedDay:
    day: date
    base: Clock

    def today(self) -> date:
        return self.day

    def now(self) -> datetime:
        return self.base.now()
