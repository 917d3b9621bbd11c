"""The app's one upload queue, owned here so every screen sees the same uploads.

Why a service: the queue must outlive any screen, start once the user has
signed in (FTP signs in with the account's email and password, which the
:class:`~omix_desktop.ui.session.Session` keeps in memory only), keep its
state in the app's data folder so quitting mid-upload loses nothing, and stop
cleanly when the app quits. Screens subscribe to :attr:`UploadsService.events`,
which survives the queue being closed and created again (sign out and in).

After an upload is verified over FTP, the file is followed on the server: the
pre-upload listing (``GET /preupload/files``) is polled for the server's own
MD5, which must equal the local one before the row says "verified by the
server". The queue is kept per server and account, so two accounts on one
computer never share uploads.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Signal

from omix_desktop.transfer import (
    EventBus,
    FtpSettings,
    HashCache,
    ItemState,
    QueueItem,
    StateChanged,
    UploadQueue,
    probe_tls,
    queue_folder,
)
from omix_desktop.transfer.hash_memory import MemoryHashCache
from omix_desktop.transfer.queue_memory import MemoryQueueStore
from omix_desktop.transfer.segmented import policy_for
from omix_desktop.transfer.throttle import SpeedSchedule

if TYPE_CHECKING:
    from omix_desktop.ui.context import AppContext

log = logging.getLogger(__name__)

POLL_INTERVAL = 2.0
"""Seconds between two looks at the server while verified files await its MD5."""
POLL_MAX_INTERVAL = 30.0


@dataclass(frozen=True, slots=True)
class ServerCheck:
    """What the server says about one uploaded file.

    ``state``: ``waiting`` (not listed or MD5 not computed yet), ``verified``
    (the server's MD5 equals the local one), ``mismatch``, ``selected`` (verified
    and picked by a dataset file) or ``gone`` (a selected file left the pre-upload
    area: the server moved it into its dataset).
    """

    state: str
    md5: str | None = None
    selected_by: str | None = None


def listing_by_path(entries: list[Any]) -> dict[str, Mapping[str, Any]]:
    """``{path: {md5, state, selected_by}}`` from pydantic models or raw JSON dicts."""
    result: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        raw = entry if isinstance(entry, Mapping) else entry.model_dump()
        result[str(raw["path"])] = raw
    return result


class UploadsService(QObject):
    """Creates, configures and closes the :class:`UploadQueue`; follows files on the server.

    Signals:
        queue_changed(): a queue was created or closed (views reload their rows).
        server_checked(): :attr:`server_checks` changed.

    Attributes:
        events: the engine's events, whatever queue is current.
        hash_cache: MD5s already computed (shared with the Prepare screen).
        queue: the current queue, or None before sign-in.
        server_checks: ``{item_id: ServerCheck}`` of verified items.
    """

    queue_changed = Signal()
    server_checked = Signal()

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.events = EventBus()
        # read in its own thread, then answered from memory (no SQLite on the Qt thread)
        self.hash_cache: HashCache = MemoryHashCache(context.paths.data_dir)
        self.queue: UploadQueue | None = None
        self.server_checks: dict[int, ServerCheck] = {}
        self.changed_checks: set[int] = set()
        """Items whose :attr:`server_checks` entry the last ``server_checked`` changed."""
        self._owner: tuple[str, str] | None = None
        self._credentials: tuple[str, ...] | None = None
        self._lock = asyncio.Lock()
        self._poller: asyncio.Task[None] | None = None
        self._poke = asyncio.Event()
        self._closed = False
        self._expired = False
        self._unsubscribe = self.events.subscribe(self._on_event)
        context.session.changed.connect(self._session_changed)
        context.session.expired.connect(self._session_expired)

    # -- life cycle ---------------------------------------------------------------------

    def _session_expired(self, _code: str) -> None:
        self._expired = True  # the web session ended; FTP uploads go on meanwhile

    def _session_changed(self) -> None:
        if self._closed:
            return
        session = self.context.session
        if session.user is not None and session.ftp_credentials is not None:
            self._expired = False
            credentials = (session.server_key or "", *session.ftp_credentials)
            if credentials != self._credentials:  # signed in, maybe with a new password
                self._credentials = credentials
                self.context.spawn(self.start())
        elif self.queue is not None and not self._expired:
            self.context.spawn(self.stop())  # signed out or another server

    async def start(self) -> UploadQueue | None:
        """Open the signed-in account's queue (no-op when it is already open)."""
        async with self._lock:
            session = self.context.session
            credentials = session.ftp_credentials
            url = session.server_url
            key = session.server_key
            if credentials is None or url is None or key is None or self._closed:
                return self.queue
            owner = (key, credentials[0])
            if self.queue is not None and self._owner == owner:
                await self.apply_settings()  # e.g. signed in again with a new password
                return self.queue
            await self._close_queue()
            settings = await self.ftp_settings()
            if settings is None:
                return None
            folder = await asyncio.to_thread(
                account_folder, self.context.paths.data_dir / "uploads", key, url, credentials[0]
            )
            # read once off the Qt thread, then served from memory; saved by its own thread
            store = await MemoryQueueStore.open(folder)
            app_settings = self.context.settings
            queue = UploadQueue(
                store,
                settings,
                hash_cache=self.hash_cache,
                concurrency=max(1, app_settings.parallel_transfers),
                speed_limit=max(0, app_settings.speed_limit_kib) * 1024 or None,
                events=self.events,
                segments=policy_for(app_settings.connections_per_file),
            )
            await queue.start()
            queue.set_speed_schedule(speed_schedule(app_settings.speed_schedule))
            self.queue, self._owner = queue, owner
            log.info("upload queue opened in %s", folder)
        self.queue_changed.emit()
        # What exists now (the app's widgets, the queue's snapshot and the Transfers
        # rows over it) lives as long as the queue: out of the collector's sight, each
        # full collection on the Qt thread walks only what came later. No collection
        # first: that would be one long pause; the little garbage about now stays.
        gc.freeze()
        self._ensure_poller()
        return queue

    async def ftp_settings(self) -> FtpSettings | None:
        """FTP connection of the signed-in account, TLS chosen from the settings."""
        session = self.context.session
        credentials = session.ftp_credentials
        url = session.server_url
        if credentials is None or url is None:
            return None
        host = urlsplit(url).hostname or "127.0.0.1"
        settings = FtpSettings(host, session.ftp_port, credentials[0], credentials[1])
        mode = self.context.settings.tls_mode
        if mode == "on":
            return replace(settings, tls=True)
        if mode == "off":
            return settings
        return replace(settings, tls=await probe_tls(settings))

    async def apply_settings(self) -> None:
        """Speed limit, parallel transfers and TLS from the settings, now."""
        queue = self.queue
        if queue is None:
            return
        app_settings = self.context.settings
        queue.set_speed_limit(max(0, app_settings.speed_limit_kib) * 1024 or None)
        queue.set_concurrency(max(1, app_settings.parallel_transfers))
        queue.set_segment_policy(policy_for(app_settings.connections_per_file))
        queue.set_speed_schedule(speed_schedule(app_settings.speed_schedule))
        settings = await self.ftp_settings()
        if settings is not None and queue is self.queue:
            queue.set_settings(settings)

    async def stop(self) -> None:
        """Close the queue: running uploads go back to Queued and resume next time."""
        async with self._lock:
            self._credentials = None
            await self._close_queue()
        self.queue_changed.emit()

    async def _close_queue(self) -> None:
        queue, self.queue, self._owner = self.queue, None, None
        self.server_checks.clear()
        if queue is None:
            return
        await queue.close()
        await queue.store.aclose()
        log.info("upload queue closed")

    async def close(self) -> None:
        """At quit: stop uploads cleanly (they resume on the next start)."""
        self._closed = True
        poller, self._poller = self._poller, None
        if poller is not None:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
        async with self._lock:
            await self._close_queue()
        self._unsubscribe()
        await asyncio.to_thread(self.hash_cache.close)

    # -- following files on the server -------------------------------------------------

    def _on_event(self, event: object) -> None:
        if isinstance(event, StateChanged) and event.item.state is ItemState.VERIFIED:
            self._poke.set()

    def _ensure_poller(self) -> None:
        if self._poller is None or self._poller.done():
            self._poller = self.context.spawn(self._poll_server(), owner=self)
        self._poke.set()

    async def _poll_server(self) -> None:
        """Ask the server for its MD5 of verified files until each one is settled."""
        interval = POLL_INTERVAL
        while not self._closed:
            waiting = self._waiting_items()
            if waiting:
                try:
                    changed = await self.check_server()
                except Exception as error:  # offline or signed out: try again later
                    log.info("pre-upload listing failed: %s", error)
                    changed = False
                interval = POLL_INTERVAL if changed else min(POLL_MAX_INTERVAL, interval * 1.5)
            else:
                interval = POLL_INTERVAL
            self._poke.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poke.wait(), interval if waiting else None)

    def _waiting_items(self) -> list[int]:
        queue = self.queue
        if queue is None:
            return []
        return [
            item.id
            for item in queue.items([ItemState.VERIFIED])
            if self.server_checks.get(item.id, ServerCheck("waiting")).state
            in {"waiting", "verified", "selected"}
        ]

    async def check_server(self) -> bool:
        """One look at the pre-upload listing; True when something changed."""
        queue = self.queue
        api = self.context.session.api
        if queue is None or api is None or self.context.session.user is None:
            return False
        fetch: Callable[[], list[Any]] = getattr(api, "preupload_files", None) or (
            lambda: api.get_json("/preupload/files")
        )
        items = queue.items([ItemState.VERIFIED])
        before = dict(self.server_checks)
        # the listing (one entry per file: 10,000 of them after a big run) is read and
        # compared in a worker thread; the Qt thread only takes in what changed
        changes = await asyncio.to_thread(
            lambda: server_check_changes(listing_by_path(fetch()), items, before)
        )
        if queue is not self.queue:
            return False
        self.server_checks.update(changes)
        self.changed_checks = set(changes)
        changed = bool(changes)
        if changed:
            self.server_checked.emit()
        return changed


