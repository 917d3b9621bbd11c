"""Downloading a large released file over several HTTPS connections at once.

One TCP stream over a long link is capped far below the link (DESIGN §7);
download accelerators win by fetching byte ranges in parallel. So a large
file whose server answers ranges is fetched here as ranges over N
connections (one ``requests.Session`` per worker thread), each written with
``os.pwrite`` at its offset into the preallocated ``<name>.part``:

* The number of connections adapts as uploads do: it starts with a few,
  adds more while the total speed still grows, stops at a cap (default 8,
  more than ``aria2c -x4``'s four: that is where the gain comes from), and
  backs off when the server answers ``429``/``503``.
* Ranges are handed out in file order and shrink towards the end (each is a
  share of what is left), so no connection idles long on a last large range
  and the contiguous part from byte 0 keeps growing.
* The whole-file MD5 is computed in one sequential read that trails that
  contiguous part, and compared with the archive's ``.md5``: a mismatch
  discards the part (``md5_mismatch``).
* A journal of the ranges on disk (:mod:`.range_journal`) lets a cut, a
  kill -9 or a restart of the app fetch only the missing ranges;
  ``If-Range`` with the ETag makes a file changed on the server start again
  cleanly instead of mixing two versions.

Small files, an unknown size, or a server that answers ``200`` to a range
request use the single-stream path of :mod:`.http_download`. Blocking: run
it in a worker thread; ``cancel`` stops every connection within a block.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from omix_desktop.transfer import range_journal as ranges
from omix_desktop.transfer.http_download import Download, DownloadError, Progress, _raise_for, fetch
from omix_desktop.transfer.range_http import (
    NETWORK,
    Busy,
    Changed,
    NoRanges,
    backoff,
    check_range,
    clone_session,
    content_range,
)
from omix_desktop.transfer.range_journal import Journal, TrailingMd5, disk_error, preallocate
from omix_wire.paths import os_path
from omix_wire.positional_io import open_fd, pwrite

MiB = 1024 * 1024
BLOCK = 256 * 1024
"""Bytes read from a response at a time: small enough that a cancel is seen quickly
on a slow connection (0.2 s at 1.5 MB/s), large enough to cost little on loopback."""
Connections = Callable[[int], None]
"""Called with the number of connections in use whenever it changes."""


@dataclass(frozen=True)
class RangePolicy:
    """When to split a download and how many connections to use."""

    threshold: int = 4 * MiB
    """Files smaller than this come in one stream. Over a 100 ms round trip even a few
    MiB arrive faster over four connections; below this the gain is under a second."""
    start_connections: int = 4
    max_connections: int = 8
    """The cap; 1 turns segmenting off."""
    chunk_max: int = 8 * MiB
    """Largest range asked at once: one round trip per range costs ~2 % at 1.5 MB/s."""
    chunk_min: int = 1 * MiB
    grow_every: float = 1.0
    """Seconds between two looks at the total speed: a new connection over a 100 ms
    round trip delivers within 0.2 s, so one second shows its gain."""
    grow_by: int = 2
    min_gain: float = 1.08
    """Keep adding connections while the total speed grows by at least this factor."""
    journal_every: float = 1.0

    @classmethod
    def fixed(cls, connections: int, **options: Any) -> RangePolicy:
        """Exactly ``connections`` at once (``--connections N``), no adapting."""
        count = max(1, connections)
        return cls(start_connections=count, max_connections=count, **options)


def fetch_segmented(
    http: requests.Session,
    job: Download,
    *,
    policy: RangePolicy | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    on_connections: Connections | None = None,
    retries: int = 5,
    timeout: tuple[float, float] = (10.0, 60.0),
) -> str:
    """Download ``job`` (resuming its ``.part``); returns the MD5 of the complete file.

    Same contract as :func:`.http_download.fetch`; a part left by a
    segmented download (it has a journal) is always resumed segmented, even
    with one connection, since its bytes are not a prefix.
    """
    policy = policy or RangePolicy()
    journal = Journal.load(job.part)

    def single() -> str:
        if on_connections is not None:
            on_connections(1)
        return fetch(http, job, progress=progress, cancel=cancel, retries=retries, timeout=timeout)

    if journal is None and (
        policy.max_connections < 2 or not job.size or job.size < policy.threshold
    ):
        return single()
    for _round in range(3):
        run = _Run(http, job, policy, progress, cancel, on_connections, retries, timeout)
        try:
            return run.go(journal)
        except Changed:
            _discard(job)
            journal = None
        except NoRanges:
            return single()
    raise DownloadError("server_error", "the file changed on the server during the download")


def _discard(job: Download) -> None:
    Journal.path_for(job.part).unlink(missing_ok=True)
    job.part.unlink(missing_ok=True)


class _Slot:
    """The range one worker is fetching; ``pos`` advances as bytes are written."""

    def __init__(self, start: int, end: int) -> None:
        self.pos = start
        self.end = end


@dataclass
class _First:
    """The probe's answer, handed to the first worker with its session (no lost RTT)."""

    slot: _Slot
    response: requests.Response
    session: requests.Session


