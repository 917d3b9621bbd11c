#!/usr/bin/env python3
"""A queue of 10,000 small files: adding them and listing the queue.

    python benchmarks/bench_queue_10k.py [--files 10000]

Creates the files in a temporary folder, plans them (``plan_uploads`` on the
folder), runs pre-flight over all of them, adds them to a persisted
``UploadQueue`` (SQLite in the data folder; nothing is sent: the queue is
paused) and lists the three lists, timing each step. Target (issue 3): adding
and listing each under 1 second.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from omix_desktop.transfer import (  # noqa: E402
    FtpSettings,
    ItemState,
    QueueStore,
    UploadQueue,
    plan_uploads,
    preflight_check,
)


async def measure(count: int, folder: Path) -> list[tuple[str, float]]:
    files = folder / "run"
    files.mkdir()
    for index in range(count):
        (files / f"sample_{index:05d}.txt").write_bytes(b"x")
    timings = []
    started = time.perf_counter()
    planned = plan_uploads([files])
    timings.append(("plan the folder", time.perf_counter() - started))
    started = time.perf_counter()
    preflight_check(planned)
    timings.append(("pre-flight", time.perf_counter() - started))
    queue = UploadQueue(QueueStore(folder / "queue"), FtpSettings("127.0.0.1", 9))
    queue.pause_all()  # measure the queue, not the network
    started = time.perf_counter()
    added = queue.add(planned)
    timings.append((f"add {len(added)} to the queue", time.perf_counter() - started))
    started = time.perf_counter()
    lists = {state: queue.items([state]) for state in ItemState}
    everything = queue.items()
    timings.append(("list the queue", time.perf_counter() - started))
    assert len(everything) == count and len(lists[ItemState.QUEUED]) == count
    queue.store.close()
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        timings = asyncio.run(measure(args.files, Path(folder)))
    print(f"{'step':<28} seconds")
    for name, seconds in timings:
        print(f"{name:<28} {seconds:7.3f}")
    print("target: adding and listing each under 1 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
