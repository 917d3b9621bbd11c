"""SQLite: a second ``omix-server`` on the same data folder is refused, clearly.

Two real processes: the first serves, the second exits non-zero at once
with a message naming the folder, the holder and what to do; once the
first is gone (even by ``kill -9``) the folder is free again. On
PostgreSQL the same two commands both serve (``test_two_nodes.py``).
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import requests

from tests.support.server import ServerProcess


def _second(data_dir: Path) -> subprocess.CompletedProcess[str]:
    second = ServerProcess(data_dir=data_dir)
    return subprocess.run(second.command(), capture_output=True, text=True, timeout=60, check=False)


def test_second_server_on_one_sqlite_folder_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = ServerProcess(data_dir=data).start()
    try:
        assert first.process is not None
        result = _second(data)
        assert result.returncode != 0
        message = result.stderr
        assert str(data) in message, message
        assert f"process {first.process.pid}" in message, message
        assert first.url in message, message
        assert "--data-dir" in message and "PostgreSQL" in message, message
        # the first one is untouched
        assert requests.get(f"{first.api}/health", timeout=10).ok
    finally:
        first.stop(signal.SIGKILL)
    # killed without a chance to clean up: the system released the lock
    again = ServerProcess(data_dir=data).start()
    again.stop()
