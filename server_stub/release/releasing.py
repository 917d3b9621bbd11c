"""Releasing datasets: one release, the pass over every due dataset, start-up cleanup.

A dataset is *due* (:func:`server_stub.release.rules.is_due`) when it is not
released, its date has come, every file is ``Archived`` and a curator has
approved it. Releasing it publishes its open files
(:func:`server_stub.release.public_tree.publish_files`), then sets
``released_at`` and ``Released`` and closes its reviewer links in one
transaction. Each step can be repeated: a release cut half way is finished by
the next pass. :func:`release_due` is that pass as a plain function, for
callers that want the release done before they answer.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from server_stub.archive import archiving
from server_stub.config import Settings
from server_stub.db import Database
from server_stub.models import Access, CurationStatus, Dataset, utcnow
from server_stub.release.claims import claim
from server_stub.release.clock import Clock, FixedDay, clock_for
from server_stub.release.models import LinkCloseReason, ReleaseJournal, ReleaseState, ReviewLink
from server_stub.release.public_tree import (
    PARTIAL_SUFFIX,
    PUBLIC_FOLDER,
    REMOVING_SUFFIX,
    ReleaseError,
    is_published,
    publish_files,
    published_names,
    remove_folder,
    unpublish,
)
from server_stub.release.rules import is_due, publishable
from server_stub.storage import is_local, store_of

log = logging.getLogger(__name__)

RETRY_FAILED_AFTER = timedelta(minutes=5)
"""A release that failed is tried again by the periodic pass after this long."""

RELEASE_LOCK = threading.RLock()
"""Serialises releases in this process (scheduler and request threads)."""


def _load(session: Session, dataset_id: int) -> Dataset | None:
    statement = (
        select(Dataset)
        .where(Dataset.id == dataset_id)
        .options(selectinload(Dataset.files))
        .execution_options(populate_existing=True)
    )
    return session.scalar(statement)


def _journal(session: Session, dataset_id: int) -> ReleaseJournal:
    row = session.scalar(select(ReleaseJournal).where(ReleaseJournal.dataset_id == dataset_id))
    if row is None:
        row = ReleaseJournal(dataset_id=dataset_id, attempts=0)
        session.add(row)
    return row


def close_review_links(session: Session, dataset_id: int, reason: LinkCloseReason) -> int:
    result = session.execute(
        update(ReviewLink)
        .where(ReviewLink.dataset_id == dataset_id, ReviewLink.closed_at.is_(None))
        .values(closed_at=utcnow(), close_reason=reason.value)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def release_dataset(
    database: Database, settings: Settings, dataset_id: int, clock: Clock | None = None
) -> bool:
    """Release one dataset if it is due; ``True`` when it was released now.

    Another process releasing the same dataset right now (a site's other
    nodes on one PostgreSQL) makes this return ``False`` at once
    (:func:`server_stub.release.claims.claim`).
    """
    clock = clock or clock_for(settings)
    with claim(database, dataset_id) as mine:
        if not mine:
            return False
        return _release_claimed(database, settings, dataset_id, clock)


def _release_claimed(database: Database, settings: Settings, dataset_id: int, clock: Clock) -> bool:
    with RELEASE_LOCK, archiving.LOCK:
        with database.session() as session:
            dataset = _load(session, dataset_id)
            if dataset is None or not is_due(dataset, clock.today()):
                return False
            accession = dataset.accession
            journal = _journal(session, dataset_id)
            journal.state = ReleaseState.PUBLISHING
            journal.attempts = (journal.attempts or 0) + 1
            journal.started_at = utcnow()
            journal.finished_at = None
            journal.error = ""
        try:
            if publishable(dataset):
                published = publish_files(settings, dataset)
            else:
                unpublish(settings, accession or "")
                published = 0
        except (OSError, ReleaseError) as error:
            log.warning("release of %s failed: %s", accession, error)
            with database.session() as session:
                journal = _journal(session, dataset_id)
                journal.state = ReleaseState.FAILED
                journal.finished_at = utcnow()
                journal.error = str(error)[:2000]
            return False
        with database.session() as session:
            current = _load(session, dataset_id)
            if current is None or not is_due(current, clock.today()):
                # changed while the files were linked: take them back down
                if current is None or current.released_at is None:
                    unpublish(settings, accession or "")
                return False
            current.released_at = clock.now()
            current.curation_status = CurationStatus.RELEASED
            close_review_links(session, dataset_id, LinkCloseReason.RELEASED)
            journal = _journal(session, dataset_id)
            journal.state = ReleaseState.DONE
            journal.finished_at = utcnow()
            journal.files_published = published
        log.warning("released %s (%d file(s) published)", accession, published)
        return True


def _due_ids(session: Session, on: date, retry_before: datetime | None) -> list[int]:
    statement = (
        select(Dataset.id)
        .outerjoin(ReleaseJournal, ReleaseJournal.dataset_id == Dataset.id)
        .where(
            Dataset.released_at.is_(None),
            Dataset.release_date <= on,
            Dataset.curation_status == CurationStatus.CURATED,
        )
        .order_by(Dataset.release_date, Dataset.id)
    )
    if retry_before is not None:
        statement = statement.where(
            (ReleaseJournal.id.is_(None))
            | (ReleaseJournal.state != ReleaseState.FAILED)
            | (ReleaseJournal.finished_at <= retry_before)
        )
    return list(session.scalars(statement))


def _withheld_now_publishable(session: Session, settings: Settings) -> list[int]:
    """Released human genetic resource datasets whose MOST number arrived later."""
    statement = select(Dataset).where(
        Dataset.released_at.is_not(None),
        Dataset.access == Access.OPEN,
        Dataset.human_genetic_resource.is_(True),
        Dataset.most_registration_number != "",
    )
    return [
        dataset.id
        for dataset in session.scalars(statement)
        if publishable(dataset) and not is_published(settings, dataset.accession or "")
    ]


def publish_released(database: Database, settings: Settings, dataset_id: int) -> bool:
    """(Re)publish an already released dataset's files (no status change)."""
    with claim(database, dataset_id) as mine, RELEASE_LOCK, archiving.LOCK:
        if not mine:
            return False
        with database.session() as session:
            dataset = _load(session, dataset_id)
            if dataset is None or dataset.released_at is None or not publishable(dataset):
                return False
        try:
            publish_files(settings, dataset)
        except (OSError, ReleaseError) as error:
            log.warning("publishing %s failed: %s", dataset.accession, error)
            return False
        return True


