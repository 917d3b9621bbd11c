"""The upload queue served from memory, written to SQLite by a thread of its own.

Why: under qasync the event loop thread *is* the Qt thread, and the engine
reads its store on every dispatch, every state change and every refresh. Even
short SQLite statements add up with 10,000 files (and a busy disk or a WAL
checkpoint makes one of them long): a click or a repaint waits for them.
:class:`MemoryQueueStore` has the :class:`QueueStore` interface, but every read
is a dict or list look-up, and every write changes memory at once and hands a
copy of the new row to the writer thread, which owns the only SQLite
connection and commits what has piled up in one transaction.

Durability: writes reach SQLite in the order they were made, within about
50 ms (the writer lets a burst pile up, and writes an item changed several
times once, as it is last); :meth:`MemoryQueueStore.close` waits for all of
them. A crash may lose the last moment of changes, never reorder them: every
item is then found in a state it really had, and the engine resumes it from
the bytes the server holds (resuming always asks the server).

Opening reads the file (and puts crashed uploads back to ``queued``) in the
writer thread: call ``await MemoryQueueStore.open(folder)`` from the loop.
"""

from __future__ import annotations

import asyncio
import bisect
import concurrent.futures
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import fields, replace
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any, Generic, TypeVar

from omix_desktop.transfer.queue_store import ItemState, QueueItem, QueueStore, StoreSnapshot
from omix_desktop.transfer.selection import PlannedFile

log = logging.getLogger(__name__)

_FIELDS = {f.name for f in fields(QueueItem)}
_PENDING = (ItemState.QUEUED, ItemState.UPLOADING, ItemState.UPLOADED)
Write = Callable[[QueueStore], object]
S = TypeVar("S")
RETRY_SECONDS = 2.0
GATHER_SECONDS = 0.05
"""How long the writer lets writes pile up after the first: at most 20 wake-ups and
commits a second, whatever the engine does (its Python work holds the GIL, which
the Qt thread needs), and an item changed several times is written once."""
"""How soon writes that could not be saved are tried again."""


class BackgroundWriter(threading.Thread, Generic[S]):
    """Owns one SQLite-backed store: opens it, reads it once, then applies writes in order.

    ``opener()`` runs in this thread and returns the store and what it read;
    the writes (callables taking the store) that piled up are applied in one
    transaction when the store has ``transaction()``. The queue and the MD5
    cache (``hash_memory.py``) each have one.
    """

    def __init__(self, name: str, where: Path, opener: Callable[[], tuple[S, Any]]) -> None:
        super().__init__(name=name, daemon=True)
        self.where = where
        self._opener = opener
        self.opened: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self.writes: queue.SimpleQueue[Callable[[S], object] | None] = queue.SimpleQueue()
        self.commits = 0
        self.failures = 0
        self.last_error: str | None = None
        """Why the last commit failed, while saving fails (None once it works again)."""

    def run(self) -> None:
        try:
            store, snapshot = self._opener()
            self.opened.set_result(snapshot)
        except BaseException as error:  # reported to the opener
            self.opened.set_exception(error)
            return
        pending: list[Callable[[S], object]] = []
        """Writes not committed yet: kept and tried again while saving fails."""
        try:
            stop = False
            while not stop:
                try:
                    batch = [self.writes.get(timeout=RETRY_SECONDS if pending else None)]
                except queue.Empty:
                    batch = []
                if batch and batch[0] is not None and not isinstance(batch[0], _Mark):
                    time.sleep(GATHER_SECONDS)  # let a burst pile up: one wake-up, one commit
                while True:  # everything that piled up goes in one transaction
                    try:
                        batch.append(self.writes.get_nowait())
                    except queue.Empty:
                        break
                stop = None in batch
                pending.extend(w for w in batch if w is not None and not isinstance(w, _Mark))
                pending = latest_rows(pending)
                if pending and self._apply(store, pending):
                    pending = []
                for mark in batch:
                    if isinstance(mark, _Mark):
                        mark.reached.set()
        finally:
            getattr(store, "close")()  # noqa: B009 - every store has one

    def _apply(self, store: S, batch: list[Callable[[S], object]]) -> bool:
        transaction = getattr(store, "transaction", None)
        try:
            with transaction() if transaction is not None else contextlib.nullcontext():
                for write in batch:
                    write(store)
        except Exception as error:  # disk full, file locked...: memory stays right
            self.failures += 1
            if self.last_error is None:
                log.exception("%s could not be saved; trying again", self.where)
            self.last_error = f"{type(error).__name__}: {error}"
            return False
        self.commits += 1
        if self.last_error is not None:
            log.info("%s saved again", self.where)
            self.last_error = None
        return True

    def put(self, write: Callable[[S], object]) -> None:
        self.writes.put(write)

    def finish(self, timeout: float) -> None:
        """Commit what is left, close the store and end the thread."""
        self.writes.put(None)
        self.join(timeout)
        if self.is_alive():
            log.error("%s: its writer did not finish within %s s", self.where, timeout)

    def flush(self, timeout: float) -> None:
        """Block until everything put so far was tried (see :attr:`last_error`)."""
        mark = _Mark()
        self.writes.put(mark)
        if not mark.reached.wait(timeout):
            raise TimeoutError(f"{self.where} was not saved within {timeout} s")


