"""Keep the server's memory flat while many threads move large blocks.

glibc gives each thread that allocates its own malloc arena (up to 8 per
core), and an arena keeps the pages it once used. The FTP path hands 1 MiB
blocks between the event loop, the writer and the hasher threads, so
without a cap the resident size grew by ~70 MB during a 2 GiB upload
(measured: peak 172 MB; with two arenas 143 MB, see
``benchmarks/bench_ftp_upload.py``). Two arenas are plenty for this server.

glibc also raises its mmap threshold every time a large block is freed (up to
32 MiB): after the first argon2 sign-in (19 MiB) or the first upload's
blocks, every later large buffer came from the arenas, and what an arena
once held stayed resident. Under 20 clients uploading small files
(``benchmarks/bench_load.py``) the arenas held 266 MB, 103 MB of it free. A
fixed threshold (:data:`MMAP_THRESHOLD`) keeps blocks of 1 MiB and sign-in
memory in their own mappings, returned to the system when freed; the FTP
path reuses its blocks (:mod:`server_stub.ftp.blocks`) so it does not pay
for a new mapping per block.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_ARENA_MAX = -8  # from glibc's malloc.h
M_MMAP_THRESHOLD = -3
ARENAS = 2
MMAP_THRESHOLD = 512 * 1024
"""Allocations from this size up get a mapping of their own (glibc's default
starts at 128 KiB and grows; fixing it also fixes the trim threshold at 128 KiB)."""


def limit_malloc_arenas(arenas: int = ARENAS, mmap_threshold: int = MMAP_THRESHOLD) -> bool:
    """Cap glibc's arenas and fix its mmap threshold (before threads start).

    False where there is no glibc.
    """
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_ARENA_MAX, arenas)) and bool(
            libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold)
        )
    except (OSError, AttributeError):
        return False


# --- diagnostics: OMIX_TRACEMALLOC=1 ------------------------------------------------

TRACE_ENV = "OMIX_TRACEMALLOC"
TRACE_FRAMES = 8
REPORT_LINES = 15


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",  # bytes the arenas took from the system (sbrk/heaps)
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",  # bytes in mmap'ed chunks
            "usmblks",
            "fsmblks",
            "uordblks",  # bytes in use in the arenas
            "fordblks",  # bytes free in the arenas (kept, not returned)
            "keepcost",
        )
    ]


def malloc_stats() -> dict[str, int]:
    """glibc's ``mallinfo2()`` (empty where there is no glibc 2.33+)."""
    if not sys.platform.startswith("linux"):
        return {}
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        function = libc.mallinfo2
    except (OSError, AttributeError):
        return {}
    function.restype = _MallInfo2
    info = function()
    names = [field[0] for field in _MallInfo2._fields_]
    return {name: int(getattr(info, name)) for name in names}


def memory_report() -> str:
    """Top Python allocation sites (if tracing), malloc's view, threads, object counts."""
    import collections
    import gc
    import threading
    import tracemalloc

    lines = ["memory report"]
    try:
        for line in open("/proc/self/status"):  # noqa: SIM115 - tiny, read at once
            if line.startswith(("VmRSS", "VmHWM", "Threads")):
                lines.append("  " + " ".join(line.split()))
    except OSError:
        pass
    info = malloc_stats()
    if info:
        lines.append(
            "  malloc: arenas hold {:.1f} MB ({:.1f} in use, {:.1f} free), mmap'ed {:.1f} MB "
            "in {} chunks".format(
                info["arena"] / 1e6,
                info["uordblks"] / 1e6,
                info["fordblks"] / 1e6,
                info["hblkhd"] / 1e6,
                info["hblks"],
            )
        )
    names = collections.Counter(thread.name.split("_")[0] for thread in threading.enumerate())
    lines.append("  threads: " + ", ".join(f"{n} x{c}" for n, c in names.most_common(8)))
    types = collections.Counter(type(item).__name__ for item in gc.get_objects())
    lines.append("  objects: " + ", ".join(f"{n} {c}" for n, c in types.most_common(10)))
    if tracemalloc.is_tracing():
        current, peak = tracemalloc.get_traced_memory()
        lines.append(f"  traced Python memory: {current / 1e6:.1f} MB now, {peak / 1e6:.1f} peak")
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [
                tracemalloc.Filter(False, tracemalloc.__file__),
                tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
                tracemalloc.Filter(False, "*/linecache.py"),
            ]
        )
        for stat in snapshot.statistics("traceback")[:REPORT_LINES]:
            frames = stat.traceback.format(limit=3, most_recent_first=True)
            where = " <- ".join(
                frame.strip() for frame in frames if frame.strip().startswith("File")
            )
            lines.append(f"  {stat.size / 1e6:8.2f} MB {stat.count:7d} blocks  {where}")
    return "\n".join(lines)


def install_memory_report() -> bool:
    """With ``OMIX_TRACEMALLOC=1``: trace allocations; SIGUSR2 logs :func:`memory_report`.

    A diagnostic (``benchmarks/bench_load.py --tracemalloc``): tracing slows
    the server down and costs memory of its own. Call from the main thread.
    """
    import logging
    import os
    import signal
    import tracemalloc

    if os.environ.get(TRACE_ENV, "") in ("", "0") or not hasattr(signal, "SIGUSR2"):
        return False
    tracemalloc.start(TRACE_FRAMES)
    log = logging.getLogger(__name__)

    def report(_signum: int, _frame: object) -> None:
        log.warning("%s", memory_report())

    signal.signal(signal.SIGUSR2, report)
    return True
