"""A cut upload resumes (REST+STOR, APPE, curl -C -) and ends with the right MD5."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import aioftp
import pytest

from tests.server.ftp_support import (
    cut_upload,
    ftp_login,
    home,
    md5,
    payload,
    rows,
    upload,
    wait_row,
    xmd5,
)
from tests.support.accounts import PASSWORD, ApiUser, new_user
from tests.support.server import HOST, ServerProcess

SIZE = 5 * 1024 * 1024 + 321
CUT = 2 * 1024 * 1024 + 999


@pytest.mark.parametrize("reset", [False, True], ids=["fin", "rst"])
def test_cut_then_rest_stor(server: ServerProcess, user: ApiUser, reset: bool) -> None:
    data = payload(SIZE, seed=11)
    with ftp_login(server, user) as ftp:
        reply = cut_upload(ftp, "STOR big.bin", data[:CUT], reset=reset)
        assert reply[:3] in ("226", "426")  # a FIN looks like the end of the file
        kept = ftp.size("big.bin")
        assert 0 < kept <= CUT
        # the MD5 of what is on the server lets the client check before resuming
        assert xmd5(ftp, "big.bin") == md5(data[:kept])
        assert ftp.sendcmd(f"XMD5 big.bin 0 {kept}") == f"250 {md5(data[:kept])}"
        # a cut the server saw (426) is listed as incomplete until resumed
        state = "incomplete" if reply.startswith("426") else "complete"
        row = wait_row(server, user.email, "big.bin", state=state)
        assert (row.size, row.md5) == (kept, md5(data[:kept]))
        listed = {f["path"]: f for f in user.get("/preupload/files").json()}["big.bin"]
        assert listed["state"] == state
        if state == "incomplete":
            assert listed["incomplete"]["code"] == "connection_lost"
            assert f"stopped at {kept} bytes" in listed["incomplete"]["message"]
            assert listed["incomplete"]["action"] == "resume_upload"
        # resume where the server stopped
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("STOR big.bin", rest=kept)
        conn.sendall(data[kept:])
        conn.close()
        assert md5(data) in ftp.voidresp()
        assert xmd5(ftp, "big.bin") == md5(data)
    row = wait_row(server, user.email, "big.bin")
    assert (row.size, row.md5) == (SIZE, md5(data))


def test_rest_stor_from_a_middle_offset_drops_the_tail(
    server: ServerProcess, user: ApiUser
) -> None:
    data = payload(300_000, seed=12)
    with ftp_login(server, user) as ftp:
        upload(ftp, "redo.bin", payload(400_000, seed=99)[:200_000] + data[200_000:])
        # the client distrusts the last part: it restarts at byte 100000
        upload_at = 100_000
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("STOR redo.bin", rest=upload_at)
        conn.sendall(data[upload_at:])
        conn.close()
        ftp.voidresp()
        # the first 100000 bytes were the other payload's; MD5 covers the real file
        expected = payload(400_000, seed=99)[:upload_at] + data[upload_at:]
        assert ftp.size("redo.bin") == len(expected)
        assert xmd5(ftp, "redo.bin") == md5(expected)


def test_cut_then_appe(server: ServerProcess, user: ApiUser) -> None:
    data = payload(SIZE, seed=13)
    with ftp_login(server, user) as ftp:
        cut_upload(ftp, "STOR appended.bin", data[:CUT], reset=True)
        kept = ftp.size("appended.bin")
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("APPE appended.bin")
        conn.sendall(data[kept:])
        conn.close()
        assert ftp.voidresp().startswith("226")
        assert xmd5(ftp, "appended.bin") == md5(data)
    row = wait_row(server, user.email, "appended.bin")
    assert (row.size, row.md5) == (SIZE, md5(data))


async def test_aioftp_resume_with_offset(server: ServerProcess, user: ApiUser) -> None:
    data = payload(SIZE, seed=14)
    with ftp_login(server, user) as ftp:
        cut_upload(ftp, "STOR aio.bin", data[:CUT])
    client = aioftp.Client(socket_timeout=20)
    await client.connect(HOST, server.ftp_port)
    try:
        await client.login(user.email, PASSWORD)
        kept = int((await client.stat("aio.bin"))["size"])
        async with client.upload_stream("aio.bin", offset=kept) as stream:
            await stream.write(data[kept:])
        code, lines = await client.command("XMD5 aio.bin", "250")
        assert lines[0].strip() == md5(data)
    finally:
        await client.quit()


def _curl() -> str:
    found = shutil.which("curl")
    if not found:
        pytest.skip("curl is not installed (.ci/run installs it)")
    return found


def test_curl_resume_after_cut(server: ServerProcess, user: ApiUser, tmp_path: Path) -> None:
    curl = _curl()
    data = payload(SIZE, seed=15)
    source = tmp_path / "curl.bin"
    source.write_bytes(data)
    with ftp_login(server, user) as ftp:
        cut_upload(ftp, "STOR curl.bin", data[:CUT], reset=True)
    url = f"ftp://{HOST}:{server.ftp_port}/curl.bin"
    done = subprocess.run(
        [
            curl,
            "-sS",
            "--fail",
            "--user",
            f"{user.email}:{PASSWORD}",
            "-C",
            "-",
            "-T",
            str(source),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    with ftp_login(server, user) as ftp:
        assert ftp.size("curl.bin") == SIZE
        assert xmd5(ftp, "curl.bin") == md5(data)
    row = wait_row(server, user.email, "curl.bin")
    assert (row.size, row.md5) == (SIZE, md5(data))


def test_curl_upload_into_new_folder(server: ServerProcess, user: ApiUser, tmp_path: Path) -> None:
    curl = _curl()
    source = tmp_path / "sample.txt"
    source.write_bytes(b"ACGT" * 1000)
    url = f"ftp://{HOST}:{server.ftp_port}/run7/lane1/sample.txt"
    done = subprocess.run(
        [
            curl,
            "-sS",
            "--fail",
            "--ftp-create-dirs",
            "--user",
            f"{user.email}:{PASSWORD}",
            "-T",
            str(source),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    row = wait_row(server, user.email, "run7/lane1/sample.txt")
    assert row.md5 == md5(b"ACGT" * 1000)


def test_restart_keeps_files_and_md5(own_server: ServerProcess) -> None:
    own_server.start()
    owner = new_user(own_server.api, prefix="restart")
    data = payload(1_000_000, seed=16)
    with ftp_login(own_server, owner) as ftp:
        upload(ftp, "kept.bin", data)
        ftp.mkd("dir")
        upload(ftp, "dir/small.txt", b"small")
    own_server.restart()
    with ftp_login(own_server, owner) as ftp:
        assert ftp.size("kept.bin") == len(data)
        assert xmd5(ftp, "kept.bin") == md5(data)
        assert ftp.nlst("dir") == ["small.txt"]
    found = rows(own_server, owner.email)
    assert found["kept.bin"].md5 == md5(data)
    assert found["dir/small.txt"].md5 == md5(b"small")


def test_killed_server_mid_upload_is_reconciled_on_start(own_server: ServerProcess) -> None:
    own_server.start()
    owner = new_user(own_server.api, prefix="killed")
    data = payload(SIZE, seed=17)
    with ftp_login(own_server, owner) as ftp:
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("STOR crash.bin")
        conn.sendall(data[:CUT])
        # the row says "uploading" while data arrives
        wait_row(own_server, owner.email, "crash.bin", state="uploading")
        own_server.stop(sig=signal.SIGKILL)
        conn.close()
    own_server.start()
    on_disk = (home(own_server, owner.email) / "crash.bin").read_bytes()
    row = wait_row(own_server, owner.email, "crash.bin")
    assert (row.size, row.md5) == (len(on_disk), md5(on_disk))
    assert on_disk == data[: len(on_disk)]
