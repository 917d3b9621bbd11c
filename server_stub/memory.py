"""Keep the server's memory flat while many threads move large blocks.

glibc gives each thread that allocates its own malloc arena (up to 8 per
core), and an arena keeps the pages it once used. The FTP path hands 1 MiB
blocks between the event loop, the writer and the hasher threads, so
without a cap the resident size grew by ~70 MB during a 2 GiB upload
(measured: peak 172 MB; with two arenas 143 MB, see
``benchmarks/bench_ftp_upload.py``). Two arenas are plenty for this server.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_ARENA_MAX = -8  # from glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's arenas (before threads start); False where there is no glibc."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False