class _Run:
    """One segmented attempt on one ``.part`` (a fresh one after ``Changed``)."""

    def __init__(
        self,
        http: requests.Session,
        job: Download,
        policy: RangePolicy,
        progress: Progress | None,
        cancel: threading.Event | None,
        on_connections: Connections | None,
        retries: int,
        timeout: tuple[float, float],
    ) -> None:
        self.http = http
        self.job = job
        self.policy = policy
        self.progress = progress
        self.cancel = cancel or threading.Event()
        self.on_connections = on_connections or (lambda count: None)
        self.retries = retries
        self.timeout = timeout
        self.cond = threading.Condition()
        self.halt = threading.Event()
        self.journal: Journal
        self.pending: list[ranges.Interval] = []
        self.on_disk = 0
        self.alive = 0
        self.cap = max(1, policy.max_connections)
        self.plateau = False
        self.fatal: DownloadError | None = None
        self.changed = False
        self.fd = -1
        self.threads: list[threading.Thread] = []

    # -- the whole run -------------------------------------------------------

    def go(self, journal: Journal | None) -> str:
        first: _First | None = None
        if journal is None or not self._part_matches(journal):
            journal, first = self._start()
        self.journal = journal
        self.on_disk = ranges.total(journal.done)
        self.pending = ranges.missing(journal.done, journal.size)
        if first is not None:  # the probe's range is already being fetched
            self.pending = ranges.missing(
                [*journal.done, (first.slot.pos, first.slot.end)], journal.size
            )
        try:
            self.fd = open_fd(self.job.part, os.O_RDWR)  # binary on Windows
        except OSError as error:
            if first is not None:
                first.response.close()
            raise disk_error(error, self.on_disk) from error
        if self.progress is not None:
            self.progress(self.on_disk, journal.size)
        hasher = TrailingMd5(self.job.part, self.journal, self.cond, self.halt)
        try:
            self._transfer(first)
            os.fsync(self.fd)
        finally:
            if ranges.missing(self.journal.done, self.journal.size):
                self.halt.set()
            with self.cond:
                self.cond.notify_all()
            os.close(self.fd)
        md5 = hasher.result(self.on_disk)
        expected = (self.job.expected_md5 or "").lower()
        if expected and md5 != expected:
            _discard(self.job)
            raise DownloadError("md5_mismatch", expected=expected, got=md5)
        self.journal.remove()  # first: a full part without a journal still resumes
        os.replace(self.job.part, os_path(self.job.destination))
        return md5

    def _part_matches(self, journal: Journal) -> bool:
        try:
            on_disk = self.job.part.stat().st_size
        except FileNotFoundError:
            on_disk = -1
        if on_disk == journal.size and self.job.size in (None, journal.size):
            return True
        _discard(self.job)
        return False

    def _start(self) -> tuple[Journal, _First]:
        """Ask for the first range: a ``206`` says ranges work, gives the size and ETag."""
        size = self.job.size or 0
        try:
            kept = self.job.part.stat().st_size  # a single stream's prefix, if any
        except FileNotFoundError:
            kept = 0
        if kept >= size:
            raise NoRanges  # complete already, or unknown: the single path checks it
        slot = _Slot(
            kept, min(size, kept + self._share(size - kept, self.policy.start_connections))
        )
        session = clone_session(self.http)
        failures = 0
        while True:
            try:
                response = session.get(
                    self.job.url, headers={"Range": f"bytes={slot.pos}-{slot.end - 1}"},
                    stream=True, timeout=self.timeout,
                )  # fmt: skip
                break
            except NETWORK as error:
                failures += 1
                if failures > self.retries:
                    raise DownloadError("connection", str(error)) from error
                if self.cancel.wait(backoff(failures)):
                    raise DownloadError("cancelled") from None
        got = content_range(response)
        if response.status_code != 206 or got is None or got[0] != slot.pos:
            response.close()
            if response.status_code in (401, 403, 404):
                _raise_for(response)
            raise NoRanges
        etag = response.headers.get("ETag")
        strong = etag if etag and not etag.startswith("W/") else None
        journal = Journal(
            path=Journal.path_for(self.job.part),
            url=self.job.url,
            size=got[2],
            etag=etag,
            validator=strong or response.headers.get("Last-Modified"),
        )
        if 0 < kept <= journal.size:
            ranges.add(journal.done, 0, kept)
        try:
            journal.save()  # before the part grows, so a preallocated part always has one
            preallocate(self.job.part, journal.size)
        except OSError as error:
            response.close()
            raise disk_error(error, kept) from error
        slot.end = min(slot.end, journal.size)
        return journal, _First(slot, response, session)

    def _transfer(self, first: _First | None) -> None:
        """Run the workers, adapt their number, journal now and then; raise what stopped it."""
        if not self.pending and first is None:
            return
        self._spawn(min(self.policy.start_connections, self.cap), first)
        window_at, window_bytes, previous = time.monotonic(), self.on_disk, 0.0
        saved_at = window_at
        try:
            while True:
                with self.cond:
                    if self.alive == 0:
                        if not self.pending or self._stopping() or self.fatal or self.changed:
                            break
                        self._spawn_locked(1, None)  # work given back by a worker that left
                    self.cond.wait(0.2)
                if self.cancel.is_set():
                    self.halt.set()
                now = time.monotonic()
                if now - saved_at >= self.policy.journal_every:
                    self._save()
                    saved_at = now
                if now - window_at < self.policy.grow_every:
                    continue
                rate = (self.on_disk - window_bytes) / (now - window_at)
                window_at, window_bytes = now, self.on_disk
                with self.cond:
                    if self.plateau or self.alive >= self.cap or not self.pending:
                        continue
                    if previous and rate < previous * self.policy.min_gain:
                        self.plateau = True  # more connections no longer help
                        continue
                    previous = rate
                    self._spawn_locked(min(self.policy.grow_by, self.cap - self.alive), None)
        finally:
            self.halt.set()
            for thread in self.threads:
                thread.join(timeout=30)
            self._save()
        if self.changed:
            raise Changed
        if self.fatal is not None:
            raise self.fatal
        if self.cancel.is_set() and self.pending:
            raise DownloadError("cancelled")
        if ranges.missing(self.journal.done, self.journal.size):
            raise DownloadError("connection", "some ranges could not be fetched")

    def _save(self) -> None:
        """The journal, after the bytes it names are on disk (fdatasync first)."""
        os.fdatasync(self.fd)
        with self.cond:
            done = list(self.journal.done)
        self.journal.save(done)

    def _stopping(self) -> bool:
        return self.halt.is_set() or self.cancel.is_set()

    # -- workers ---------------------------------------------------------------

    def _spawn(self, count: int, first: _First | None) -> None:
        with self.cond:
            self._spawn_locked(count, first)

    def _spawn_locked(self, count: int, first: _First | None) -> None:
        for index in range(max(0, count)):
            if index > 0 and not self.pending:
                break
            self.alive += 1
            given = first if index == 0 else None
            thread = threading.Thread(
                target=self._worker, args=(given,), name="download-range", daemon=True
            )
            self.threads.append(thread)
            thread.start()
        self.on_connections(self.alive)

    def _share(self, left: int, workers: int) -> int:
        """The next range's size: a share of what is left, so ranges shrink at the end."""
        share = left // (2 * max(1, workers))
        return min(self.policy.chunk_max, max(self.policy.chunk_min, share))

    def _take_or_leave(self) -> _Slot | None:
        """(Locked) the next range, or ``None`` after leaving: nothing left, or over the cap."""
        if self.alive > self.cap or not self.pending or self._stopping():
            self._leave_locked()
            return None
        start, end = self.pending[0]
        left = ranges.total(self.pending)
        stop = min(end, start + self._share(left, max(self.alive, self.policy.start_connections)))
        if end - stop < self.policy.chunk_min // 2:
            stop = end  # no sliver left for another request
        if stop >= end:
            self.pending.pop(0)
        else:
            self.pending[0] = (stop, end)
        return _Slot(start, stop)

    def _leave_locked(self) -> None:
        self.alive -= 1
        self.on_connections(self.alive)
        self.cond.notify_all()

    def _worker(self, first: _First | None) -> None:
        session = first.session if first is not None else clone_session(self.http)
        failures = 0
        left = False
        try:
            while True:
                response: requests.Response | None = None
                if first is not None:
                    slot, response = first.slot, first.response
                    first = None
                else:
                    with self.cond:
                        taken = self._take_or_leave()
                    if taken is None:
                        left = True
                        return
                    slot = taken
                try:
                    self._fetch_range(session, slot, response)
                    failures = 0
                except Busy as busy:
                    failures += 1
                    with self.cond:
                        ranges.add(self.pending, slot.pos, slot.end)
                        self.cap = max(1, self.alive - 1)
                        self.plateau = True
                        if self.alive > self.cap:
                            self._leave_locked()
                            left = True
                            return
                        if failures > self.retries:
                            self._fail(DownloadError("server_error", str(busy)))
                            return
                    self.halt.wait(busy.delay)
                except NETWORK as error:
                    failures += 1
                    with self.cond:
                        ranges.add(self.pending, slot.pos, slot.end)
                        if failures > self.retries:
                            if self.alive > 1:  # the others carry on with one fewer
                                self.cap = max(1, min(self.cap, self.alive - 1))
                                self._leave_locked()
                                left = True
                            else:
                                self._fail(DownloadError("connection", str(error)))
                            return
                    self.halt.wait(backoff(failures))
                except Changed:
                    with self.cond:
                        self.changed = True
                        self.halt.set()
                    return
                except DownloadError as error:
                    with self.cond:
                        ranges.add(self.pending, slot.pos, slot.end)
                        if error.code != "cancelled":
                            self._fail(error)
                    return
        finally:
            session.close()
            if not left:
                with self.cond:
                    self._leave_locked()

    def _fail(self, error: DownloadError) -> None:
        """(Locked) a failure no retry mends: every worker stops."""
        if self.fatal is None:
            self.fatal = error
        self.halt.set()

    def _fetch_range(
        self, session: requests.Session, slot: _Slot, response: requests.Response | None
    ) -> None:
        if response is None:
            headers = {"Range": f"bytes={slot.pos}-{slot.end - 1}"}
            if self.journal.validator:
                headers["If-Range"] = self.journal.validator
            response = session.get(self.job.url, headers=headers, stream=True, timeout=self.timeout)
        with response:
            check_range(response, slot.pos, self.journal.size)
            for block in response.iter_content(BLOCK):  # to the end: the connection is
                if self._stopping():  # then kept for the next range (no new handshake)
                    raise DownloadError("cancelled")
                self._write(block[: slot.end - slot.pos], slot)
        if slot.pos < slot.end:
            raise requests.ConnectionError(f"range ended at {slot.pos}, not {slot.end}")

    def _write(self, block: bytes, slot: _Slot) -> None:
        view = memoryview(block)
        while view:
            try:
                written = pwrite(self.fd, view, slot.pos)  # Windows has no os.pwrite
            except OSError as error:
                raise disk_error(error, self.on_disk) from error
            with self.cond:
                ranges.add(self.journal.done, slot.pos, slot.pos + written)
                self.on_disk += written
                self.job.received += written
                self.cond.notify_all()
                if self.progress is not None:
                    self.progress(self.on_disk, self.journal.size)
            slot.pos += written
            view = view[written:]
