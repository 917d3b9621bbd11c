"""A full disk stops an upload with a clear 452 and keeps the partial file."""

from __future__ import annotations

import ftplib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.ftp_support import ftp_login, home, md5, payload, wait_row, xmd5
from tests.support.accounts import ApiUser
from tests.support.server import ServerProcess


@pytest.fixture
def small_home(server: ServerProcess, user: ApiUser) -> Iterator[Path]:
    """The user's home folder on a 1 MiB tmpfs (needs root and mount rights)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("needs root on Linux to mount a small tmpfs")
    with ftp_login(server, user) as ftp:
        ftp.pwd()  # first login creates the home folder
    folder = home(server, user.email)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_disk_full_gives_452_and_keeps_partial_file(
    server: ServerProcess, user: ApiUser, small_home: Path
) -> None:
    data = payload(3 * 1024 * 1024, seed=31)
    with ftp_login(server, user) as ftp:
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("STOR too-big.bin")
        try:
            for start in range(0, len(data), 65536):
                conn.sendall(data[start : start + 65536])
        except OSError:
            pass  # the server closed the data connection when the disk filled up
        conn.close()
        with pytest.raises(
            ftplib.error_temp, match=r"^452 Server disk is full.*partial file is kept"
        ):
            ftp.voidresp()
        kept = ftp.size("too-big.bin")
        assert 0 < kept < len(data)
        assert xmd5(ftp, "too-big.bin") == md5(data[:kept])
    row = wait_row(server, user.email, "too-big.bin")
    assert (row.size, row.md5) == (kept, md5(data[:kept]))
