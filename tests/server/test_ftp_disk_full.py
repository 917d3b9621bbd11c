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
from tests.support.submission import bioproject, dataset_body, file_entry, wait_for


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
    # listed as incomplete, with the reason and what to do: never as a valid complete file
    row = wait_row(server, user.email, "too-big.bin", state="incomplete")
    assert (row.size, row.md5) == (kept, md5(data[:kept]))
    listed = {f["path"]: f for f in user.get("/preupload/files").json()}["too-big.bin"]
    assert listed["state"] == "incomplete" and listed["md5"] is None
    assert listed["incomplete"]["code"] == "disk_full"
    assert "disk was full" in listed["incomplete"]["message"]
    assert listed["incomplete"]["action"] == "resume_upload"
    # a dataset that selects it waits, saying why
    body = dataset_body(bioproject(user), [file_entry(path="too-big.bin", md5_value=md5(data))])
    created = user.post("/datasets", json=body)
    assert created.status_code == 201, created.text
    accession = created.json()["accession"]
    (file,) = user.get(f"/datasets/{accession}").json()["files"]
    assert file["status"] == "Checking" and file["checking_reason"] == "upload_incomplete"
    diagnosis = user.get(f"/datasets/{accession}/files/{file['file_id']}/diagnosis").json()
    assert diagnosis["preupload_state"] == "incomplete"
    assert "Resume the upload" in diagnosis["message"]
    # the archive gets space again; the resumed upload completes and is archived
    grown = subprocess.run(["mount", "-o", "remount,size=8m", str(small_home)], capture_output=True)
    assert grown.returncode == 0, grown.stderr
    with ftp_login(server, user) as ftp:
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("APPE too-big.bin")
        conn.sendall(data[kept:])
        conn.close()
        assert md5(data) in ftp.voidresp()
    archived = wait_for(
        lambda: user.get(f"/datasets/{accession}").json()["files"][0],
        lambda f: f["status"] != "Checking",
    )
    assert archived["status"] == "Archived"
