"""Pre-upload FTP: login, upload, listings, checksums and file management."""

from __future__ import annotations

import ftplib
import io
import re

import aioftp
import pytest

from tests.server.ftp_support import ftp_login, md5, payload, rows, upload, wait_row, xmd5
from tests.support.accounts import PASSWORD, ApiUser
from tests.support.server import HOST, ServerProcess


def test_login_with_account_email_and_password(server: ServerProcess, user: ApiUser) -> None:
    with ftp_login(server) as ftp:
        assert "OMIX" in ftp.getwelcome()
        assert ftp.login(user.email, PASSWORD).startswith("230")
        assert ftp.pwd() == "/"


def test_wrong_password_is_refused_clearly(server: ServerProcess, user: ApiUser) -> None:
    with ftp_login(server) as ftp:
        with pytest.raises(ftplib.error_perm, match=r"^530 .*wrong email or password"):
            ftp.login(user.email, "not-the-password")
        # the next attempt with the right password still works
        assert ftp.login(user.email, PASSWORD).startswith("230")


def test_unknown_account_is_refused(server: ServerProcess) -> None:
    with ftp_login(server) as ftp:
        with pytest.raises(ftplib.error_perm, match="^530"):
            ftp.login("nobody@example.org", PASSWORD)


def test_anonymous_login_is_refused(server: ServerProcess) -> None:
    with ftp_login(server) as ftp:
        with pytest.raises(ftplib.error_perm, match=r"^530 Anonymous login is not allowed"):
            ftp.login()  # anonymous


def test_commands_need_login(server: ServerProcess) -> None:
    with ftp_login(server) as ftp:
        for command in ("PWD", "MLST /", "SIZE x", "XMD5 x", "PASV"):
            with pytest.raises(ftplib.error_perm, match="^530"):
                ftp.sendcmd(command)


def test_feat_lists_what_we_support(server: ServerProcess) -> None:
    with ftp_login(server) as ftp:
        features = ftp.sendcmd("FEAT")
    for feature in ("EPSV", "PASV", "SIZE", "MDTM", "REST STREAM", "MLST", "XMD5", "HASH"):
        assert feature in features
    assert "AUTH TLS" not in features  # no certificate on this server
    with ftp_login(server) as ftp:
        assert ftp.sendcmd("NOOP").startswith("200")
        with pytest.raises(ftplib.error_perm, match="^534 TLS is not configured on this server"):
            ftp.sendcmd("AUTH TLS")


def test_upload_listing_size_mdtm_and_md5(server: ServerProcess, user: ApiUser) -> None:
    data = payload(3 * 1024 * 1024 + 17)
    with ftp_login(server, user) as ftp:
        reply = upload(ftp, "reads_1.fq.gz", data)
        assert reply.startswith("226") and md5(data) in reply
        assert ftp.size("reads_1.fq.gz") == len(data)
        assert re.fullmatch(r"213 \d{14}", ftp.sendcmd("MDTM reads_1.fq.gz"))
        entries = dict(ftp.mlsd("/"))
        assert entries["reads_1.fq.gz"]["type"] == "file"
        assert int(entries["reads_1.fq.gz"]["size"]) == len(data)
        lines: list[str] = []
        ftp.retrlines("LIST", lines.append)
        assert any(line.endswith(" reads_1.fq.gz") and str(len(data)) in line for line in lines)
        assert ftp.nlst() == ["reads_1.fq.gz"]
        mlst = ftp.sendcmd("MLST reads_1.fq.gz")
        assert f"size={len(data)};" in mlst and "type=file;" in mlst
        assert xmd5(ftp, "reads_1.fq.gz") == md5(data)
        # ranges are half-open: [start, end)
        assert ftp.sendcmd("XMD5 reads_1.fq.gz 100 5000") == f"250 {md5(data[100:5000])}"
        assert ftp.sendcmd("OPTS HASH MD5").startswith("200")
        assert ftp.sendcmd("HASH reads_1.fq.gz") == (
            f"213 MD5 0-{len(data)} {md5(data)} /reads_1.fq.gz"
        )
        assert ftp.sendcmd("RANG 10 20").startswith("350")
        assert (
            ftp.sendcmd("HASH reads_1.fq.gz") == f"213 MD5 10-20 {md5(data[10:20])} /reads_1.fq.gz"
        )
        with pytest.raises(ftplib.error_perm, match="^554"):
            ftp.sendcmd(f"XMD5 reads_1.fq.gz 0 {len(data) + 1}")
    row = wait_row(server, user.email, "reads_1.fq.gz")
    assert (row.size, row.md5) == (len(data), md5(data))


