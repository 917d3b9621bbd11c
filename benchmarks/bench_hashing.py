#!/usr/bin/env python3
"""MD5 throughput: our hasher against ``md5sum`` on the same files, in the same run.

    python benchmarks/bench_hashing.py [--size 1GiB] [--rounds 3] [--dir /tmp]

Generates one file of ``--size`` (and a second one for the parallel rows),
warms the page cache, then measures, best of ``--rounds``:

* one file: ``md5sum`` vs ``md5_file`` (blocking, 1 MiB ``readinto``) vs
  ``hash_files`` (the async API: worker thread, progress, cancel checks);
* two files at once: two ``md5sum`` processes vs ``hash_files(concurrency=2)``;
* four files of half the size: ``hash_files(concurrency=1)`` vs
  ``concurrency=2``, i.e. what threads buy on this machine (issue 3 asks
  for at least 1.7x on two cores).

Targets (issue 3): one file at least 95 % of ``md5sum``; the parallel
speed-up at least 1.7x. Figures swing with the machine's load: compare rows
of the same run only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from omix_desktop.transfer.hashing import hash_files, md5_file  # noqa: E402

MiB = 1024 * 1024


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)\s*([KMG]i?B?)?", text.strip(), re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text}")
    unit = (match.group(2) or "").upper().rstrip("B").rstrip("I")
    return int(match.group(1)) * {"": 1, "K": 1024, "M": MiB, "G": 1024 * MiB}[unit]


def make_file(path: Path, size: int, seed: int) -> None:
    block = os.urandom(8 * MiB - seed - 1)
    with open(path, "wb") as handle:
        written = 0
        while written < size:
            chunk = block[: size - written]
            handle.write(chunk)
            written += len(chunk)


def warm(paths: list[Path]) -> None:
    for path in paths:
        with open(path, "rb") as handle:
            while handle.read(8 * MiB):
                pass


def best_time(rounds: int, run: Callable[[], object]) -> tuple[float, object]:
    best = float("inf")
    result: object = None
    for _ in range(rounds):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def md5sum(paths: list[Path]) -> list[str]:
    """``md5sum`` of each path, one process per file, all at once."""
    processes = [
        subprocess.Popen(["md5sum", str(p)], stdout=subprocess.PIPE, text=True) for p in paths
    ]
    return [process.communicate()[0].split()[0] for process in processes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=1024 * MiB)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    size: int = args.size

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="omix-bench-md5-") as folder:
        a, b = Path(folder, "a.bin"), Path(folder, "b.bin")
        halves = [Path(folder, f"h{i}.bin") for i in range(4)]
        print(f"generating 2 x {size / MiB:.0f} MiB and 4 x {size / 2 / MiB:.0f} MiB ...")
        make_file(a, size, 1)
        make_file(b, size, 2)
        for index, half in enumerate(halves):
            make_file(half, size // 2, 3 + index)
        warm([a, b, *halves])

        rows: list[tuple[str, str, float, float]] = []  # group, name, seconds, MiB

        t, ref = best_time(args.rounds, lambda: md5sum([a]))
        rows.append(("1 file", "md5sum", t, size / MiB))
        t, ours = best_time(args.rounds, lambda: md5_file(a))
        assert [ours] == ref, (ours, ref)
        rows.append(("1 file", "md5_file (1 MiB readinto)", t, size / MiB))
        t, result = best_time(args.rounds, lambda: asyncio.run(hash_files([a], concurrency=1)))
        assert list(result.values()) == ref  # type: ignore[union-attr]
        rows.append(("1 file", "hash_files (async API)", t, size / MiB))

        t, ref2 = best_time(args.rounds, lambda: md5sum([a, b]))
        rows.append(("2 files at once", "2 x md5sum in parallel", t, 2 * size / MiB))
        t, result = best_time(args.rounds, lambda: asyncio.run(hash_files([a, b], concurrency=2)))
        assert [result[a], result[b]] == ref2  # type: ignore[index]
        rows.append(("2 files at once", "hash_files concurrency=2", t, 2 * size / MiB))

        total_halves = 4 * (size // 2) / MiB
        t1, _ = best_time(args.rounds, lambda: asyncio.run(hash_files(halves, concurrency=1)))
        rows.append(("4 files", "hash_files concurrency=1", t1, total_halves))
        t2, _ = best_time(args.rounds, lambda: asyncio.run(hash_files(halves, concurrency=2)))
        rows.append(("4 files", "hash_files concurrency=2", t2, total_halves))

    print()
    print(f"cores: {os.cpu_count()}, file size {size / MiB:.0f} MiB, best of {args.rounds}")
    print(f"{'case':<17} {'method':<28} {'seconds':>8} {'MiB/s':>8} {'vs ref':>7}")
    reference: dict[str, float] = {}
    for group, name, seconds, mib in rows:
        rate = mib / seconds
        reference.setdefault(group, rate)
        ratio = rate / reference[group]
        print(f"{group:<17} {name:<28} {seconds:8.2f} {rate:8.0f} {ratio:6.0%}")
    print()
    single = rows[1][3] / rows[1][2] / (rows[0][3] / rows[0][2])
    speedup = t1 / t2
    print(f"one file vs md5sum: {single:.0%} (target >= 95%)")
    print(f"4 files, 2 threads vs 1: {speedup:.2f}x (target >= 1.7x on 2 cores)")


if __name__ == "__main__":
    main()
