"""MD5 of local files, off the event loop, cancellable and with progress.

Why it looks like this:

* MD5 is CPU-bound at roughly one core's worth (~800 MB/s). ``hashlib``
  releases the GIL for updates of 2 KiB or more, so several files hash in
  parallel in worker threads; one file cannot be split across cores.
* Reads go into one reused 1 MiB buffer per worker (``readinto``), so memory
  stays flat whatever the file size and no allocation happens per block.
* A 20 GB hash must stop promptly when the user cancels or the app quits
  (closing a qasync loop waits for executor jobs), so the worker checks a
  :class:`threading.Event` between blocks: it stops within one block.
* Progress reaches the caller on the event loop thread (never from a worker
  thread) and rate-limited, so a Qt model can be updated directly from it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from omix_wire.paths import os_path

if TYPE_CHECKING:
    from omix_desktop.transfer.hash_cache import HashCache

BLOCK_SIZE = 1024 * 1024
"""Read size: large enough that hashlib drops the GIL and syscalls are rare."""

PROGRESS_INTERVAL = 0.1
"""Seconds between two progress reports of one file (the last one always comes)."""


CHANGING_RETRIES = 3
"""How often a file that is written to while being hashed is hashed again."""


class HashCancelled(Exception):
    """Raised when hashing stopped because the cancel event was set."""


class FileChangingError(OSError):
    """The file kept changing while it was read (still being written?)."""


@dataclass(frozen=True, slots=True)
class HashProgress:
    """One progress report: the file's own progress and the whole batch's."""

    path: Path
    file_done: int
    file_total: int
    overall_done: int
    overall_total: int
    finished: bool = False

    @property
    def fraction(self) -> float:
        """Overall fraction done in 0..1 (1.0 for an empty batch)."""
        return self.overall_done / self.overall_total if self.overall_total else 1.0


ProgressCallback = Callable[[HashProgress], None]


def md5_file(
    path: Path,
    *,
    cancel: threading.Event | None = None,
    on_bytes: Callable[[int], None] | None = None,
    block_size: int = BLOCK_SIZE,
) -> str:
    """Blocking MD5 of a whole file; run it in a worker thread.

    ``on_bytes`` receives the size of every block read (called in this thread).
    """
    return md5_range(path, 0, None, cancel=cancel, on_bytes=on_bytes, block_size=block_size)


def md5_range(
    path: Path,
    start: int,
    end: int | None,
    *,
    cancel: threading.Event | None = None,
    on_bytes: Callable[[int], None] | None = None,
    block_size: int = BLOCK_SIZE,
) -> str:
    """Blocking MD5 of bytes ``[start, end)`` of a file (``end=None``: to the end).

    Used to compare the part of a file already on the server with the local
    bytes before resuming an upload.
    """
    digest = hashlib.md5()
    _feed(path, digest, start, end, cancel=cancel, on_bytes=on_bytes, block_size=block_size)
    return digest.hexdigest()


def _feed(
    path: Path,
    digest: hashlib._Hash,
    start: int,
    end: int | None,
    *,
    cancel: threading.Event | None,
    on_bytes: Callable[[int], None] | None,
    block_size: int,
) -> int:
    """Feed ``[start, end)`` of ``path`` into ``digest``; return bytes read."""
    buffer = bytearray(block_size)
    view = memoryview(buffer)
    remaining = None if end is None else max(0, end - start)
    total = 0
    with open(os_path(path), "rb", buffering=0) as handle:  # long Windows paths too
        if start:
            handle.seek(start)
        while remaining is None or remaining > 0:
            if cancel is not None and cancel.is_set():
                raise HashCancelled(str(path))
            want = block_size if remaining is None else min(block_size, remaining)
            count = handle.readinto(view[:want])
            if not count:
                break
            digest.update(view[:count])
            total += count
            if remaining is not None:
                remaining -= count
            if on_bytes is not None:
                on_bytes(count)
    if remaining:
        raise EOFError(f"{path} ended {remaining} bytes before offset {end}")
    return total


class IncrementalHasher:
    """MD5 built from consecutive blocks that another pass (an upload) reads anyway.

    "Hash while uploading": a file nobody has hashed yet is hashed in the same
    read pass that sends it, so a 20 GB file is read once, not twice. When an
    upload resumes at offset ``n`` the prefix ``[0, n)`` must be hashed first
    (:meth:`catch_up`), which is also the read needed to check the remote part.
    Not thread-safe: one reader feeds it in order.
    """

    def __init__(self) -> None:
        self._digest = hashlib.md5()
        self.offset = 0
        """Number of bytes fed so far; the next block must start here."""

    def update(self, block: bytes | memoryview, at: int | None = None) -> None:
        """Feed the next block; ``at`` (its file offset) guards against gaps."""
        if at is not None and at != self.offset:
            raise ValueError(f"block at {at} but hasher is at {self.offset}")
        self._digest.update(block)
        self.offset += len(block)

    def catch_up(
        self,
        path: Path,
        end: int,
        *,
        cancel: threading.Event | None = None,
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        """Blocking: hash the file from the current offset up to ``end``."""
        if end < self.offset:
            raise ValueError(f"cannot rewind hasher from {self.offset} to {end}")
        self.offset += _feed(
            path,
            self._digest,
            self.offset,
            end,
            cancel=cancel,
            on_bytes=on_bytes,
            block_size=BLOCK_SIZE,
        )

    def peek(self) -> str:
        """Digest of what was fed so far, without finishing the hasher."""
        return self._digest.copy().hexdigest()

    def hexdigest(self) -> str:
        """Digest of everything fed so far."""
        return self._digest.hexdigest()


class _ProgressRelay:
    """Collects block counts from worker threads and reports on the loop thread."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        callback: ProgressCallback | None,
        overall_total: int,
    ) -> None:
        self._loop = loop
        self._callback = callback
        self.overall_total = overall_total
        self.overall_done = 0
        self._counted: dict[Path, int] = {}

    def file_reporter(self, path: Path, file_total: int) -> Callable[[int], None] | None:
        """A per-file ``on_bytes`` for a worker, rate-limited to PROGRESS_INTERVAL."""
        if self._callback is None:
            return None
        state = {"done": 0, "reported": 0, "last": 0.0}

        def on_bytes(count: int) -> None:
            state["done"] += count
            now = time.monotonic()
            if now - state["last"] >= PROGRESS_INTERVAL:
                state["last"] = now
                delta = state["done"] - state["reported"]
                state["reported"] = state["done"]
                done = int(state["done"])
                self._loop.call_soon_threadsafe(self._emit, path, done, file_total, int(delta))

        return on_bytes

    def finish_file(self, path: Path, file_total: int) -> None:
        """Called on the loop thread when a file ends (hashed or from cache).

        Intermediate reports scheduled by the worker run before this (the
        loop's callbacks are FIFO), so only the uncounted rest is added here.
        """
        rest = file_total - self._counted.get(path, 0)
        self._emit(path, file_total, file_total, rest, finished=True)

    def _emit(
        self, path: Path, done: int, total: int, delta: int, *, finished: bool = False
    ) -> None:
        self.overall_done += delta
        self._counted[path] = self._counted.get(path, 0) + delta
        if self._callback is not None:
            self._callback(
                HashProgress(path, done, total, self.overall_done, self.overall_total, finished)
            )


