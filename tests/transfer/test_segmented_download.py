"""Segmented HTTPS downloads of released files: the real server on loopback, real HTTP.

A small threshold and small ranges make a few MiB file go over several
connections, so the resume, the MD5 check and the If-Range restart are
exercised as they are on a 256 MiB file over a long link.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from omix_desktop.api import ApiClient
from omix_desktop.transfer import range_journal
from omix_desktop.transfer.http_download import Download, DownloadError
from omix_desktop.transfer.range_journal import Journal
from omix_desktop.transfer.segmented_download import RangePolicy, fetch_segmented
from tests.support.accounts import new_user
from tests.support.release import new_curator, released
from tests.support.server import ServerProcess

MiB = 1024 * 1024
SIZE = 6 * MiB + 12345
SMALL = RangePolicy(threshold=MiB, chunk_min=256 * 1024, chunk_max=MiB, grow_every=0.2)


@pytest.fixture(scope="module")
def published(server: ServerProcess) -> tuple[str, bytes]:
    owner, curator = new_user(server.api, prefix="seg"), new_curator(server)
    data = os.urandom(SIZE)
    return released(server, owner, curator, {"big.fq": data}).file_id(), data


def job_for(server: ServerProcess, file_id: str, folder: Path, data: bytes) -> Download:
    url = ApiClient(server.url).download_url(file_id)
    return Download(url, folder / f"{file_id}.fq", hashlib.md5(data).hexdigest(), len(data))


class Peak:
    """The most connections in use at once, from ``on_connections``."""

    def __init__(self) -> None:
        self.most = 0

    def __call__(self, count: int) -> None:
        self.most = max(self.most, count)


def stop_after(limit: int) -> tuple[threading.Event, object]:
    stop = threading.Event()

    def progress(done: int, _total: int) -> None:
        if done >= limit:
            stop.set()

    return stop, progress


def test_segmented_download_ends_with_the_right_md5(
    server: ServerProcess, published, tmp_path: Path
) -> None:
    file_id, data = published
    job = job_for(server, file_id, tmp_path, data)
    peak, seen = Peak(), []
    md5 = fetch_segmented(
        requests.Session(),
        job,
        policy=SMALL,
        on_connections=peak,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert md5 == hashlib.md5(data).hexdigest()
    assert job.destination.read_bytes() == data
    assert job.received == len(data)  # no byte fetched twice
    assert peak.most >= 2
    assert seen[-1] == (len(data), len(data))
    assert not job.part.exists() and not Journal.path_for(job.part).exists()


def test_fixed_connections(server: ServerProcess, published, tmp_path: Path) -> None:
    file_id, data = published
    job = job_for(server, file_id, tmp_path, data)
    peak = Peak()
    policy = RangePolicy.fixed(3, threshold=MiB, chunk_min=256 * 1024, chunk_max=MiB)
    fetch_segmented(requests.Session(), job, policy=policy, on_connections=peak)
    assert peak.most == 3
    assert job.destination.read_bytes() == data


def test_a_cut_download_fetches_only_the_missing_ranges(
    server: ServerProcess, published, tmp_path: Path
) -> None:
    file_id, data = published
    job = job_for(server, file_id, tmp_path, data)
    stop, progress = stop_after(2 * MiB)
    with pytest.raises(DownloadError) as caught:
        fetch_segmented(requests.Session(), job, policy=SMALL, progress=progress, cancel=stop)
    assert caught.value.code == "cancelled"
    journal = Journal.load(job.part)
    assert journal is not None and job.part.stat().st_size == len(data)
    kept = range_journal.total(journal.done)
    assert 2 * MiB <= kept < len(data) and not job.destination.exists()
    for start, end in journal.done:  # what the journal names is on disk
        assert job.part.read_bytes()[start:end] == data[start:end]

    again = job_for(server, file_id, tmp_path, data)  # as after a restart of the app
    peak = Peak()
    fetch_segmented(requests.Session(), again, policy=SMALL, on_connections=peak)
    assert again.received == len(data) - kept
    assert again.destination.read_bytes() == data
    assert not Journal.path_for(job.part).exists()


def test_a_segmented_part_resumes_segmented_even_with_one_connection(
    server: ServerProcess, published, tmp_path: Path
) -> None:
    file_id, data = published
    job = job_for(server, file_id, tmp_path, data)
    stop, progress = stop_after(MiB)
    with pytest.raises(DownloadError):
        fetch_segmented(requests.Session(), job, policy=SMALL, progress=progress, cancel=stop)
    journal = Journal.load(job.part)
    assert journal is not None
    again = job_for(server, file_id, tmp_path, data)
    fetch_segmented(requests.Session(), again, policy=RangePolicy.fixed(1))
    assert again.received == len(data) - range_journal.total(journal.done)
    assert again.destination.read_bytes() == data


def test_a_corrupted_range_is_caught_by_the_md5(
    server: ServerProcess, published, tmp_path: Path
) -> None:
    file_id, data = published
    job = job_for(server, file_id, tmp_path, data)
    stop, progress = stop_after(3 * MiB)
    with pytest.raises(DownloadError):
        fetch_segmented(requests.Session(), job, policy=SMALL, progress=progress, cancel=stop)
    journal = Journal.load(job.part)
    assert journal is not None
    start, end = journal.done[-1]
    with open(job.part, "r+b") as part:  # a bit flipped in a range the journal calls done
        part.seek((start + end) // 2)
        byte = part.read(1)
        part.seek((start + end) // 2)
        part.write(bytes([byte[0] ^ 0x01]))

    with pytest.raises(DownloadError) as caught:
        fetch_segmented(requests.Session(), job_for(server, file_id, tmp_path, data), policy=SMALL)
    assert caught.value.code == "md5_mismatch"
    assert caught.value.params["expected"] == hashlib.md5(data).hexdigest()
    assert not job.part.exists() and not Journal.path_for(job.part).exists()
    assert not job.destination.exists()

    clean = job_for(server, file_id, tmp_path, data)  # the next attempt starts clean
    fetch_segmented(requests.Session(), clean, policy=SMALL)
    assert clean.received == len(data) and clean.destination.read_bytes() == data


def test_a_file_changed_on_the_server_starts_again(
    server: ServerProcess, published, tmp_path: Path
) -> None:
    file_id, data = published
    job = job_for(server, file_id, tmp_path, data)
    stop, progress = stop_after(2 * MiB)
    with pytest.raises(DownloadError):
        fetch_segmented(requests.Session(), job, policy=SMALL, progress=progress, cancel=stop)
    journal_path = Journal.path_for(job.part)
    body = json.loads(journal_path.read_text())
    body["etag"] = body["validator"] = '"0123456789abcdef0123456789abcdef"'  # another version
    journal_path.write_text(json.dumps(body))

    again = job_for(server, file_id, tmp_path, data)
    md5 = fetch_segmented(requests.Session(), again, policy=SMALL)
    assert md5 == hashlib.md5(data).hexdigest()
    assert again.received == len(data)  # nothing of the old version kept
    assert again.destination.read_bytes() == data


def test_a_single_stream_part_is_kept_as_a_prefix(
    server: ServerProcess, published, tmp_path: Path
) -> None:
    file_id, data = published
    job = job_for(server, file_id, tmp_path, data)
    job.part.write_bytes(data[: MiB + 7])  # left by the single-stream path (no journal)
    fetch_segmented(requests.Session(), job, policy=SMALL)
    assert job.received == len(data) - (MiB + 7)
    assert job.destination.read_bytes() == data


class _Counting(SimpleHTTPRequestHandler):
    """Python's file server: it ignores ``Range`` and always answers 200."""

    requests_seen: list[str | None] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).requests_seen.append(self.headers.get("Range"))
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def plain_server(tmp_path: Path) -> Iterator[tuple[str, bytes, type[_Counting]]]:
    root = tmp_path / "www"
    root.mkdir()
    data = os.urandom(3 * MiB + 5)
    (root / "file.bin").write_bytes(data)
    handler = type("Handler", (_Counting,), {"requests_seen": []})

    def make(*args: object, **kwargs: object) -> SimpleHTTPRequestHandler:
        return handler(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make)  # type: ignore[arg-type]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/file.bin", data, handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_server_without_ranges_gets_one_stream(plain_server, tmp_path: Path) -> None:
    url, data, handler = plain_server
    job = Download(url, tmp_path / "file.bin", hashlib.md5(data).hexdigest(), len(data))
    peak = Peak()
    md5 = fetch_segmented(requests.Session(), job, policy=SMALL, on_connections=peak)
    assert md5 == hashlib.md5(data).hexdigest()
    assert job.destination.read_bytes() == data
    assert peak.most == 1
    assert [r is not None for r in handler.requests_seen] == [True, False]  # probe, one stream
    assert not Journal.path_for(job.part).exists()


