"""A certificate the computer does not trust never leaves the queue stuck.

Before: after the TLS failure the queue stayed paused, later ``put`` and
``retry`` sent nothing, and ``retry`` exited 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.terminal import Terminal
from tests.server.test_ftp_tls import make_certificate
from tests.support.accounts import new_user
from tests.support.server import ServerProcess


@pytest.fixture
def self_signed(own_server: ServerProcess, tmp_path: Path) -> Iterator[tuple[ServerProcess, Path]]:
    pytest.importorskip("cryptography")
    cert, key = make_certificate(tmp_path)
    own_server.extra_args = ["--ftp-tls-cert", str(cert), "--ftp-tls-key", str(key)]
    yield own_server.start(), cert


def test_an_untrusted_certificate_fails_clearly_every_time_until_trusted(
    self_signed: tuple[ServerProcess, Path], tmp_path: Path
) -> None:
    server, cert = self_signed
    user = new_user(server.api, prefix="selfsigned")
    terminal = Terminal(server, tmp_path / "home", user)
    terminal.env.pop("SSL_CERT_FILE", None)
    terminal.login()
    (tmp_path / "a.fq").write_bytes(b"ACGT" * 1000)
    (tmp_path / "b.fq").write_bytes(b"TTGA" * 1000)

    first = terminal.run("put", str(tmp_path / "a.fq"))
    assert first.returncode == 1, first.stdout + first.stderr
    assert "0 verified, 1 failed." in first.stdout + first.stderr

    # a later put is tried, not silently skipped by a paused queue
    second = terminal.run("put", str(tmp_path / "b.fq"))
    assert second.returncode == 1
    assert "0 verified, 1 failed." in second.stdout + second.stderr  # this run's file only

    again = terminal.run("retry")
    assert again.returncode == 1, "retry must not report success while nothing was verified"

    # once the computer trusts the certificate, retry sends both
    terminal.env["SSL_CERT_FILE"] = str(cert)
    trusted = terminal.run("retry")
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert "2 verified, 0 failed." in trusted.stdout + trusted.stderr
