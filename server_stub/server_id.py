"""The server's identity: a random id made once in its data folder, announced in /health.

Clients key what they keep about a server (upload queue, MD5s, drafts) by it,
so their state follows the server across restarts, new ports and new
addresses. Made with an exclusive create, so two processes starting on one
data folder agree on the first id written.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

FILE_NAME = "server-id"


def server_id(data_dir: Path) -> str:
    """The id in ``data_dir`` (made now when there is none yet)."""
    path = data_dir / FILE_NAME
    for _attempt in range(50):
        try:
            text = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            text = ""
        else:
            if not text:  # being written by another process
                time.sleep(0.02)
                continue
        if text:
            return text
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue  # another process is writing it: read again
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(uuid.uuid4().hex + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    raise OSError(f"cannot read or make the server id in {path}")
