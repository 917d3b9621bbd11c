"""The MD5 cache served from memory, written to SQLite by a thread of its own.

Why: the upload engine looks a file's digest up before sending it and
stores it after, on the event loop thread, which in the desktop app is the Qt
thread; with 10,000 files that was 30,000 SQLite calls there. The cache is
small (a path, two integers and 32 characters per file), so it is read once,
in its writer thread, and then answered from a dict; stores and forgets go to
the writer in order, as for the queue (``queue_memory.py``).
"""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path

from omix_desktop.transfer.hash_cache import HashCache
from omix_desktop.transfer.queue_memory import BackgroundWriter

Digests = dict[str, tuple[int, int, str]]
"""``{absolute path: (size, mtime_ns, md5)}``."""


def _open(location: Path) -> tuple[HashCache, tuple[Path, Digests]]:
    cache = HashCache(location)
    rows = cache._db.execute("SELECT path, size, mtime_ns, md5 FROM digests")
    return cache, (cache.path, {str(p): (int(s), int(m), str(d)) for p, s, m, d in rows})


class MemoryHashCache(HashCache):
    """:class:`HashCache`'s interface over a dict; thread-safe as the original.

    Creating one does not wait for the file: it is read in the writer thread,
    and the first look-up waits for that (at most the time to read it).
    """

    LOAD_TIMEOUT = 60.0

    def __init__(self, location: Path) -> None:
        self._lock = threading.Lock()
        self._writer: BackgroundWriter[HashCache] = BackgroundWriter(
            "omix-md5-cache-writer", Path(location), partial(_open, Path(location))
        )
        self._writer.start()
        self._digests: Digests | None = None
        self._closed = False

    def _loaded(self) -> Digests:
        if self._digests is None:
            self.path, self._digests = self._writer.opened.result(self.LOAD_TIMEOUT)
        return self._digests

    def wait_loaded(self) -> Path:
        """Block until the file is read; returns its path (errors opening it raise here)."""
        with self._lock:
            self._loaded()
        return self.path

    def lookup(self, path: Path, size: int, mtime_ns: int) -> str | None:
        with self._lock:
            known = self._loaded().get(self._key(path))
        if known is None or (known[0], known[1]) != (size, mtime_ns):
            return None
        return known[2]

    def store(self, path: Path, size: int, mtime_ns: int, md5: str) -> None:
        key, md5 = self._key(path), md5.lower()
        with self._lock:
            self._loaded()[key] = (size, mtime_ns, md5)
            self._write(lambda cache: cache.store(Path(key), size, mtime_ns, md5))

    def forget(self, path: Path) -> None:
        key = self._key(path)
        with self._lock:
            self._loaded().pop(key, None)
            self._write(lambda cache: cache.forget(Path(key)))

    def _write(self, write: object) -> None:
        if self._closed:
            raise RuntimeError("the MD5 cache is closed")
        self._writer.put(write)  # type: ignore[arg-type]

    def flush(self, timeout: float = 30.0) -> None:
        """Block until everything stored so far is in the file."""
        self._writer.flush(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Write what is left and close the file (blocking: run it off the Qt thread)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._writer.finish(timeout)

    def __enter__(self) -> MemoryHashCache:
        return self
