"""A user never sees or touches another user's pre-upload files over FTP."""

from __future__ import annotations

import ftplib
import io
import os

import pytest

from tests.server.ftp_support import ftp_login, home, md5, rows, upload, user_id, xmd5
from tests.support.accounts import ApiUser
from tests.support.server import ServerProcess

SECRET = b"user A's unpublished data"


@pytest.fixture
def victim(server: ServerProcess, user: ApiUser) -> ApiUser:
    with ftp_login(server, user) as ftp:
        ftp.mkd("private")
        upload(ftp, "private/secret.txt", SECRET)
    return user


def _names(ftp: ftplib.FTP, path: str) -> list[str]:
    try:
        return sorted(name for name, _facts in ftp.mlsd(path))
    except ftplib.error_perm:
        return []


def test_paths_never_leave_the_home_folder(
    server: ServerProcess, victim: ApiUser, other_user: ApiUser
) -> None:
    victim_id = user_id(server, victim.email)
    sneaky = [
        f"../{victim_id}/private/secret.txt",
        f"/../{victim_id}/private/secret.txt",
        f"/../../preupload/{victim_id}/private/secret.txt",
        f"../../preupload/{victim_id}/private/secret.txt",
        f"..\\{victim_id}\\private\\secret.txt",
        str(home(server, victim.email) / "private" / "secret.txt"),
    ]
    with ftp_login(server, other_user) as ftp:
        upload(ftp, "mine.txt", b"mine")
        # ".." at the root stays at the root, whatever the spelling
        for place in ("..", "/..", "../..", "/../../..", f"../{victim_id}"):
            if place == f"../{victim_id}":
                with pytest.raises(ftplib.error_perm, match="^550"):
                    ftp.cwd(place)
                continue
            ftp.cwd(place)
            assert ftp.pwd() == "/"
            assert _names(ftp, ".") == ["mine.txt"]
        assert _names(ftp, f"../{victim_id}/private") == []
        for path in sneaky:
            for command in ("SIZE", "MDTM", "XMD5", "MLST", "DELE", "RNFR", "HASH"):
                with pytest.raises(ftplib.error_perm, match="^5"):
                    ftp.sendcmd(f"{command} {path}")
            with pytest.raises(ftplib.error_perm, match="^5"):
                ftp.retrbinary(f"RETR {path}", lambda _block: None)
        # writing "there" lands in the user's own home, or is refused
        with pytest.raises(ftplib.error_perm, match="^553"):
            ftp.storbinary(f"STOR ../{victim_id}/private/evil.txt", io.BytesIO(b"x"))
        ftp.storbinary("STOR ../../planted.txt", io.BytesIO(b"planted"))
        assert "planted.txt" in _names(ftp, "/")
    assert sorted(os.listdir(home(server, victim.email))) == ["private"]
    assert set(rows(server, victim.email)) == {"private/secret.txt"}
    assert set(rows(server, other_user.email)) == {"mine.txt", "planted.txt"}
    with ftp_login(server, victim) as ftp:
        assert xmd5(ftp, "private/secret.txt") == md5(SECRET)


def test_symlink_out_of_the_home_folder_is_refused(
    server: ServerProcess, victim: ApiUser, other_user: ApiUser
) -> None:
    with ftp_login(server, other_user) as ftp:
        ftp.pwd()  # creates the home folder at first login
    attacker_home = home(server, other_user.email)
    (attacker_home / "link").symlink_to(home(server, victim.email) / "private")
    (attacker_home / "file-link").symlink_to(home(server, victim.email) / "private" / "secret.txt")
    with ftp_login(server, other_user) as ftp:
        assert "link" not in _names(ftp, "/")
        for command in ("CWD link", "MLSD link", "SIZE link/secret.txt", "XMD5 file-link"):
            with pytest.raises(ftplib.error_perm, match="^5"):
                if command.startswith("MLSD"):
                    list(ftp.mlsd("link"))
                else:
                    ftp.sendcmd(command)
        with pytest.raises(ftplib.error_perm, match="^5"):
            ftp.retrbinary("RETR file-link", lambda _block: None)
        with pytest.raises(ftplib.error_perm, match="^5"):
            ftp.storbinary("STOR link/evil.txt", io.BytesIO(b"x"))
    assert sorted(os.listdir(home(server, victim.email) / "private")) == ["secret.txt"]
