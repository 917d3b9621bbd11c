"""A process that uploads slowly until the test kills it with SIGKILL.

Usage: python -m tests.transfer.crash_child DATA_DIR PORT FILE...
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from omix_desktop.transfer.hash_cache import HashCache
from omix_desktop.transfer.selection import plan_uploads
from tests.transfer.engine import aioftp_settings, open_queue


async def main(data: Path, port: int, files: list[Path]) -> None:
    queue = open_queue(
        data, aioftp_settings(port), speed_limit=2 * 1024 * 1024, hash_cache=HashCache(data)
    )
    async with queue:
        queue.add(plan_uploads(files))
        print("started", flush=True)
        await queue.wait_settled()
    print("finished", flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2]), [Path(p) for p in sys.argv[3:]]))
