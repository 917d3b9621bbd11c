"""What the submissions watcher reports and how often it looks."""

from __future__ import annotations

from dataclasses import dataclass

from omix_desktop import status_watch
from omix_desktop.status_watch import Change, ChangeKind


@dataclass
class Row:
    accession: str
    status: str
    curation_status: str = "Waiting for Curation"


def test_changes_worth_a_notification() -> None:
    before = {
        "OMIX000001": Row("OMIX000001", "Checking"),
        "OMIX000002": Row("OMIX000002", "Checking"),
        "OMIX000003": Row("OMIX000003", "Archived", "Curated"),
        "OMIX000004": Row("OMIX000004", "Archived"),
    }
    after = [
        Row("OMIX000001", "Archived"),
        Row("OMIX000002", "MD5 Checked Failed"),
        Row("OMIX000003", "Released", "Released"),
        Row("OMIX000004", "Archived", "Returned"),
        Row("OMIX000005", "Checking"),  # new: no event
    ]
    assert status_watch.changes(before, after) == [
        Change("OMIX000001", ChangeKind.ARCHIVED),
        Change("OMIX000002", ChangeKind.MD5_FAILED),
        Change("OMIX000003", ChangeKind.RELEASED),
        Change("OMIX000004", ChangeKind.RETURNED),
    ]
    assert status_watch.changes({r.accession: r for r in after}, after) == []


def test_looks_fast_while_checking_and_backs_off_when_idle() -> None:
    checking = [Row("OMIX000001", "Checking")]
    idle = [Row("OMIX000001", "Archived")]
    assert status_watch.next_delay(60.0, checking, changed=False) == status_watch.FAST
    assert status_watch.next_delay(3.0, idle, changed=True) == status_watch.FAST
    delays = [status_watch.FAST]
    for _ in range(10):
        delays.append(status_watch.next_delay(delays[-1], idle, changed=False))
    assert delays[1] == 6.0 and delays[-1] == status_watch.SLOW
    assert delays == sorted(delays)


def test_a_new_or_edited_dataset_is_movement_without_a_notification() -> None:
    before = {"OMIX000001": Row("OMIX000001", "Archived")}
    assert not status_watch.differs(before, [Row("OMIX000001", "Archived")])
    grown = [Row("OMIX000001", "Archived"), Row("OMIX000002", "Archived")]
    assert status_watch.differs(before, grown)  # made in the form or by another client
    assert status_watch.changes(before, grown) == []  # but nothing to notify
    assert status_watch.differs(before, [])  # deleted elsewhere
    assert status_watch.differs(before, [Row("OMIX000001", "Archived", "Curated")])
    # so the watch looks again soon instead of backing off towards SLOW
    assert status_watch.next_delay(status_watch.SLOW, grown, changed=True) == status_watch.FAST