class _Busy(BaseHTTPRequestHandler):
    """Answers ranges of ``data``, but ``503`` to the 2nd and 3rd requests (a busy server)."""

    protocol_version = "HTTP/1.1"
    data = b""
    lock = threading.Lock()
    seen = 0
    served: list[tuple[int, int]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        cls = type(self)
        with cls.lock:
            cls.seen += 1
            refuse = cls.seen in (2, 3)
        if refuse:
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        first, last = self.headers["Range"].split("=")[1].split("-")
        start, end = int(first), min(int(last or len(cls.data) - 1), len(cls.data) - 1)
        cls.served.append((start, end + 1))
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(cls.data)}")
        self.send_header("Content-Length", str(end + 1 - start))
        self.send_header("ETag", '"v1"')
        self.end_headers()
        self.wfile.write(cls.data[start : end + 1])

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def test_ranges_refused_by_a_busy_server_are_asked_again(tmp_path: Path) -> None:
    data = os.urandom(4 * MiB + 99)
    handler = type("Handler", (_Busy,), {"data": data, "lock": threading.Lock(), "served": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/file.bin"
        job = Download(url, tmp_path / "file.bin", hashlib.md5(data).hexdigest(), len(data))
        policy = RangePolicy.fixed(6, threshold=MiB, chunk_min=128 * 1024, chunk_max=256 * 1024)
        md5 = fetch_segmented(requests.Session(), job, policy=policy)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert md5 == hashlib.md5(data).hexdigest()
    assert job.destination.read_bytes() == data
    assert job.received == len(data)  # a refused range was asked again, never kept twice
    covered: list[tuple[int, int]] = []
    for start, end in handler.served:
        range_journal.add(covered, start, end)
    assert covered == [(0, len(data))]
    assert handler.seen == len(handler.served) + 2  # the two refused ranges asked again


def test_after_kill_9_only_the_ranges_not_journalled_come_again(
    server: ServerProcess, published, tmp_path: Path
) -> None:
    file_id, data = published
    job = job_for(server, file_id, tmp_path, data)
    child = subprocess.run(
        [sys.executable, "-m", "tests.transfer.download_crash_child", job.url,
         str(job.destination), str(len(data)), hashlib.md5(data).hexdigest()],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, (child.stdout, child.stderr)
    journal = Journal.load(job.part)
    assert journal is not None
    kept = range_journal.total(journal.done)
    assert kept >= 2 * MiB and not job.destination.exists()

    again = job_for(server, file_id, tmp_path, data)
    fetch_segmented(requests.Session(), again, policy=SMALL)
    assert again.received == len(data) - kept
    assert again.destination.read_bytes() == data
