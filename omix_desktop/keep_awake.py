"""Keep the computer awake while data is moving, and let it sleep again when it stops.

Why: a laptop that falls asleep an hour into a 200 GB upload cuts every
connection; the queue resumes later, but the night is lost. While any
transfer runs we hold a `wakepy <https://wakepy.readthedocs.io>`_
``keep.running`` mode (Windows: SetThreadExecutionState, macOS: caffeinate,
Linux: the desktop's D-Bus inhibitor); when the last one stops we release it.

Plain Python, no Qt (the CLI may use it too). Each reason to stay awake is a
string (``upload:17``, ``download:3``); the mode is held while there is at
least one. wakepy is called on one long-lived worker thread, never on the
caller's: a D-Bus call that hangs must not freeze the window, wakepy modes
are not thread-safe (one thread creates, enters and exits them), and on
Windows the execution state belongs to the thread that set it.

wakepy failing (no D-Bus session here, a locked-down machine) is logged once
as a note, never raised: uploads matter more than sleep.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol

from omix_desktop.transfer.events import Event, ItemRemoved, StateChanged
from omix_desktop.transfer.queue_store import ItemState

log = logging.getLogger(__name__)

MOVING_STATES = frozenset({ItemState.UPLOADING, ItemState.UPLOADED})
"""Item states in which bytes go over the network (sending, or verifying on the server)."""


class WakeMode(Protocol):
    """What we use of a ``wakepy.Mode``: a context manager that says if it took hold."""

    active: bool

    def __enter__(self) -> Any: ...

    def __exit__(self, kind: Any, error: Any, traceback: Any, /) -> Any: ...


def wakepy_mode() -> WakeMode:
    """A fresh ``wakepy.keep.running`` mode that reports failure instead of raising."""
    from wakepy import keep

    return keep.running(on_fail="pass")


class KeepAwake:
    """Holds a wake mode while at least one reason is set.

    Attributes (read from any thread):
        wanted: some transfer runs (the caller's view, updated at once).
        holding: a wake mode is entered (updated by the worker; see :meth:`flush`).
        active: the system confirmed it (False where wakepy cannot work).
        attempts: how many times a mode was entered, for tests and the log.
        last_failure: why the last attempt did not take hold ("" when it did).
    """

    def __init__(self, mode_factory: Callable[[], WakeMode] = wakepy_mode) -> None:
        self._factory = mode_factory
        self._reasons: set[str] = set()
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="omix-keep-awake")
        self._mode: WakeMode | None = None
        self._failure_logged = False
        self._tried = False
        self._closed = False
        self.attempts = 0
        self.last_failure = ""
        self._listeners: list[Callable[[bool], None]] = []

    def add_listener(self, listener: Callable[[bool], None]) -> Callable[[], None]:
        """Call ``listener(wanted)`` on the caller's thread each time ``wanted`` flips."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- reasons (any thread) ------------------------------------------------------------

    @property
    def wanted(self) -> bool:
        with self._lock:
            return bool(self._reasons)

    @property
    def holding(self) -> bool:
        return self._mode is not None

    @property
    def active(self) -> bool:
        mode = self._mode
        return bool(mode is not None and getattr(mode, "active", False))

    def hold(self, reason: str) -> None:
        self.set(reason, True)

    @contextmanager
    def awake(self, reason: str) -> Iterator[None]:
        """``with keeper.awake("download:3"): ...``: held for the block, however it ends."""
        self.hold(reason)
        try:
            yield
        finally:
            self.release(reason)

    def release(self, reason: str) -> None:
        self.set(reason, False)

    def set(self, reason: str, on: bool) -> None:
        """Add or drop one reason; the mode follows when the set becomes (non-)empty."""
        with self._lock:
            if self._closed:
                return
            before = bool(self._reasons)
            if on:
                self._reasons.add(reason)
            else:
                self._reasons.discard(reason)
            changed = before != bool(self._reasons)
        if changed:
            self._changed(not before)

    def release_all(self, prefix: str = "") -> None:
        """Drop every reason starting with ``prefix`` (e.g. when a queue closes)."""
        with self._lock:
            before = bool(self._reasons)
            self._reasons = {r for r in self._reasons if not r.startswith(prefix)}
            changed = before != bool(self._reasons)
        if changed and not self._closed:
            self._changed(False)

    def _changed(self, wanted: bool) -> None:
        self._worker.submit(self._follow)
        for listener in list(self._listeners):
            try:
                listener(wanted)
            except Exception:  # a listener's bug must not stop transfers
                log.exception("keep-awake listener %r failed", listener)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until the worker has followed every change made so far."""
        if not self._closed:
            self._worker.submit(lambda: None).result(timeout)

    def close(self, *, wait: bool = True) -> None:
        """Release the mode and stop the worker (at quit).

        ``wait=False`` returns at once (the event loop's thread must not block on
        D-Bus); the worker still releases the mode before the interpreter exits,
        as Python joins executor threads then.
        """
        with self._lock:
            if self._closed:
                return
            self._reasons.clear()
            self._closed = True
        self._worker.submit(self._follow)
        self._worker.shutdown(wait=wait)

    # -- the worker thread ---------------------------------------------------------------

    def _follow(self) -> None:
        """Enter or exit the mode so that ``holding`` equals ``wanted``."""
        wanted = self.wanted
        if wanted and self._mode is None and not self._tried:
            self._tried = True  # one attempt per busy period, even if it failed
            self._enter()
        elif not wanted:
            self._tried = False
            if self._mode is not None:
                self._exit()

    def _enter(self) -> None:
        self.attempts += 1
        try:
            mode = self._factory()
            mode.__enter__()
        except Exception as error:  # wakepy missing or broken: uploads go on
            self.last_failure = f"{type(error).__name__}: {error}"
            self._note_failure()
            return
        self._mode = mode
        if mode.active:
            self.last_failure = ""
            log.info("keeping the computer awake while transfers run (%s)", _method(mode))
        else:
            self.last_failure = _failure_text(mode)
            self._note_failure()

    def _exit(self) -> None:
        mode, self._mode = self._mode, None
        try:
            if mode is not None:
                mode.__exit__(None, None, None)
        except Exception:
            log.warning("could not release the keep-awake mode", exc_info=True)
        else:
            log.info("transfers stopped: the computer may sleep again")

    def _note_failure(self) -> None:
        """Log why sleep cannot be prevented: in full once, then in one line."""
        if not self._failure_logged:
            self._failure_logged = True
            log.warning(
                "cannot keep the computer awake during transfers; it may sleep and pause "
                "them (uploads resume when it wakes): %s",
                self.last_failure,
            )
        else:
            log.info("keep-awake still unavailable")


def _method(mode: WakeMode) -> str:
    method = getattr(mode, "active_method", None)
    return str(getattr(method, "name", method) or "unknown method")


def _failure_text(mode: WakeMode) -> str:
    result = getattr(mode, "result", None)
    text = getattr(result, "get_failure_text", None)
    return str(text()) if callable(text) else "no method worked"


class QueueWatcher:
    """Turns an upload queue's events into reasons of a :class:`KeepAwake`.

    An item holds the computer awake while it is uploading or being verified,
    and lets go when it leaves those states (verified, failed, paused back to
    queued, removed, or the queue closing: running items go back to queued).
    """

    PREFIX = "upload:"

    def __init__(self, keep_awake: KeepAwake) -> None:
        self.keep_awake = keep_awake

    def on_event(self, event: Event) -> None:
        if isinstance(event, StateChanged):
            item = event.item
            self.keep_awake.set(f"{self.PREFIX}{item.id}", item.state in MOVING_STATES)
        elif isinstance(event, ItemRemoved):
            self.keep_awake.release(f"{self.PREFIX}{event.item_id}")

    def queue_closed(self) -> None:
        self.keep_awake.release_all(self.PREFIX)

    def follow(self, subscribe: Callable[[Callable[[Event], None]], Callable[[], None]]) -> Any:
        """``watcher.follow(queue.events.subscribe)``: returns the unsubscribe function."""
        return subscribe(self.on_event)
