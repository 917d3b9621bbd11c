#!/usr/bin/env python3
"""Client upload throughput: the transfer engine vs ``curl -T``, into vsftpd on loopback.

    python benchmarks/bench_upload_client.py [--size 1GiB] [--rounds 2] [--dir /tmp]

Starts vsftpd (Debian package; anonymous upload into a throwaway folder) on a
free loopback port, generates one file, warms the page cache, then times,
best of ``--rounds``:

* ``curl -T`` (the reference);
* the engine (``UploadQueue``, one transfer) with the MD5 already known;
* the engine on an unhashed file: hash while uploading, one read pass.

It prints MiB/s, the ratio to curl, and this process's peak resident memory.
Targets (issue 3): engine >= 70 % of curl; hash-while-upload within 15 % of
the upload alone; peak memory under 150 MB. Compare rows of one run only.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_hashing import MiB, parse_size  # noqa: E402
from omix_desktop.transfer.ftp_uploader import FtpSettings  # noqa: E402
from omix_desktop.transfer.queue import UploadQueue  # noqa: E402
from omix_desktop.transfer.queue_store import ItemState, QueueStore  # noqa: E402
from omix_desktop.transfer.selection import PlannedFile  # noqa: E402
from tests.transfer.peers import VSFTPD, VsftpdPeer  # noqa: E402


def make_file(path: Path, size: int) -> str:
    block = os.urandom(8 * MiB - 3)
    digest = hashlib.md5()
    with open(path, "wb") as handle:
        written = 0
        while written < size:
            chunk = block[: size - written]
            handle.write(chunk)
            digest.update(chunk)
            written += len(chunk)
    return digest.hexdigest()


def curl_upload(path: Path, port: int, name: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            "curl",
            "-sS",
            "-T",
            str(path),
            "--user",
            "anonymous:x",
            f"ftp://127.0.0.1:{port}/upload/{name}",
        ],
        check=True,
    )
    return time.perf_counter() - started


async def engine_upload(path: Path, port: int, name: str, md5: str | None, data: Path) -> float:
    settings = FtpSettings(
        "127.0.0.1", port, "anonymous", "x", remote_root="upload", socket_timeout=60
    )
    stat = await asyncio.to_thread(path.stat)
    queue = UploadQueue(QueueStore(data), settings, concurrency=1)
    started = time.perf_counter()
    async with queue:
        (item,) = queue.add(
            [PlannedFile(path, PurePosixPath(name), stat.st_size, stat.st_mtime_ns, md5)]
        )
        await queue.wait_settled()
    elapsed = time.perf_counter() - started
    done = queue.get(item.id)
    assert done is not None and done.state is ItemState.VERIFIED, done
    queue.store.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=1024 * MiB)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    if VSFTPD is None:
        sys.exit("vsftpd is not installed (apt-get install vsftpd)")

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="omix-bench-up-") as folder:
        work = Path(folder)
        source = work / "source.bin"
        print(f"generating {args.size / MiB:.0f} MiB ...")
        md5 = make_file(source, args.size)
        peer = VsftpdPeer(work / "vsftpd").start()
        try:
            results: dict[str, float] = {}
            for round_ in range(args.rounds):
                for name, run in (
                    ("curl -T", lambda n: curl_upload(source, peer.port, n)),
                    (
                        "engine, MD5 known",
                        lambda n: asyncio.run(
                            engine_upload(source, peer.port, n, md5, work / f"q{n}")
                        ),
                    ),
                    (
                        "engine, hash while uploading",
                        lambda n: asyncio.run(
                            engine_upload(source, peer.port, n, None, work / f"q{n}")
                        ),
                    ),
                ):
                    remote = f"r{round_}-{len(results)}-{abs(hash(name)) % 1000}.bin"
                    seconds = run(remote)
                    (peer.home / remote).unlink()
                    results[name] = min(results.get(name, float("inf")), seconds)
        finally:
            peer.stop()

    size_mib = args.size / MiB
    reference = results["curl -T"]
    print()
    print(
        f"cores: {os.cpu_count()}, file {size_mib:.0f} MiB, vsftpd on loopback, "
        f"best of {args.rounds}"
    )
    print(f"{'method':<30} {'seconds':>8} {'MiB/s':>8} {'vs curl':>8}")
    for name, seconds in results.items():
        print(f"{name:<30} {seconds:8.2f} {size_mib / seconds:8.0f} {reference / seconds:7.0%}")
    alone = results["engine, MD5 known"]
    both = results["engine, hash while uploading"]
    print()
    print(f"engine vs curl: {reference / alone:.0%} (target >= 70%)")
    print(f"hash while uploading vs upload alone: +{both / alone - 1:.0%} (target <= 15%)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MiB (target < 150 MB)")


if __name__ == "__main__":
    main()
