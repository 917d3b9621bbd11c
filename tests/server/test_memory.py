"""The malloc arena cap that keeps the server's memory flat during large uploads."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_arena_cap_is_accepted_by_glibc() -> None:
    code = "from server_stub.memory import limit_malloc_arenas; print(limit_malloc_arenas())"
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert ran.stdout.strip() == "True", ran.stderr
