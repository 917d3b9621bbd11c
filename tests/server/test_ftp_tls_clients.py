"""Third-party FTP clients over explicit TLS: curl and lftp, TLS 1.2 and 1.3.

Before the data connections stopped sending TLS 1.3 session tickets, curl's
uploads of 1-3 MiB files ended ``426`` every time and lftp's mostly did (it
hid that by resuming): the client closed its data socket with the unread
tickets in it, so the kernel reset the connection and the last bytes were lost.
Every upload here must end ``226`` at the first try, with the server's MD5
equal to the file's.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.ftp_support import md5, payload, wait_row
from tests.server.test_ftp_tls import make_certificate
from tests.support.accounts import PASSWORD, new_user
from tests.support.server import HOST, ServerProcess

KiB = 1024
MiB = 1024 * KiB
SIZES = [0, 256 * KiB, 1 * MiB, 3 * MiB + 17, 20 * MiB]
"""0 B to 20 MiB; 1-3 MiB is where the cut showed."""


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Path]]:
    pytest.importorskip("cryptography")
    folder = tmp_path_factory.mktemp("tls-clients")
    cert, key = make_certificate(folder)
    server = ServerProcess(
        data_dir=folder / "data",
        extra_args=["--ftp-tls-cert", str(cert), "--ftp-tls-key", str(key)],
    ).start()
    try:
        yield server, cert
    finally:
        server.stop()


def _local_file(folder: Path, size: int) -> tuple[Path, str]:
    data = payload(size, seed=size)
    path = folder / f"upload-{size}.bin"
    path.write_bytes(data)
    return path, md5(data)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_curl_upload_over_tls(
    tls_site: tuple[ServerProcess, Path], tmp_path: Path, version: str, size: int
) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (scripts/system-deps.sh installs it)")
    server, cert = tls_site
    owner = new_user(server.api, prefix="curltls")
    local, digest = _local_file(tmp_path, size)
    versions = ["--tlsv1.2", "--tls-max", "1.2"] if version == "1.2" else ["--tlsv1.3"]
    result = subprocess.run(
        ["curl", "-sS", "-v", "--ssl-reqd", "--cacert", str(cert), *versions]
        + ["-u", f"{owner.email}:{PASSWORD}", "-T", str(local)]
        + [f"ftp://{HOST}:{server.ftp_port}/curl-{size}.bin"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"TLSv{version}" in result.stderr  # the version asked for was used
    assert f"< 226 Transfer complete: /curl-{size}.bin, {size} bytes, MD5 {digest}" in (
        result.stderr
    )
    assert wait_row(server, owner.email, f"curl-{size}.bin").md5 == digest


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_lftp_upload_over_tls(
    tls_site: tuple[ServerProcess, Path], tmp_path: Path, version: str, size: int
) -> None:
    if shutil.which("lftp") is None:
        pytest.skip("lftp is not installed (scripts/system-deps.sh installs it)")
    server, cert = tls_site
    owner = new_user(server.api, prefix="lftptls")
    local, digest = _local_file(tmp_path, size)
    priority = (
        "NORMAL:-VERS-ALL:+VERS-TLS1.2" if version == "1.2" else "NORMAL:-VERS-ALL:+VERS-TLS1.3"
    )
    script = "; ".join(
        [
            "set ftp:ssl-force yes",
            "set ftp:ssl-protect-data yes",
            f"set ssl:ca-file {cert}",
            f'set ssl:priority "{priority}"',
            "set net:max-retries 1",  # a cut must show, not be hidden by a resume
            "set net:reconnect-interval-base 1",
            "set cmd:fail-exit yes",
            f"open -u {owner.email},{PASSWORD} ftp://{HOST}:{server.ftp_port}",
            f"put {local} -o lftp-{size}.bin",
            "quit",
        ]
    )
    result = subprocess.run(
        ["lftp", "-d", "-c", script], capture_output=True, text=True, timeout=120
    )
    transcript = result.stdout + result.stderr
    assert result.returncode == 0, transcript[-2000:]
    assert " 426 " not in transcript and "<--- 426" not in transcript
    assert f"226 Transfer complete: /lftp-{size}.bin, {size} bytes, MD5 {digest}" in transcript
    assert transcript.count("STOR lftp-") == 1, "the upload was retried"
    assert wait_row(server, owner.email, f"lftp-{size}.bin").md5 == digest
