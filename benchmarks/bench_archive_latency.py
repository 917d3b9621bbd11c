#!/usr/bin/env python3
"""From the end of an FTP upload to the dataset's ``Archived`` status.

    python benchmarks/bench_archive_latency.py [--sizes 1MiB,2GiB] [--rounds 3]

Starts omix-server on 127.0.0.1 in a temporary folder and, for each size,
measures two ways a user gets there (target, issue 2: under 1 second both,
since the server already knows the MD5 when the upload ends):

* ``after``: the file is uploaded, then the dataset is submitted; time from
  the submission's request to ``Archived`` (the archive moves the file by
  rename, it does not hash it again);
* ``during``: the dataset is submitted while its file is still uploading
  (it waits as ``Checking``); time from the end of the upload (the ``226``
  reply) to ``Archived``.

Status is polled every 10 ms, so figures include up to 10 ms of polling.
"""

from __future__ import annotations

import argparse
import ftplib
import hashlib
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.accounts import ApiUser, new_user  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

MiB = 1024 * 1024
POLL = 0.01


def parse_size(text: str) -> int:
    units = {"KIB": 1024, "MIB": MiB, "GIB": 1024 * MiB}
    for unit, factor in units.items():
        if text.upper().endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def make_file(folder: Path, size: int) -> tuple[Path, str]:
    path = folder / f"payload-{size}.bin"
    digest = hashlib.md5()
    block = os.urandom(4 * MiB)
    with open(path, "wb") as handle:
        left = size
        while left:
            piece = block[: min(left, len(block))]
            handle.write(piece)
            digest.update(piece)
            left -= len(piece)
    return path, digest.hexdigest()


def upload(server: ServerProcess, user: ApiUser, path: Path, remote: str) -> float:
    """STOR the file; returns the monotonic time of the server's final reply."""
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", server.ftp_port, timeout=120)
        ftp.login(user.email, user.password)
        with open(path, "rb") as source:
            ftp.storbinary(f"STOR {remote}", source, blocksize=MiB)
        return time.monotonic()


def submit(user: ApiUser, project: str, remote: str, md5: str) -> tuple[str, float]:
    body = {
        "title": "Latency probe", "description": "Benchmark.", "organism": "Oryza sativa",
        "data_type": "Transcriptome", "data_subtype": "Gene expression matrix",
        "access": "open", "bioproject": project,
        "release_date": (date.today() + timedelta(days=30)).isoformat(),
        "terms_accepted": True,
        "files": [{"source": "ftp", "path": remote, "title": "Probe", "samples": 1,
                   "md5": md5, "data_type": "Transcriptome"}],
    }  # fmt: skip
    started = time.monotonic()
    response = user.post("/datasets", json=body)
    response.raise_for_status()
    return response.json()["accession"], started


def wait_archived(user: ApiUser, accession: str, timeout: float = 600) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if user.get(f"/datasets/{accession}").json()["status"] == "Archived":
            return time.monotonic()
        time.sleep(POLL)
    raise TimeoutError(f"{accession} not archived in {timeout} s")


def wait_listed(user: ApiUser, remote: str) -> None:
    for _attempt in range(3000):  # bounded: 30 s
        if any(item["path"] == remote for item in user.get("/preupload/files").json()):
            return
        time.sleep(POLL)


def measure(server: ServerProcess, path: Path, md5: str, round_: int) -> tuple[float, float]:
    user = new_user(server.api, prefix=f"latency{round_}-")
    project = user.post("/bioprojects", json={"title": "Latency"}).json()["accession"]

    upload(server, user, path, "after.bin")
    accession, started = submit(user, project, "after.bin", md5)
    after = wait_archived(user, accession) - started

    ended: list[float] = []
    thread = threading.Thread(target=lambda: ended.append(upload(server, user, path, "during.bin")))
    thread.start()
    wait_listed(user, "during.bin")
    accession, _ = submit(user, project, "during.bin", md5)
    thread.join()
    during = wait_archived(user, accession) - ended[0]
    return after, during


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1MiB,2GiB")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="omix-latency-") as folder:
        work = Path(folder)
        server = ServerProcess(data_dir=work / "data").start()
        try:
            rows = []
            for text in args.sizes.split(","):
                size = parse_size(text)
                path, md5 = make_file(work, size)
                results = [measure(server, path, md5, n) for n in range(args.rounds)]
                path.unlink()
                rows.append((text, [r[0] for r in results], [r[1] for r in results]))
        finally:
            server.stop()
    print(f"{'size':>8} | {'submitted after upload':>24} | {'submitted during upload':>24}")
    print(f"{'':>8} | {'median / max (s)':>24} | {'median / max (s)':>24}")
    for text, after, during in rows:
        print(
            f"{text:>8} | {statistics.median(after):>11.3f} / {max(after):<10.3f} "
            f"| {statistics.median(during):>11.3f} / {max(during):<10.3f}"
        )
    print("target: under 1 s in every column (issue 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
