"""Curation and release: what happens to a dataset after archiving.

Reviewer links live in :mod:`server_stub.review_links`; release only closes them.

Release
-------
A dataset is *due* when it is not released, its release date is today or
earlier (by :func:`clock_for`), every one of its files is ``Archived`` and a
curator has approved it (``Curated``: the guide's chain is Waiting for
Curation → Curated → Released). A dataset curated after its date, or
archived after it, releases at once. Releasing it:

1. links each open-access file from the archive into a hidden folder
   ``public/OMIX/.<acc>.partial/<file id><full suffix>`` (``os.link``: no
   copy, whatever the size; a copy only when the public store is on another
   filesystem) with an md5sum-format ``<name>.md5`` companion beside it;
2. renames that folder to ``public/OMIX/<acc>`` in one step (``os.replace``),
   so the anonymous FTP endpoint and the HTTP side see all files or none;
3. only then sets ``released_at`` and the curation status ``Released`` and
   closes the dataset's reviewer links, in one transaction.

Each step can be repeated: a release cut half way (a crash, a full disk) is
finished by the next pass, which reuses what step 1 already linked. At start
the scheduler also removes public folders that should not be there (a hidden
partial folder of a dataset that is no longer due, the folder of a dataset
that is not released).

Controlled-access files are never put in the public tree; they are served
over HTTPS only to approved requesters (``api/downloads.py``). Human genetic
resource data are withheld from the public tree until the dataset has its
MOST registration number (the guide: such data cannot be downloaded or
requested before registration); the number can be added after release, and
the next scheduler pass then publishes the files.

The clock
---------
Release dates are calendar days in the server's local time. Tests move the
server's clock with ``--clock-file FILE``: the file holds either a date
(``2030-01-31``) or a day offset (``+3``, ``-1``) and is read at every pass,
so a test process can change "today" while the server runs.

Scheduler
---------
:class:`ReleaseScheduler` runs inside the server process (started and stopped
by ``runner.serve``): one pass at start (catching up on dates passed while the
server was down), then one every ``settings.release_interval`` seconds, or at
once when :func:`request_release_check` is called (e.g. after the owner moved
the release date to today). :func:`release_due` is the same pass as a plain
function for callers that want the release done before they answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from server_stub import archiving
from server_stub.catalog import Links, ftp_path, public_name
from server_stub.config import Settings
from server_stub.db import Database
from server_stub.errors import ApiError, not_found
from server_stub.models import (
    Access,
    CurationStatus,
    DataFile,
    Dataset,
    DatasetStatus,
    FileStatus,
    User,
    utcnow,
)
from server_stub.models_release import (
    LinkCloseReason,
    ReleaseJournal,
    ReleaseState,
    ReviewLink,
)

log = logging.getLogger(__name__)

PUBLIC_FOLDER = "OMIX"
PARTIAL_SUFFIX = ".partial"
REMOVING_SUFFIX = ".removing"
RETRY_FAILED_AFTER = timedelta(minutes=5)
"""A release that failed is tried again by the periodic pass after this long."""
CURATION_MESSAGE_MAX = 4000
WAKE_SETTLE = 0.3
"""Seconds a wake-up waits before its pass (the waking request commits meanwhile)."""
WAKE_FOLLOW_UPS = (1.0, 3.0)
"""Extra passes after a wake-up, in case the waking transaction took longer."""

RELEASE_LOCK = threading.RLock()
"""Serialises releases in this process (scheduler and request threads)."""


class ReleaseError(RuntimeError):
    """A release that cannot finish now (missing or changed archive file…)."""


# --- the clock ----------------------------------------------------------------------


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


# --- where released files go --------------------------------------------------------


def public_folder(settings: Settings, accession: str) -> Path:
    return settings.public_root / PUBLIC_FOLDER / accession


def partial_folder(settings: Settings, accession: str) -> Path:
    return settings.public_root / PUBLIC_FOLDER / f".{accession}{PARTIAL_SUFFIX}"


def public_path(settings: Settings, file: DataFile) -> Path:
    return public_folder(settings, file.dataset.accession or "") / public_name(file)


def md5_line(file: DataFile) -> str:
    """md5sum format: ``<32 hex>  <name>``."""
    return f"{file.md5_computed or file.md5_declared}  {public_name(file)}\n"


def withheld_reason(dataset: Dataset) -> str | None:
    """Why a released dataset's files are not downloadable by everyone (or ``None``)."""
    if dataset.access != Access.OPEN:
        return "controlled"
    if dataset.human_genetic_resource and not dataset.most_registration_number.strip():
        return "most_registration_missing"
    return None


def publishable(dataset: Dataset) -> bool:
    """Whether a released dataset's files belong in the public tree."""
    return withheld_reason(dataset) is None


def all_archived(dataset: Dataset) -> bool:
    return bool(dataset.files) and all(f.status == FileStatus.ARCHIVED for f in dataset.files)


