"""Following the user's datasets: what changed since the last look, and when to look again.

The archive has no push channel, so the app polls "My submissions". It looks
often while something is in motion (files being checked, a release due) and
backs off to a slow pace when nothing changes, so an idle app costs the
server little (one indexed list query every :data:`SLOW` seconds).
:func:`changes` turns two snapshots into the events worth a desktop
notification; :func:`differs` also sees datasets that appeared (made in the
form or by another client) or went, or any other edit of a row: those are no
notification, but they show the list is moving, so the watch looks again soon
instead of backing off (a new dataset used to wait out the slow pace).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

FAST = 3.0
"""Seconds between looks while something is in motion."""
SLOW = 20.0
"""The slowest pace, reached by doubling when nothing changes: a dataset made by
another client shows within this many seconds."""


class Row(Protocol):
    accession: str
    status: str
    curation_status: str


class ChangeKind(StrEnum):
    ARCHIVED = "archived"
    MD5_FAILED = "md5_failed"
    RELEASED = "released"
    RETURNED = "returned"
    """A curator sent the dataset back with a message."""


@dataclass(frozen=True, slots=True)
class Change:
    accession: str
    kind: ChangeKind


def changes(before: Mapping[str, Row], after: Iterable[Row]) -> list[Change]:
    """Events between two snapshots; datasets seen for the first time raise none."""
    found: list[Change] = []
    for row in after:
        old = before.get(row.accession)
        if old is None:
            continue
        if row.status != old.status:
            if row.status == "Archived":
                found.append(Change(row.accession, ChangeKind.ARCHIVED))
            elif row.status == "MD5 Checked Failed":
                found.append(Change(row.accession, ChangeKind.MD5_FAILED))
            elif row.status == "Released":
                found.append(Change(row.accession, ChangeKind.RELEASED))
        if row.curation_status != old.curation_status and row.curation_status == "Returned":
            found.append(Change(row.accession, ChangeKind.RETURNED))
    return found


def differs(before: Mapping[str, Row], after: Iterable[Row]) -> bool:
    """Anything new in the list: a dataset added or gone, or a row changed at all."""
    rows = list(after)
    if {row.accession for row in rows} != set(before):
        return True
    return any(before[row.accession] != row for row in rows)


def in_motion(rows: Iterable[Row]) -> bool:
    """Something the server is still working on: look again soon."""
    return any(row.status == "Checking" for row in rows)


def next_delay(previous: float, rows: Iterable[Row], changed: bool) -> float:
    """Fast while files are being checked or right after a change, else back off."""
    if changed or in_motion(rows):
        return FAST
    return min(SLOW, max(FAST, previous * 2))