def test_empty_file_and_folders(server: ServerProcess, user: ApiUser) -> None:
    with ftp_login(server, user) as ftp:
        assert ftp.mkd("run1") == "/run1"
        ftp.cwd("run1")
        upload(ftp, "empty.txt", b"")
        upload(ftp, "a.txt", b"hello")
        ftp.cwd("/")
        assert xmd5(ftp, "run1/empty.txt") == md5(b"")
        with pytest.raises(ftplib.error_perm, match="^550 .*not empty"):
            ftp.rmd("run1")
        with pytest.raises(ftplib.error_perm, match="^553 .*does not exist"):
            upload(ftp, "nofolder/x.txt", b"x")
    found = rows(server, user.email)
    assert found["run1/a.txt"].md5 == md5(b"hello")
    assert found["run1/empty.txt"].size == 0


def test_rename_and_delete_keep_rows_in_sync(server: ServerProcess, user: ApiUser) -> None:
    with ftp_login(server, user) as ftp:
        ftp.mkd("batch")
        upload(ftp, "batch/one.txt", b"one")
        upload(ftp, "two.txt", b"two")
        ftp.rename("two.txt", "batch/two.txt")
        ftp.rename("batch", "final")
        assert sorted(ftp.nlst("final")) == ["one.txt", "two.txt"]
        found = rows(server, user.email)
        assert set(found) == {"final/one.txt", "final/two.txt"}
        assert found["final/two.txt"].md5 == md5(b"two")
        ftp.delete("final/one.txt")
        assert set(rows(server, user.email)) == {"final/two.txt"}
        ftp.delete("final/two.txt")
        ftp.rmd("final")
        assert rows(server, user.email) == {}
        with pytest.raises(ftplib.error_perm, match="^550"):
            ftp.delete("final/two.txt")


def test_rest_past_end_of_file_is_refused(server: ServerProcess, user: ApiUser) -> None:
    with ftp_login(server, user) as ftp:
        upload(ftp, "short.bin", b"0123456789")
        ftp.voidcmd("TYPE I")
        ftp.sendcmd("REST 11")  # 350: the offset is checked against the file at STOR
        with pytest.raises(ftplib.error_perm, match=r"^554 .*has only 10 bytes"):
            ftp.transfercmd("STOR short.bin")
        with pytest.raises(ftplib.error_perm, match="^554"):
            ftp.transfercmd("STOR nothing-here.bin", rest=5)
        assert ftp.size("short.bin") == 10
        assert xmd5(ftp, "short.bin") == md5(b"0123456789")


async def test_aioftp_client_upload_and_stat(server: ServerProcess, user: ApiUser) -> None:
    data = payload(1_500_000, seed=3)
    client = aioftp.Client(socket_timeout=20)
    await client.connect(HOST, server.ftp_port)
    try:
        await client.login(user.email, PASSWORD)
        async with client.upload_stream("via-aioftp.bin") as stream:
            for start in range(0, len(data), 65536):
                await stream.write(data[start : start + 65536])
        info = await client.stat("via-aioftp.bin")
        assert int(info["size"]) == len(data)
        names = [path.name for path, _info in await client.list("/")]
        assert "via-aioftp.bin" in names
        code, lines = await client.command("XMD5 via-aioftp.bin", "250")
        assert [line.strip() for line in lines] == [md5(data)]
    finally:
        await client.quit()


def test_client_leaving_without_quit_is_not_an_error(server: ServerProcess, user: ApiUser) -> None:
    ftp = ftplib.FTP()
    ftp.connect(HOST, server.ftp_port, timeout=10)
    ftp.login(user.email, PASSWORD)
    ftp.storbinary("STOR bye.txt", io.BytesIO(b"bye"))
    ftp.close()  # no QUIT
    with ftp_login(server, user) as again:
        assert again.size("bye.txt") == 3
    assert "Traceback" not in server.log()