def is_due(dataset: Dataset, on: date) -> bool:
    return (
        dataset.released_at is None
        and dataset.release_date <= on
        and dataset.curation_status == CurationStatus.CURATED
        and all_archived(dataset)
    )


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _link(source: Path, target: Path, size: int) -> None:
    """Make ``target`` the same file as ``source`` (hard link; copy across filesystems)."""
    try:
        stat = source.stat()
    except FileNotFoundError:
        raise ReleaseError(f"archive file {source.name} is missing") from None
    if stat.st_size != size:
        raise ReleaseError(
            f"archive file {source.name} has {stat.st_size} bytes, the database says {size}"
        )
    if target.exists():
        if os.path.samefile(source, target):
            return
        target.unlink()
    try:
        os.link(source, target)
        return
    except OSError as error:
        if error.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK):
            raise
    temporary = target.with_name(f".{target.name}.copy")
    shutil.copyfile(source, temporary)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)


def _write_text(target: Path, text: str) -> None:
    if target.exists() and target.read_text() == text:
        return
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, target)


def archive_file(settings: Settings, accession: str, file: DataFile) -> Path:
    """Where archiving stored the file (``archive/<acc>/<stored name>``)."""
    return settings.archive_root / accession / (file.stored_name or file.file_id)


def expected_names(dataset: Dataset) -> dict[str, str]:
    """Every name of the dataset's public folder: ``"file"`` or the ``.md5`` text."""
    names: dict[str, str] = {}
    for file in dataset.files:
        name = public_name(file)
        names[name] = "file"
        names[f"{name}.md5"] = md5_line(file)
    return names


def _complete(folder: Path, dataset: Dataset) -> bool:
    try:
        present = set(os.listdir(folder))
    except FileNotFoundError:
        return False
    wanted = expected_names(dataset)
    if present != set(wanted):
        return False
    for file in dataset.files:
        path = folder / public_name(file)
        if path.stat().st_size != file.size:
            return False
    return True


def publish_files(settings: Settings, dataset: Dataset) -> int:
    """Put the dataset's files in the public tree, all at once; returns how many.

    Idempotent: an already complete folder is left as it is, a partial folder
    from an interrupted run is completed.
    """
    accession = dataset.accession or ""
    final = public_folder(settings, accession)
    partial = partial_folder(settings, accession)
    if final.is_dir() and not partial.exists():
        if _complete(final, dataset):
            return len(dataset.files)
        os.replace(final, partial)  # rebuild it hidden, then show it again
    partial.mkdir(parents=True, exist_ok=True)
    wanted = expected_names(dataset)
    for entry in os.scandir(partial):
        if entry.name not in wanted:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
    for file in dataset.files:
        name = public_name(file)
        _link(archive_file(settings, accession, file), partial / name, file.size)
        _write_text(partial / f"{name}.md5", md5_line(file))
    _fsync_folder(partial)
    if final.exists():
        _remove_folder(final)
    os.replace(partial, final)
    _fsync_folder(final.parent)
    return len(dataset.files)


def _remove_folder(folder: Path) -> None:
    """Make the folder disappear at once (rename), then delete it."""
    hidden = folder.with_name(f".{folder.name.lstrip('.')}{REMOVING_SUFFIX}")
    if hidden.exists():
        shutil.rmtree(hidden, ignore_errors=True)
    try:
        os.replace(folder, hidden)
    except FileNotFoundError:
        return
    shutil.rmtree(hidden, ignore_errors=True)


def unpublish(settings: Settings, accession: str) -> None:
    for folder in (public_folder(settings, accession), partial_folder(settings, accession)):
        if folder.exists():
            _remove_folder(folder)


# --- releasing ----------------------------------------------------------------------


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
    """Release one dataset if it is due; ``True`` when it was released now."""
    clock = clock or clock_for(settings)
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


@dataclass(frozen=True)
class _FixedDay:
    day: date
    base: Clock

    def today(self) -> date:
        return self.day

    def now(self) -> datetime:
        return self.base.now()


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
        if publishable(dataset) and not public_folder(settings, dataset.accession or "").exists()
    ]


def publish_released(database: Database, settings: Settings, dataset_id: int) -> bool:
    """(Re)publish an already released dataset's files (no status change)."""
    with RELEASE_LOCK, archiving.LOCK:
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
        clock = _FixedDay(today, clock)
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


def reconcile_public_tree(database: Database, settings: Settings, today_: date) -> None:
    """Remove from the public tree what must not be there (run at start).

    Hidden leftovers of a dataset that is no longer due, and folders of
    datasets that are not released or not publishable. Folders of released
    datasets and of due ones (which the next pass finishes) stay.
    """
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
                _remove_folder(Path(entry.path))
            elif hidden and released:
                # a re-publication cut half way: finish it
                try:
                    with archiving.LOCK:
                        publish_files(settings, dataset)
                except (OSError, ReleaseError) as error:
                    log.warning("finishing the publication of %s failed: %s", accession, error)


# --- scheduler ----------------------------------------------------------------------

_schedulers: set[ReleaseScheduler] = set()
_schedulers_lock = threading.Lock()


