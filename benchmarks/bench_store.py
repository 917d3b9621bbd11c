#!/usr/bin/env python3
"""Archiving into an object store, and downloads from it, beside the store's own speed.

    python benchmarks/bench_store.py [--size 1GiB] [--range 256MiB] [--keep]

Starts a SeaweedFS (``tests/support/seaweed.py``) and two omix-servers in a
temporary folder on 127.0.0.1: one with the local store (the default), one
with ``--store s3://…``. One file of ``--size`` random bytes is then:

1. put into the bucket with boto3's own ``upload_file`` (default transfer
   settings: 8 MiB parts, 10 threads): the store's upload speed, same client
   library, same run;
2. put by ``S3Store.put_file`` alone (our multipart: 16 MiB parts, 4 at a
   time, Content-MD5 on each, the metadata and ETag checked after);
3. uploaded over FTP to each server (not timed) and selected in a new
   dataset: the time from ``POST /datasets`` to ``Archived`` (local: a rename;
   object store: the move to staging, the upload and its checks);
4. released, then downloaded over HTTPS from each server, a ``--range``
   slice in the middle and the whole file (``curl`` to /dev/null), beside a
   ranged GET straight from the bucket with boto3.

Prints one table of MB/s (1 MB = 10^6 bytes). A shared machine swings from
run to run: compare the rows of one run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


from server_stub.storage.s3 import S3Store  # noqa: E402
from tests.support.accounts import new_user  # noqa: E402
from tests.support.release import approve, new_curator, wait_released  # noqa: E402
from tests.support.seaweed import SeaweedS3, seaweed_s3  # noqa: E402
from tests.support.server import HOST, ServerProcess  # noqa: E402
from tests.support.submission import bioproject, dataset_body, file_entry, wait_for  # noqa: E402

MiB = 1024 * 1024


def parse_size(text: str) -> int:
    text = text.strip().lower().removesuffix("b").removesuffix("i")
    units = {"k": 1024, "m": MiB, "g": 1024 * MiB}
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def write_random(path: Path, size: int) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("wb") as handle:
        written = 0
        while written < size:
            piece = os.urandom(min(16 * MiB, size - written))
            handle.write(piece)
            digest.update(piece)
            written += len(piece)
    return digest.hexdigest()


def curl_get(url: str, byte_range: str | None = None) -> tuple[float, int]:
    """Seconds and bytes of one ``curl`` download to /dev/null."""
    command = ["curl", "--silent", "--show-error", "--fail", "-o", "/dev/null"]
    command += ["-w", "%{time_total} %{size_download}"]
    if byte_range:
        command += ["-r", byte_range]
    result = subprocess.run(command + [url], capture_output=True, text=True, check=True)
    seconds, size = result.stdout.split()
    return float(seconds), int(float(size))


def ftp_upload(server: ServerProcess, email: str, password: str, source: Path) -> None:
    subprocess.run(
        ["curl", "--silent", "--show-error", "--fail", "-T", str(source)]
        + ["--user", f"{email}:{password}", f"ftp://{HOST}:{server.ftp_port}/big.bin"],
        check=True,
    )


def archive_through(server: ServerProcess, source: Path, md5: str) -> tuple[float, str, str]:
    """FTP upload (untimed), then seconds from ``POST /datasets`` to ``Archived``."""
    owner = new_user(server.api)
    ftp_upload(server, owner.email, owner.password, source)
    project = bioproject(owner)
    body = dataset_body(
        project,
        [file_entry(path="big.bin", md5_value=md5)],
        release_date=date.today().isoformat(),
    )
    started = time.perf_counter()
    response = owner.post("/datasets", json=body)
    assert response.status_code == 201, response.text
    accession = response.json()["accession"]
    state = wait_for(
        lambda: owner.get(f"/datasets/{accession}").json(),
        lambda d: d["status"] != "Checking",
        timeout=3600,
    )
    seconds = time.perf_counter() - started
    assert state["status"] == "Archived", state
    approve(new_curator(server), accession)
    wait_released(owner, accession, timeout=600)
    return seconds, accession, f"{server.api}/public/files/{accession}-01/{accession}-01.bin"


def boto3_ranged(s3: SeaweedS3, key: str, start: int, length: int) -> float:
    client = s3.client()
    started = time.perf_counter()
    body = client.get_object(Bucket=s3.bucket, Key=key, Range=f"bytes={start}-{start + length - 1}")
    received = 0
    while chunk := body["Body"].read(4 * MiB):
        received += len(chunk)
    assert received == length, received
    return time.perf_counter() - started


class Rows(list[tuple[str, int, float]]):
    """The table's rows, each also printed as it is measured (a later failure keeps them)."""

    def append(self, row: tuple[str, int, float]) -> None:
        super().append(row)
        print(self.line(row), flush=True)

    @staticmethod
    def line(row: tuple[str, int, float]) -> str:
        label, size, seconds = row
        return f"{label:<44} {size / 1e6:>8.0f} {seconds:>8.2f} {size / 1e6 / seconds:>8.0f}"

    def table(self) -> None:
        print(f"{'step':<44} {'MB':>8} {'seconds':>8} {'MB/s':>8}")
        for row in self:
            print(self.line(row))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=parse_size, default=1024 * MiB)
    parser.add_argument("--range", type=parse_size, default=256 * MiB, dest="slice")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if shutil.which("curl") is None:
        print("curl is needed", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="omix-bench-store-"))
    rows = Rows()
    servers: list[ServerProcess] = []
    try:
        print(f"generating {args.size / MiB:.0f} MiB of random data ...", flush=True)
        source = work / "source.bin"
        md5 = write_random(source, args.size)
        with seaweed_s3(work) as s3:
            client = s3.client()
            started = time.perf_counter()
            client.upload_file(str(source), s3.bucket, "bench/upload_file.bin")
            rows.append(
                ("boto3 upload_file into the bucket", args.size, time.perf_counter() - started)
            )

            store = S3Store(
                s3.store_url("direct"),
                endpoint=s3.endpoint,
                access_key=s3.access_key,
                secret_key=s3.secret_key,
            )
            started = time.perf_counter()
            info = store.put_file("archive/BENCH/put.bin", source, md5)
            rows.append(
                ("S3Store.put_file (checked parts)", args.size, time.perf_counter() - started)
            )
            assert info.md5 == md5

            local = ServerProcess(data_dir=work / "local")
            remote = ServerProcess(
                data_dir=work / "remote",
                extra_args=["--store", s3.store_url("omix")],
                env=s3.env(),
            )
            servers += [local.start(), remote.start()]
            seconds, _acc, local_url = archive_through(local, source, md5)
            rows.append(("omix-server local: create → Archived", args.size, seconds))
            seconds, accession, remote_url = archive_through(remote, source, md5)
            rows.append(("omix-server S3: create → Archived", args.size, seconds))

            start = (args.size - args.slice) // 2
            span = f"{start}-{start + args.slice - 1}"
            for label, url in (("local", local_url), ("S3", remote_url)):
                seconds, size = curl_get(url, span)
                rows.append((f"HTTPS range from omix-server {label}", size, seconds))
            key = f"omix/public/OMIX/{accession}/{accession}-01.bin"
            rows.append(
                (
                    "boto3 ranged GET from the bucket",
                    args.slice,
                    boto3_ranged(s3, key, start, args.slice),
                )
            )
            for label, url in (("local", local_url), ("S3", remote_url)):
                seconds, size = curl_get(url)
                assert size == args.size, size
                rows.append((f"HTTPS whole file from omix-server {label}", size, seconds))
            for server in servers:
                server.stop()
            servers.clear()
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print()
    rows.table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