async def hash_files(
    paths: Iterable[Path],
    *,
    concurrency: int | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    cache: HashCache | None = None,
    errors: dict[Path, OSError] | None = None,
) -> dict[Path, str]:
    """MD5 of many files, at most ``concurrency`` at once (default: number of cores).

    Returns ``{path: lowercase hex md5}``. Files unchanged since they were last
    hashed come from ``cache`` without being read; new digests are stored in it.
    If ``errors`` is given, unreadable files are recorded there and skipped;
    otherwise the first :class:`OSError` stops the batch and propagates.
    Setting ``cancel`` (or cancelling the awaiting task) stops every worker
    within one block and raises :class:`HashCancelled` / ``CancelledError``.
    """
    unique = list(dict.fromkeys(Path(p) for p in paths))
    workers = max(1, concurrency or os.cpu_count() or 1)
    stop = threading.Event()
    loop = asyncio.get_running_loop()

    sizes: dict[Path, int] = {}
    for path in unique:
        try:
            sizes[path] = path.stat().st_size
        except OSError as exc:
            if errors is None:
                raise
            errors[path] = exc
    todo = [p for p in unique if p in sizes]
    relay = _ProgressRelay(loop, on_progress, sum(sizes.values()))
    results: dict[Path, str] = {}

    def work(path: Path) -> str:
        """Worker thread: the cached digest if the file is unchanged, else hash it."""
        if stop.is_set() or (cancel is not None and cancel.is_set()):
            raise HashCancelled(str(path))
        stat = path.stat()
        if cache is not None:
            cached = cache.lookup(path, stat.st_size, stat.st_mtime_ns)
            if cached is not None:
                return cached
        for _attempt in range(CHANGING_RETRIES):
            reporter = relay.file_reporter(path, stat.st_size)
            digest = md5_file(path, cancel=_AnyEvent(stop, cancel), on_bytes=reporter)
            after = path.stat()
            if (after.st_size, after.st_mtime_ns) == (stat.st_size, stat.st_mtime_ns):
                if cache is not None:
                    cache.store(path, stat.st_size, stat.st_mtime_ns, digest)
                return digest
            stat = after  # written to while we read it: the digest is of nothing real
        raise FileChangingError(f"{path} keeps changing while it is being hashed")

    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="omix-md5")
    try:
        futures = {loop.run_in_executor(executor, work, path): path for path in todo}
        pending = set(futures)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for future in done:
                path = futures[future]
                try:
                    digest = future.result()
                except OSError as exc:
                    if errors is None:
                        raise
                    errors[path] = exc
                    continue
                results[path] = digest
                relay.finish_file(path, sizes[path])
    finally:
        # Stops workers still running after an error or a task cancellation.
        stop.set()
        executor.shutdown(wait=False, cancel_futures=True)
    return results


class _AnyEvent(threading.Event):
    """An event that reads as set when any of the wrapped events is set."""

    def __init__(self, *events: threading.Event | None) -> None:
        super().__init__()
        self._events = [e for e in events if e is not None]

    def is_set(self) -> bool:
        return any(e.is_set() for e in self._events)