def server_check_changes(
    listing: Mapping[str, Mapping[str, Any]],
    items: list[QueueItem],
    before: Mapping[int, ServerCheck],
) -> dict[int, ServerCheck]:
    """What the server now says of each verified item, where it differs from ``before``."""
    changes: dict[int, ServerCheck] = {}
    for item in items:
        entry = listing.get(str(item.remote_path))
        check = ServerCheck("waiting")
        if entry is not None and entry.get("md5") and entry.get("state") != "uploading":
            server_md5 = str(entry["md5"]).lower()
            if item.md5 and server_md5 != item.md5.lower():
                check = ServerCheck("mismatch", server_md5)
            elif entry.get("selected_by"):
                check = ServerCheck("selected", server_md5, str(entry["selected_by"]))
            else:
                check = ServerCheck("verified", server_md5)
        previous = before.get(item.id)
        if entry is None and previous is not None and previous.state in {"selected", "gone"}:
            # moved out of the pre-upload area: into its dataset (or deleted there)
            check = ServerCheck("gone", previous.md5, previous.selected_by)
        if previous != check:
            changes[item.id] = check
    return changes


def account_folder(root: Path, key: str, url: str, email: str) -> Path:
    """The queue folder of ``email`` on the server known as ``key``, made if new.

    Blocking. A queue kept under the server's address by an earlier version
    (before servers announced an id) is moved there, so nothing is forgotten.
    """
    folder = queue_folder(root, key, email)
    legacy = queue_folder(root, url, email)
    if key != url and legacy.is_dir() and not folder.exists():
        log.info("queue of %s moves from %s to %s (server id %s)", url, legacy, folder, key)
        legacy.rename(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def local_md5s(context: AppContext) -> dict[str, str]:
    """MD5s this computer computed for its uploads, by their path on the server.

    The dataset forms fill them in: the archive then checks them against its own.
    """
    queue = context.uploads.queue if context.uploads is not None else None
    if queue is None:
        return {}
    return {str(item.remote_path): item.md5 for item in queue.items() if item.md5}


def local_uploads(context: AppContext) -> list[tuple[str, int, str]]:
    """(path on the server, size, MD5) of each upload whose MD5 this computer computed."""
    queue = context.uploads.queue if context.uploads is not None else None
    if queue is None:
        return []
    return [(str(item.remote_path), item.size, item.md5) for item in queue.items() if item.md5]


def speed_schedule(text: str) -> SpeedSchedule | None:
    """The saved timetable, or None (a fixed limit) when empty or unreadable."""
    try:
        return SpeedSchedule.parse(text) if text.strip() else None
    except ValueError:
        log.warning("ignoring an unreadable speed timetable: %r", text)
        return None
