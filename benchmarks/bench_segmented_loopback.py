#!/usr/bin/env python3
"""A segmented upload on loopback: is the server's MD5 ready right after the last byte?

    python benchmarks/bench_segmented_loopback.py [--size 1GiB]

Starts the real ``omix-server`` on 127.0.0.1, then uploads one file with the
engine twice, side by side in one run: sent whole (one stream) and sent as
stripes over several connections (``SEGM``). For each it prints the time, the
speed, how long after the last byte left this computer the upload was
verified by the server's whole-file MD5 (target: under 1 s, issue 10), and
this process's peak memory (target: under 150 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_hashing import MiB, parse_size  # noqa: E402
from omix_desktop.transfer.events import ItemProgress  # noqa: E402
from omix_desktop.transfer.ftp_uploader import FtpSettings  # noqa: E402
from omix_desktop.transfer.queue import UploadQueue  # noqa: E402
from omix_desktop.transfer.queue_store import ItemState, QueueStore  # noqa: E402
from omix_desktop.transfer.segmented import SegmentPolicy  # noqa: E402
from omix_desktop.transfer.selection import plan_uploads  # noqa: E402
from tests.support.accounts import new_user  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402


def make_file(path: Path, size: int) -> None:
    block = os.urandom(MiB)
    with open(path, "wb") as handle:
        for _ in range(size // MiB):
            handle.write(block)
        handle.write(block[: size % MiB])


async def upload(
    folder: Path, settings: FtpSettings, local: Path, policy: SegmentPolicy
) -> tuple[float, float, int]:
    """(seconds, seconds from the last byte sent to verified, peak connections)."""
    queue = UploadQueue(QueueStore(folder), settings, segments=policy)
    size = await asyncio.to_thread(lambda: local.stat().st_size)
    last_byte = 0.0
    peak = 1

    def watch(event: object) -> None:
        nonlocal last_byte, peak
        if isinstance(event, ItemProgress):
            peak = max(peak, event.connections)
            if event.sent >= size and not last_byte:
                last_byte = time.perf_counter()

    queue.events.subscribe(watch)
    started = time.perf_counter()
    async with queue:
        (item,) = queue.add(plan_uploads([local]))
        await asyncio.wait_for(queue.wait_settled(), 600)
    done = time.perf_counter()
    result = queue.get(item.id)
    assert result is not None and result.state is ItemState.VERIFIED, result
    assert result.verified_by == "md5"
    queue.store.close()
    return done - started, done - (last_byte or done), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=parse_size, default=parse_size("1GiB"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="omix-bench-seg-") as temporary:
        tmp = Path(temporary)
        server = ServerProcess(data_dir=tmp / "server").start()
        try:
            user = new_user(server.api, prefix="bench")
            settings = FtpSettings("127.0.0.1", server.ftp_port, user.email, user.password)
            rows = []
            for name, policy in (
                ("whole (one stream)", SegmentPolicy(max_connections=1)),
                ("segmented (SEGM)", SegmentPolicy()),
            ):
                local = tmp / f"{name.split()[0]}.bin"
                print(f"generating {args.size // MiB} MiB for {name} ...", flush=True)
                make_file(local, args.size)
                seconds, after_last, peak = asyncio.run(
                    upload(tmp / f"queue-{len(rows)}", settings, local, policy)
                )
                rows.append((name, seconds, args.size / MiB / seconds, after_last, peak))
                local.unlink()
        finally:
            server.stop()
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\ncores: {os.cpu_count()}, {args.size // MiB} MiB to omix-server on loopback")
    header = f"{'method':22} {'seconds':>8} {'MiB/s':>7} {'verified after last byte':>25}"
    print(f"{header} {'conns':>6}")
    for name, seconds, speed, after_last, peak in rows:
        print(f"{name:22} {seconds:8.2f} {speed:7.0f} {after_last:24.3f}s {peak:6d}")
    print(f"peak RSS of this process: {memory:.0f} MiB (target < 150 MB)")
    print("target: verified (server MD5 of the whole file) under 1 s after the last byte")


if __name__ == "__main__":
    main()
