"""Resumable HTTPS downloads of released files from the real server on loopback."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from omix_desktop.api import ApiClient
from omix_desktop.transfer.http_download import Download, DownloadError, fetch
from tests.support.accounts import new_user
from tests.support.release import new_curator, released
from tests.support.server import ServerProcess

SIZE = 3 * 1024 * 1024 + 123


@pytest.fixture(scope="module")
def published(server: ServerProcess) -> tuple[str, bytes, str]:
    """(file id, content, controlled file id) of a released open and a controlled dataset."""
    owner, curator = new_user(server.api, prefix="dl"), new_curator(server)
    data = os.urandom(SIZE)
    open_set = released(server, owner, curator, {"reads.fq": data})
    controlled = released(server, owner, curator, {"secret.fq": b"private"}, access="controlled")
    return open_set.file_id(), data, controlled.file_id()


def job_for(server: ServerProcess, file_id: str, folder: Path, data: bytes) -> Download:
    url = ApiClient(server.url).download_url(file_id)
    return Download(url, folder / f"{file_id}.fq", hashlib.md5(data).hexdigest(), len(data))


def test_whole_file_with_md5_check(server: ServerProcess, published, tmp_path: Path) -> None:
    file_id, data, _controlled = published
    job = job_for(server, file_id, tmp_path, data)
    seen: list[tuple[int, int]] = []
    md5 = fetch(requests.Session(), job, progress=lambda done, total: seen.append((done, total)))
    assert md5 == hashlib.md5(data).hexdigest()
    assert job.destination.read_bytes() == data
    assert not job.part.exists()
    assert seen[-1] == (len(data), len(data))


def test_stopped_download_resumes_without_fetching_twice(
    server: ServerProcess, published, tmp_path: Path
) -> None:
    file_id, data, _controlled = published
    job = job_for(server, file_id, tmp_path, data)
    stop = threading.Event()

    def stop_after_a_megabyte(done: int, _total: int) -> None:
        if done >= 1024 * 1024:
            stop.set()

    with pytest.raises(DownloadError) as caught:
        fetch(requests.Session(), job, progress=stop_after_a_megabyte, cancel=stop)
    assert caught.value.code == "cancelled"
    kept = job.part.stat().st_size
    assert 0 < kept < len(data) and not job.destination.exists()

    again = job_for(server, file_id, tmp_path, data)  # as after a restart of the app
    fetch(requests.Session(), again)
    assert again.received == len(data) - kept
    assert job.destination.read_bytes() == data


class CuttingProxy:
    """Relays one loopback TCP connection at a time; the first is cut after N bytes."""

    def __init__(self, port: int, cut_after: int) -> None:
        self.port = port
        self.cut_after = cut_after
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = self.listener.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        for _round in range(10):  # bounded
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            limit = self.cut_after if self.connections == 1 else None
            upstream = socket.create_connection(("127.0.0.1", self.port))
            threading.Thread(target=self._pipe, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, limit), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket, limit: int | None) -> None:
        sent = 0
        try:
            while block := source.recv(65536):
                if limit is not None and sent + len(block) > limit:
                    target.sendall(block[: limit - sent])
                    break
                target.sendall(block)
                sent += len(block)
        except OSError:
            pass
        for end in (source, target):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()

    def close(self) -> None:
        self.listener.close()


def test_cut_connection_resumes_from_the_received_bytes(
    server: ServerProcess, published, tmp_path: Path
) -> None:
    file_id, data, _controlled = published
    proxy = CuttingProxy(server.http_port, cut_after=1_500_000)
    try:
        url = f"http://127.0.0.1:{proxy.address}/api/v1/public/files/{file_id}/download"
        job = Download(url, tmp_path / "cut.fq", hashlib.md5(data).hexdigest(), len(data))
        md5 = fetch(requests.Session(), job)
    finally:
        proxy.close()
    assert md5 == hashlib.md5(data).hexdigest()
    assert proxy.connections == 2
    assert job.received == len(data)  # every byte came once: the second request was a range


def test_a_wrong_part_is_caught_by_the_md5(server: ServerProcess, published, tmp_path) -> None:
    file_id, data, _controlled = published
    job = job_for(server, file_id, tmp_path, data)
    job.part.write_bytes(b"not the beginning of this file")
    with pytest.raises(DownloadError) as caught:
        fetch(requests.Session(), job)
    assert caught.value.code == "md5_mismatch"
    assert not job.part.exists() and not job.destination.exists()
    fetch(requests.Session(), job)  # the next attempt starts clean
    assert job.destination.read_bytes() == data


def test_controlled_file_without_approval(server: ServerProcess, published, tmp_path) -> None:
    _file_id, _data, controlled = published
    job = job_for(server, controlled, tmp_path, b"private")
    with pytest.raises(DownloadError) as caught:
        fetch(requests.Session(), job)
    assert caught.value.code == "not_approved"
    missing = Download(ApiClient(server.url).download_url("OMIX999999-01"), tmp_path / "x")
    with pytest.raises(DownloadError) as caught:
        fetch(requests.Session(), missing)
    assert caught.value.code == "not_found"


@pytest.fixture
def small_folder(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (needs root and mount rights, as in CI)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("needs root on Linux to mount a small tmpfs")
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_full_disk_keeps_the_part_and_says_so(
    server: ServerProcess, published, small_folder: Path, tmp_path: Path
) -> None:
    file_id, data, _controlled = published
    job = job_for(server, file_id, small_folder, data)
    with pytest.raises(DownloadError) as caught:
        fetch(requests.Session(), job)
    assert caught.value.code == "disk_full"
    kept = job.part.stat().st_size
    assert 0 < kept <= 1024 * 1024
    # space is freed (here: the file moves to a roomy folder): it resumes from there
    roomy = tmp_path / "roomy"
    roomy.mkdir()
    moved = job_for(server, file_id, roomy, data)
    moved.part.write_bytes(job.part.read_bytes())
    fetch(requests.Session(), moved)
    assert moved.received == len(data) - kept
    assert moved.destination.read_bytes() == data
