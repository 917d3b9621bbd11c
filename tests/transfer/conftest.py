"""Fixtures of the transfer tests: sample files and real FTP peers on loopback."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests.transfer.peers import VSFTPD, AioftpPeer, VsftpdPeer, self_signed_certificate


@pytest.fixture
def make_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a file of ``size`` pseudo-random bytes (fast: one random block repeated)."""
    block = os.urandom(1024 * 1024 + 7)

    def make(relative: str, size: int, *, seed: int = 0) -> Path:
        path = tmp_path / "local" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(seed.to_bytes(8, "little"))
            written = 8
            while written < size:
                chunk = block[: size - written]
                handle.write(chunk)
                written += len(chunk)
            handle.truncate(size)
        return path

    return make


@pytest.fixture
async def aioftp_peer(tmp_path: Path) -> AsyncIterator[AioftpPeer]:
    peer = await AioftpPeer(tmp_path / "ftp-home").start()
    try:
        yield peer
    finally:
        await peer.stop()


def _need_vsftpd() -> None:
    if VSFTPD is None:
        pytest.skip("vsftpd is not installed (apt-get install vsftpd; .ci/run installs it)")


@pytest.fixture
def vsftpd_peer(tmp_path: Path) -> Iterator[VsftpdPeer]:
    _need_vsftpd()
    peer = VsftpdPeer(tmp_path / "vsftpd").start()
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture
def vsftpd_tls_peer(tmp_path: Path) -> Iterator[VsftpdPeer]:
    _need_vsftpd()
    folder = tmp_path / "tls"
    folder.mkdir()
    cert, key = self_signed_certificate(folder)
    peer = VsftpdPeer(tmp_path / "vsftpd-tls", tls_cert=cert, tls_key=key).start()
    try:
        yield peer
    finally:
        peer.stop()
