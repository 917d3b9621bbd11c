"""HTTP download of a released file: our server vs a plain static server.

Generates a file of random bytes (default 2 GiB), releases it as a dataset
of a fresh ``omix-server`` on loopback (rows written straight into its
database, the file hard-linked into the public tree as a release does), and
downloads it with ``curl`` from

* ``GET /api/v1/public/files/<id>/download`` of our server, and
* ``python -m http.server`` serving the same public tree (the reference),

alternately, ``--repeat`` times each, with the page cache warm. Prints a
table of MB/s per run and the ratio of the medians (target: at least 70%).

    python benchmarks/bench_download.py [--size 2GiB] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server_stub.config import Settings  # noqa: E402
from tests.support.catalog import publish_file  # noqa: E402
from tests.support.server import HOST, ServerProcess, free_port  # noqa: E402

MiB = 1024 * 1024
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``2GiB``, ``512M``, ``100000`` → bytes (binary units)."""
    match = _SIZE.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}")
    number, unit = match.groups()
    return int(float(number) * 1024 ** " kmg".index(unit.lower() or " "))


def write_random(path: Path, size: int) -> str:
    """A file of ``size`` random bytes; returns its MD5."""
    digest = hashlib.md5(usedforsecurity=False)
    block = os.urandom(8 * MiB)
    with path.open("wb") as handle:
        written = 0
        while written < size:
            # vary the block cheaply so the file does not repeat every 8 MiB
            piece = block[: min(len(block), size - written)]
            piece = written.to_bytes(8, "little") + piece[8:]
            handle.write(piece)
            digest.update(piece)
            written += len(piece)
    return digest.hexdigest()


def curl_speed(url: str) -> tuple[float, int]:
    """Bytes per second and bytes received by ``curl`` to /dev/null."""
    result = subprocess.run(
        ["curl", "--silent", "--show-error", "--fail", "-o", "/dev/null"]
        + ["-w", "%{speed_download} %{size_download}", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    speed, size = result.stdout.split()
    return float(speed), int(float(size))


def warm(path: Path) -> None:
    with path.open("rb") as handle:
        while handle.read(16 * MiB):
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=parse_size, default=2 * 1024 * MiB)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if shutil.which("curl") is None:
        print("curl is needed", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="omix-bench-download-"))
    server = ServerProcess(data_dir=work / "data")
    static: subprocess.Popen[bytes] | None = None
    try:
        print(f"generating {args.size / MiB:.0f} MiB of random data ...", flush=True)
        source = work / "source.bin"
        md5 = write_random(source, args.size)

        server.start()
        settings = Settings(data_dir=server.data_dir)
        accession, file_id = publish_file(
            server.data_dir, source, args.size, md5, "Download benchmark"
        )
        name = f"{file_id}.bin"
        public = settings.public_root / "OMIX" / accession

        static_port = free_port()
        static = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(static_port), "--bind", HOST]
            + ["--directory", str(settings.public_root)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ours = f"{server.api}/public/files/{file_id}/download"
        reference = f"http://{HOST}:{static_port}/OMIX/{accession}/{name}"
        deadline = time.monotonic() + 15
        while True:
            try:
                if requests.head(reference, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("python -m http.server did not start")
            time.sleep(0.1)
        head = requests.head(ours, timeout=10)
        assert head.ok and int(head.headers["content-length"]) == args.size, head.headers

        warm(public / name)
        rows: list[tuple[str, int, float]] = []
        for run in range(1, args.repeat + 1):
            for label, url in (("omix-server", ours), ("python -m http.server", reference)):
                speed, received = curl_speed(url)
                if received != args.size:
                    raise RuntimeError(f"{label}: received {received} of {args.size} bytes")
                rows.append((label, run, speed / 1e6))

        ours_median = statistics.median(mb for label, _, mb in rows if label == "omix-server")
        ref_median = statistics.median(mb for label, _, mb in rows if label != "omix-server")
        print()
        print(f"HTTP download of {args.size / MiB:.0f} MiB on loopback, curl -o /dev/null")
        print()
        print("| server | run | MB/s |")
        print("|---|---:|---:|")
        for label, run, mb in rows:
            print(f"| {label} | {run} | {mb:,.0f} |")
        print(f"| **omix-server (median)** | | **{ours_median:,.0f}** |")
        print(f"| **python -m http.server (median)** | | **{ref_median:,.0f}** |")
        ratio = ours_median / ref_median
        verdict = "meets" if ratio >= 0.7 else "misses"
        print(f"\nratio omix-server / reference: {ratio:.0%} ({verdict} the 70% target)")
        return 0
    finally:
        if static is not None:
            static.send_signal(signal.SIGTERM)
            static.wait(timeout=10)
        server.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
