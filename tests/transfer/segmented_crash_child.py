"""A process that uploads one file as stripes until the test kills it with SIGKILL.

Usage: python -m tests.transfer.segmented_crash_child DATA_DIR PORT EMAIL PASSWORD FILE
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from omix_desktop.transfer.selection import plan_uploads
from tests.transfer.engine import open_queue
from tests.transfer.test_reference_server import settings
from tests.transfer.test_segmented_upload import SMALL_STRIPES


class _Account:
    def __init__(self, email: str, password: str) -> None:
        self.email, self.password = email, password


async def main(data: Path, port: int, email: str, password: str, file: Path) -> None:
    account = _Account(email, password)
    queue = open_queue(
        data,
        settings(port, account),  # type: ignore[arg-type]
        segments=SMALL_STRIPES,
        speed_limit=6 * 1024 * 1024,
    )
    async with queue:
        queue.add(plan_uploads([file]))
        print("started", flush=True)
        await queue.wait_settled()
    print("finished", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(main(Path(args[0]), int(args[1]), args[2], args[3], Path(args[4])))