def request_release_check() -> None:
    """Wake the release scheduler(s) of this process for a pass now (any thread)."""
    with _schedulers_lock:
        schedulers = list(_schedulers)
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
    ) -> None:
        self.settings = settings
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
        with _schedulers_lock:
            _schedulers.add(self)

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
        with _schedulers_lock:
            _schedulers.discard(self)
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


# --- curation -----------------------------------------------------------------------


def dataset_by_accession(session: Session, accession: str) -> Dataset:
    dataset = session.scalar(
        select(Dataset).where(Dataset.accession == accession).options(selectinload(Dataset.files))
    )
    if dataset is None:
        raise ApiError(404, "dataset_not_found", f"No dataset '{accession}'.")
    return dataset


def owned_dataset(session: Session, user: User, accession: str) -> Dataset:
    """The user's dataset; another user's is reported exactly like a missing one."""
    dataset = session.scalar(
        select(Dataset)
        .where(Dataset.accession == accession, Dataset.user_id == user.id)
        .options(selectinload(Dataset.files))
    )
    if dataset is None:
        raise not_found("dataset", accession)
    return dataset


def curation_queue(session: Session) -> list[Dataset]:
    """Datasets waiting for a curator, oldest submission first."""
    statement = (
        select(Dataset)
        .where(Dataset.curation_status == CurationStatus.WAITING, Dataset.released_at.is_(None))
        .options(selectinload(Dataset.files), selectinload(Dataset.user))
        .order_by(Dataset.submitted_at, Dataset.id)
    )
    return list(session.scalars(statement))


def _refuse_released(dataset: Dataset) -> None:
    if dataset.released_at is not None:
        raise ApiError(409, "already_released", f"{dataset.accession} is already released.", None)


def approve(session: Session, accession: str, curator: User) -> Dataset:
    """Curated: the dataset releases on its release date (once archived)."""
    if not curator.is_curator:
        raise ApiError(403, "curator_only", "Only curators may do this.")
    dataset = dataset_by_accession(session, accession)
    _refuse_released(dataset)
    if dataset.status != DatasetStatus.ARCHIVED:
        raise ApiError(
            409,
            "files_not_archived",
            f"{accession} cannot be approved before every file is archived "
            f"(status {dataset.status}).",
            dataset_status=str(dataset.status),
        )
    dataset.curation_status = CurationStatus.CURATED
    dataset.curation_message = ""
    session.flush()
    log.info("%s approved by curator %s", accession, curator.email)
    request_release_check()
    return dataset


def return_to_submitter(session: Session, accession: str, curator: User, message: str) -> Dataset:
    """Returned with a message the submitter reads; not released until curated."""
    if not curator.is_curator:
        raise ApiError(403, "curator_only", "Only curators may do this.")
    message = message.strip()
    if not message:
        raise ApiError(422, "required", "Tell the submitter what to change.", "message")
    if len(message) > CURATION_MESSAGE_MAX:
        raise ApiError(
            422, "too_long", "The message is too long.", "message", max_length=CURATION_MESSAGE_MAX
        )
    dataset = dataset_by_accession(session, accession)
    _refuse_released(dataset)
    dataset.curation_status = CurationStatus.RETURNED
    dataset.curation_message = message
    session.flush()
    log.info("%s returned by curator %s", accession, curator.email)
    return dataset


def resubmit(session: Session, dataset: Dataset) -> Dataset:
    """The owner sends a returned dataset back to curation (message kept for history)."""
    _refuse_released(dataset)
    if dataset.curation_status != CurationStatus.RETURNED:
        raise ApiError(
            409,
            "not_returned",
            f"{dataset.accession} was not returned by a curator; nothing to resubmit.",
        )
    dataset.curation_status = CurationStatus.WAITING
    session.flush()
    request_release_check()
    return dataset


# --- downloads ----------------------------------------------------------------------


def count_download(session: Session, file_id: str) -> None:
    """One more download of a data file (HTTPS or FTP, counted from its first byte)."""
    session.execute(
        update(DataFile)
        .where(DataFile.file_id == file_id)
        .values(download_count=DataFile.download_count + 1)
    )


# --- links for pages ----------------------------------------------------------------


def public_file_urls(
    settings: Settings, dataset: Dataset, base_url: str | None = None
) -> list[dict[str, str | None]]:
    """Download addresses of a released dataset's files, in file order.

    ``https_url`` (or http, as the server is reached: ``settings.public_base_url``
    or ``base_url``, e.g. ``str(request.base_url)``), ``md5_url``, and for
    publicly downloadable files ``ftp_path`` (``/OMIX/<acc>/<name>``) and
    ``ftp_url``; these two are ``None`` for controlled or withheld data.
    """
    request_base = base_url or f"http://{settings.host}:{settings.http_port}"
    links = Links.for_request(settings, request_base)
    public = publishable(dataset) and dataset.released_at is not None
    rows: list[dict[str, str | None]] = []
    for file in dataset.files:
        path = ftp_path(dataset, file)
        rows.append(
            {
                "file_id": file.file_id,
                "name": public_name(file),
                "https_url": links.download(file),
                "md5_url": links.md5(file),
                "ftp_path": path if public else None,
                "ftp_url": links.ftp(path) if public else None,
            }
        )
    return rows