def release_due(
    database: Database,
    settings: Settings,
    today: date | None = None,
    *,
    clock: Clock | None = None,
    retry_failed: bool = True,
    stop: threading.Event | None = None,
) -> list[str]:
    """Release every due dataset now (blocking); returns the released accessions.

    Safe to call from any thread, at any time, as often as wanted: the HTTP
    handler that moves a release date to today may call it to release at once.
    """
    clock = clock or clock_for(settings)
    if today is not None:
        clock = FixedDay(today, clock)
    on = clock.today()
    retry_before = None if retry_failed else utcnow() - RETRY_FAILED_AFTER
    with database.session() as session:
        candidates = _due_ids(session, on, retry_before)
        late_publications = _withheld_now_publishable(session, settings)
    released = []
    for dataset_id in candidates:
        if stop is not None and stop.is_set():
            break
        if release_dataset(database, settings, dataset_id, clock):
            with database.session() as session:
                accession = session.scalar(
                    select(Dataset.accession).where(Dataset.id == dataset_id)
                )
            released.append(accession or "")
    for dataset_id in late_publications:
        if stop is not None and stop.is_set():
            break
        publish_released(database, settings, dataset_id)
    return released


def _reconcile_objects(database: Database, settings: Settings, today_: date) -> None:
    """:func:`reconcile_public_tree` in an object store: a folder is shown by its manifest."""
    for name in published_names(settings):
        with database.session() as session:
            dataset = session.scalar(
                select(Dataset)
                .where(Dataset.accession == name)
                .options(selectinload(Dataset.files))
            )
            if dataset is None:
                log.warning("public folder %s belongs to no dataset; left alone", name)
                continue
            released = dataset.released_at is not None
            keep = is_due(dataset, today_) or (released and publishable(dataset))
        if not keep:
            log.warning("removing %s from the public tree (not released or withheld)", name)
            with RELEASE_LOCK:
                unpublish(settings, name)
        elif released and not is_published(settings, name):
            publish_released(database, settings, dataset.id)  # cut half way: finish it


def reconcile_public_tree(database: Database, settings: Settings, today_: date) -> None:
    """Remove from the public tree what must not be there (run at start).

    Hidden leftovers of a dataset that is no longer due, and folders of
    datasets that are not released or not publishable. Folders of released
    datasets and of due ones (which the next pass finishes) stay.
    """
    if not is_local(store_of(settings)):
        _reconcile_objects(database, settings, today_)
        return
    root = settings.public_root / PUBLIC_FOLDER
    if not root.is_dir():
        return
    with database.session() as session:
        public = set(
            session.scalars(
                select(Dataset.accession).where(
                    Dataset.released_at.is_not(None),
                    Dataset.access == Access.OPEN,
                    (Dataset.human_genetic_resource.is_(False))
                    | (Dataset.most_registration_number != ""),
                )
            )
        )
    with RELEASE_LOCK:
        for entry in os.scandir(root):
            name = entry.name
            if name in public:
                continue  # the usual case: a released open dataset
            if name.endswith(REMOVING_SUFFIX):
                shutil.rmtree(entry.path, ignore_errors=True)
                continue
            hidden = name.startswith(".")
            accession = name[1:].removesuffix(PARTIAL_SUFFIX) if hidden else name
            with database.session() as session:
                dataset = session.scalar(
                    select(Dataset)
                    .where(Dataset.accession == accession)
                    .options(selectinload(Dataset.files))
                )
                if dataset is None:
                    if hidden:
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        log.warning("public folder %s belongs to no dataset; left alone", name)
                    continue
                released = dataset.released_at is not None
                keep = is_due(dataset, today_) or (released and publishable(dataset))
            if not keep:
                log.warning("removing %s from the public tree (not released or withheld)", name)
                remove_folder(Path(entry.path))
            elif hidden and released:
                # a re-publication cut half way: finish it (unless another node is)
                publish_released(database, settings, dataset.id)