class Put:
    """Write one item's snapshot (a later one of the same item makes it useless)."""

    __slots__ = ("item",)

    def __init__(self, item: QueueItem) -> None:
        self.item = item

    def __call__(self, store: QueueStore) -> None:
        store.put(self.item)


def latest_rows(writes: list[Callable[[S], object]]) -> list[Callable[[S], object]]:
    """The writes without the snapshots of an item that a later snapshot replaces
    (each item is written once per batch, as it is last; the order of the rest kept)."""
    seen: set[int] = set()
    kept: list[Callable[[S], object]] = []
    for write in reversed(writes):
        if isinstance(write, Put):
            if write.item.id in seen:
                continue
            seen.add(write.item.id)
        kept.append(write)
    kept.reverse()
    return kept


class _Mark:
    """A place in the writes: set once everything before it was tried."""

    def __init__(self) -> None:
        self.reached = threading.Event()

    def __call__(self, _store: object) -> None:
        """Never applied (a mark is not a write)."""


def _open_queue(location: Path) -> tuple[QueueStore, tuple[Path, StoreSnapshot]]:
    store = QueueStore(location)
    return store, (store.path, store.snapshot())


class MemoryQueueStore(QueueStore):
    """:class:`QueueStore`'s interface over memory; SQLite written in the background.

    A subclass so the engine takes it where it takes a :class:`QueueStore`;
    it overrides every public method and never opens a connection itself.

    Attributes: path (the database file), recovered (items a crash left
    ``uploading``, put back to ``queued`` on open).
    """

    def __init__(self, location: Path) -> None:
        """Blocking (it waits for the file to be read): prefer :meth:`open` in the loop."""
        self._writer: BackgroundWriter[QueueStore] = BackgroundWriter(
            "omix-queue-writer", Path(location), partial(_open_queue, Path(location))
        )
        self._writer.start()
        self.path, snapshot = self._writer.opened.result()
        self.recovered = snapshot.recovered
        self._items: dict[int, QueueItem] = {}
        self._by_remote: dict[str, int] = {}
        self._stripes = snapshot.stripes
        self._settings = dict(snapshot.settings)
        self._next_id = snapshot.next_id
        self._state_counts = dict.fromkeys((s.value for s in ItemState), 0)
        self._paused = 0
        self._pending = 0
        """Unpaused items queued, uploading or uploaded."""
        self._queued = 0
        """Unpaused queued items."""
        self._bytes_active = 0
        self._bytes_done = 0
        self._runnable: list[int] = []
        """Ids of unpaused items that are queued or uploaded, ascending (next_runnable)."""
        self._backed_off: set[int] = set()
        """Unpaused queued items with a next attempt time (next_due_time)."""
        self._closed = False
        for item in snapshot.items:  # in id order, as every later new id is larger
            self._items[item.id] = item
            self._by_remote[str(item.remote_path)] = item.id
            self._count(item, 1)

    @classmethod
    async def open(cls, location: Path) -> MemoryQueueStore:
        """Open without blocking the loop: the file is read in the writer thread."""
        return await asyncio.to_thread(cls, location)

    # -- the in-memory indexes --------------------------------------------------

    def _count(self, item: QueueItem, sign: int) -> None:
        self._state_counts[item.state.value] += sign
        self._paused += sign * item.paused
        if not item.paused and item.state in _PENDING:
            self._pending += sign
            self._queued += sign * (item.state is ItemState.QUEUED)
        if item.state is not ItemState.FAILED:
            self._bytes_active += sign * item.size
            if item.state in (ItemState.UPLOADED, ItemState.VERIFIED):
                self._bytes_done += sign * item.size
        if item.paused or item.state not in (ItemState.QUEUED, ItemState.UPLOADED):
            return
        position = bisect.bisect_left(self._runnable, item.id)
        if sign > 0:
            self._runnable.insert(position, item.id)
        else:
            del self._runnable[position]
        if item.state is ItemState.QUEUED and item.next_attempt_at > 0:
            if sign > 0:
                self._backed_off.add(item.id)
            else:
                self._backed_off.discard(item.id)

    def _replace(self, item: QueueItem) -> None:
        """Store a new snapshot of an item (its place in the dict, id order, is kept)."""
        old = self._items.get(item.id)
        if old is not None:
            self._count(old, -1)
            if old.remote_path != item.remote_path:
                self._by_remote.pop(str(old.remote_path), None)
        self._items[item.id] = item
        self._by_remote[str(item.remote_path)] = item.id
        self._count(item, 1)
        self._write(Put(item))

    def _write(self, write: Write) -> None:
        if self._closed:
            raise RuntimeError("the upload queue's store is closed")
        self._writer.put(write)

    # -- items -----------------------------------------------------------

    def add(self, planned: Iterable[PlannedFile]) -> list[QueueItem]:
        return self.add_tracked(planned)[0]

    def add_tracked(self, planned: Iterable[PlannedFile]) -> tuple[list[QueueItem], set[int]]:
        """As :meth:`QueueStore.add_tracked`, same rules, ids never reused."""
        now = time.time()
        ids: list[int] = []
        new_ids: set[int] = set()
        stamped = []  # all or nothing, as the SQLite store's one transaction: stat first
        for plan in planned:
            if plan.size is None or plan.mtime_ns is None:
                info = plan.local.stat()
                stamped.append((plan, info.st_size, info.st_mtime_ns))
            else:
                stamped.append((plan, plan.size, plan.mtime_ns))
        for plan, size, mtime in stamped:
            existing_id = self._by_remote.get(str(plan.remote))
            if existing_id is None:
                item = QueueItem(
                    self._next_id, plan.local, plan.remote, size, mtime,
                    md5=plan.md5, created_at=now, updated_at=now,
                )  # fmt: skip
                self._next_id += 1
                self._replace(item)
                ids.append(item.id)
                new_ids.add(item.id)
                continue
            existing = self._items[existing_id]
            ids.append(existing_id)
            same_file = existing.local_path == plan.local
            same_file = same_file and (existing.size, existing.mtime_ns) == (size, mtime)
            if existing.state is ItemState.UPLOADING or (
                same_file and existing.state is not ItemState.FAILED
            ):
                continue
            self._replace(
                replace(
                    existing, local_path=plan.local, size=size, mtime_ns=mtime,
                    state=ItemState.QUEUED, md5=plan.md5, remote_md5=None, verified_by=None,
                    sent=0, started=same_file and existing.started, failures_in_row=0,
                    verify_failures=0, restart=not same_file, next_attempt_at=0.0, reason=None,
                    reason_params=None, action=None, paused=False, updated_at=now,
                )
            )  # fmt: skip
        return self.get_many(ids), new_ids

    def get(self, item_id: int) -> QueueItem | None:
        return self._items.get(item_id)

    def get_many(self, ids: list[int]) -> list[QueueItem]:
        items = self._items
        return [items[i] for i in ids if i in items]

    def items(self, states: Iterable[ItemState] | None = None) -> list[QueueItem]:
        """All items in queue (id) order, optionally only those in ``states``."""
        if states is None:
            return list(self._items.values())
        wanted = {ItemState(s) for s in states}
        return [i for i in self._items.values() if i.state in wanted]

    def next_runnable(self, now: float, exclude: Iterable[int] = ()) -> QueueItem | None:
        """The first unpaused item ready to work on: queued (due) or uploaded (to verify)."""
        skip = exclude if isinstance(exclude, set | dict | frozenset) else set(exclude)
        items = self._items
        for item_id in self._runnable:
            if item_id in skip:
                continue
            item = items[item_id]
            if item.state is ItemState.UPLOADED or item.next_attempt_at <= now:
                return item
        return None

    def next_due_time(self, exclude: Iterable[int] = ()) -> float | None:
        """When the earliest unpaused queued item (not excluded) is due; 0.0 if one is now."""
        items = self._items
        skip = {i for i in exclude if i in items}
        backed_off = self._backed_off
        ready = self._queued - len(backed_off)
        for i in skip:
            item = items[i]
            if item.state is ItemState.QUEUED and not item.paused and i not in backed_off:
                ready -= 1
        if ready > 0:
            return 0.0
        times = [items[i].next_attempt_at for i in backed_off if i not in skip]
        return min(times) if times else None

    def update(self, item_id: int, **changes: Any) -> QueueItem:
        """Change fields of one item; returns the new snapshot (saved in the background)."""
        unknown = set(changes) - _FIELDS
        if unknown or "id" in changes:
            raise ValueError(f"cannot update {sorted(unknown | ({'id'} & set(changes)))}")
        old = self._items.get(item_id)
        if old is None:
            raise KeyError(item_id)
        changes["updated_at"] = time.time()
        item = replace(old, **_typed(changes))
        self._replace(item)
        return item

    def delete(self, item_id: int) -> bool:
        item = self._items.get(item_id)
        self._stripes.pop(item_id, None)
        if item is None:
            return False
        del self._items[item_id]
        self._by_remote.pop(str(item.remote_path), None)
        self._count(item, -1)
        self._write(lambda store: store.delete(item_id))
        return True

    # -- stripes of segmented uploads ---------------------------------------------

    def stripes(self, item_id: int) -> list[tuple[int, int, bool]]:
        return list(self._stripes.get(item_id, ()))

    def plan_stripes(self, item_id: int, ranges: Iterable[tuple[int, int]]) -> None:
        planned = [(int(start), int(end)) for start, end in ranges]
        self._stripes[item_id] = [(start, end, False) for start, end in planned]
        if not planned:
            del self._stripes[item_id]
        self._write(lambda store: store.plan_stripes(item_id, planned))

    def stripe_done(self, item_id: int, start: int) -> None:
        stripes = self._stripes.get(item_id, [])
        self._stripes[item_id] = [(s, e, done or s == start) for s, e, done in stripes]
        self._write(lambda store: store.stripe_done(item_id, start))

    def forget_stripes(self, item_id: int) -> None:
        self._stripes.pop(item_id, None)
        self._write(lambda store: store.forget_stripes(item_id))

    # -- totals -------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {**self._state_counts, "paused": self._paused}

    def byte_totals(self) -> tuple[int, int]:
        return self._bytes_active, self._bytes_done

    def pending_count(self) -> int:
        """Unpaused items still to upload or verify (queued, uploading or uploaded)."""
        return self._pending

    # -- settings ----------------------------------------------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        return self._settings.get(key, default)

    def set_setting(self, key: str, value: str) -> None:
        self._settings[key] = value
        self._write(lambda store: store.set_setting(key, value))

    # -- writing ----------------------------------------------------------------

    @property
    def save_error(self) -> str | None:
        """Why the queue cannot be saved right now (None when it is saved)."""
        return self._writer.last_error

    @property
    def commits(self) -> int:
        """Transactions the writer thread committed so far."""
        return self._writer.commits

    def flush(self, timeout: float = 30.0) -> None:
        """Block until everything written so far is committed (tests, a clean quit)."""
        if self._closed:
            raise RuntimeError("the upload queue's store is closed")
        self._writer.flush(timeout)

    async def flushed(self) -> None:
        """Wait, off the loop thread, until everything written so far is committed."""
        await asyncio.to_thread(self.flush)

    def close(self, timeout: float = 30.0) -> None:
        """Commit what is left and close the file (blocking: see :meth:`aclose`)."""
        if self._closed:
            return
        self._closed = True
        self._writer.finish(timeout)

    async def aclose(self) -> None:
        """:meth:`close` without blocking the loop."""
        await asyncio.to_thread(self.close)

    def __enter__(self) -> MemoryQueueStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _typed(changes: dict[str, Any]) -> dict[str, Any]:
    """Values as a snapshot read back from SQLite would have them (paths, enum, bools)."""
    typed = dict(changes)
    if "local_path" in typed:
        typed["local_path"] = Path(typed["local_path"])
    if "remote_path" in typed:
        typed["remote_path"] = PurePosixPath(typed["remote_path"])
    if "state" in typed:
        typed["state"] = ItemState(typed["state"])
    for name in ("paused", "started", "restart"):
        if name in typed:
            typed[name] = bool(typed[name])
    if typed.get("reason_params") is not None:
        typed["reason_params"] = dict(typed["reason_params"])
    return typed
