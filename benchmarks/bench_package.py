#!/usr/bin/env python3
"""The frozen bundle: its size, and cold start to an interactive sign-in window.

    python benchmarks/bench_package.py [--bundle dist/omix-desktop] [--runs 5]

Builds nothing: run `make package` first. Starts the app `--runs` times with
``OMIX_DESKTOP_QUIT_WHEN_READY=1`` (it prints ``ready`` once the main window
is shown and Qt's event loop is running, then quits) under
``QT_QPA_PLATFORM=offscreen``, from the frozen bundle and, side by side, from
the source install (``python -m omix_desktop.app``), each with a fresh home
folder. The first frozen run after a build is the coldest (nothing of the
bundle in the page cache yet); the table shows it apart. Target (issue 5):
under 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def start_time(command: list[str]) -> float:
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "OMIX_DESKTOP_HOME": home,
            "QT_QPA_PLATFORM": "offscreen",
            "OMIX_DESKTOP_QUIT_WHEN_READY": "1",
        }
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip() == "ready":
                ready = time.perf_counter() - started
                break
        else:
            raise RuntimeError(f"{command[0]} never became ready")
        process.wait(timeout=60)
        return ready


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "omix-desktop")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    frozen = args.bundle / "omix-desktop"
    if not frozen.exists():
        print(f"{frozen} is missing: run `make package` first", file=sys.stderr)
        return 2
    size = folder_size(args.bundle)
    first = start_time([str(frozen)])
    frozen_runs = [start_time([str(frozen)]) for _ in range(args.runs)]
    source = [sys.executable, "-m", "omix_desktop.app"]
    source_runs = [start_time(source) for _ in range(args.runs)]
    files = sum(1 for _ in args.bundle.rglob("*"))
    print(f"bundle {args.bundle}: {size / 1e6:.0f} MB in {files} files")
    print()
    rows = [
        ("frozen bundle", f"{first:5.2f}", frozen_runs),
        ("source install (python -m)", "    -", source_runs),
    ]
    print(f"{'start to interactive sign-in window (s)':<40}| first | median | max")
    print(f"{'-' * 40}+-------+--------+------")
    for name, head, runs in rows:
        print(f"{name:<40}| {head} | {statistics.median(runs):6.2f} | {max(runs):4.2f}")
    print("target: under 2 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
