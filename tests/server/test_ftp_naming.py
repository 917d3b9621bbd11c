"""The naming rule at the FTP door: a bad name is refused before any byte is stored.

Third-party clients report "Successful" for any upload the server accepts, so
STOR, APPE, MKD and RNTO of a name that breaks the archive's rule must answer
553 with what is wrong and what to use instead.
"""

from __future__ import annotations

import ftplib
import io
import shutil
import subprocess
import unicodedata
from pathlib import Path, PurePosixPath

import pytest

from server_stub.ftp.name_rule import name_refusal
from tests.server.ftp_support import ftp_login, home, payload, rows, upload
from tests.support.accounts import PASSWORD, new_user
from tests.support.server import HOST, ServerProcess


@pytest.mark.parametrize(
    ("command", "name", "says", "instead"),
    [
        ("STOR", "my file.fq", "contains a space", "/my_file.fq"),
        ("STOR", "中文名.fq", "special character '中'", "/file.fq"),
        ("APPE", "reads#1.fq", "special character '#'", "/reads_1.fq"),
        ("STOR", "run 1/a.fq", "'run 1' contains a space", "/run_1/a.fq"),
    ],
)
def test_uploads_with_bad_names_are_refused(
    server: ServerProcess, command: str, name: str, says: str, instead: str
) -> None:
    owner = new_user(server.api, prefix="door")
    with ftp_login(server, owner) as ftp:
        with pytest.raises(ftplib.error_perm) as refused:
            ftp.storbinary(f"{command} {name}", io.BytesIO(b"ACGT\n"))
        reply = str(refused.value)
        assert reply.startswith("553 ")
        assert says in reply and f"use {instead} instead" in reply
        assert ftp.nlst() == []
    assert list(home(server, owner.email).iterdir()) == []
    assert rows(server, owner.email) == {}


def test_folders_and_renames_follow_the_rule(server: ServerProcess) -> None:
    owner = new_user(server.api, prefix="doormkd")
    with ftp_login(server, owner) as ftp:
        with pytest.raises(ftplib.error_perm, match=r"^553 Folder name refused: 'my run'"):
            ftp.mkd("my run")
        assert ftp.mkd("run_1") == "/run_1"
        upload(ftp, "run_1/a.fq", payload(1000))
        ftp.sendcmd("RNFR run_1/a.fq")
        with pytest.raises(ftplib.error_perm, match=r"^553 New name refused: .*use /run_1/a_b.fq"):
            ftp.sendcmd("RNTO run_1/a b.fq")
        ftp.sendcmd("RNFR run_1/a.fq")
        assert ftp.sendcmd("RNTO run_1/b.fq").startswith("250")
        assert ftp.nlst("run_1") == ["run_1/b.fq"] or ftp.nlst("run_1") == ["b.fq"]


def test_a_bad_name_left_from_before_stays_listed_with_its_reason(server: ServerProcess) -> None:
    """Files from before the rule was enforced (or put there by hand) are not hidden."""
    owner = new_user(server.api, prefix="doorold")
    with ftp_login(server, owner) as ftp:
        upload(ftp, "good.fq", payload(10))
    (home(server, owner.email) / "old name.fq").write_bytes(b"ACGT")
    listing = owner.http.get(f"{server.api}/preupload/files", timeout=30).json()
    entries = {entry["path"]: entry for entry in listing}
    assert entries["good.fq"]["valid"] is True
    assert entries["old name.fq"]["valid"] is False
    assert entries["old name.fq"]["problem"]["code"] == "space"


def test_curl_and_lftp_see_the_refusal(server: ServerProcess, tmp_path: Path) -> None:
    owner = new_user(server.api, prefix="doorclients")
    local = tmp_path / "my file.fq"
    local.write_bytes(b"ACGT\n")
    if shutil.which("curl"):
        result = subprocess.run(
            ["curl", "-sS", "-v", "-u", f"{owner.email}:{PASSWORD}", "-T", str(local)]
            + [f"ftp://{HOST}:{server.ftp_port}/my%20file.fq"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode != 0
        assert "< 553 File name refused: 'my file.fq' contains a space" in result.stderr
    if shutil.which("lftp"):
        script = (
            "set cmd:fail-exit yes; set net:max-retries 1; "
            f"open -u {owner.email},{PASSWORD} ftp://{HOST}:{server.ftp_port}; "
            f'put "{local}" -o "中文名.fq"'
        )
        result = subprocess.run(["lftp", "-c", script], capture_output=True, text=True, timeout=60)
        assert result.returncode != 0
        assert "553" in result.stderr and "use /file.fq instead" in result.stderr
    assert rows(server, owner.email) == {}


def test_refusal_text() -> None:
    assert name_refusal(PurePosixPath("/ok/a.fq")) is None
    text = name_refusal(PurePosixPath("/a b.fq"))
    assert text is not None and "use /a_b.fq instead" in text


CAFE = "café.fq"
CAFE_NFD = unicodedata.normalize("NFD", CAFE)


@pytest.mark.parametrize("sent", [CAFE, CAFE_NFD], ids=["nfc", "nfd"])
def test_an_nfd_name_is_refused_as_its_nfc_form(server: ServerProcess, sent: str) -> None:
    """macOS clients send decomposed names: the reply names and corrects the composed one."""
    owner = new_user(server.api, prefix="doornfd")
    with ftp_login(server, owner) as ftp:
        assert ftp.encoding == "utf-8"  # the bytes of U+0301 go over the wire as they are
        with pytest.raises(ftplib.error_perm) as refused:
            ftp.storbinary(f"STOR {sent}", io.BytesIO(b"ACGT\n"))
        reply = str(refused.value)
        assert reply.startswith("553 ")
        assert f"'{CAFE}' contains the special character 'é'" in reply
        assert CAFE_NFD not in reply and "\u0301" not in reply
        assert "use /cafe.fq instead" in reply
        assert ("decomposed Unicode" in reply) is (sent == CAFE_NFD)
        with pytest.raises(ftplib.error_perm, match=r"^553 Folder name refused: 'résumé'"):
            ftp.mkd(unicodedata.normalize("NFD", "résumé"))
        assert ftp.nlst() == []
    assert list(home(server, owner.email).iterdir()) == []


def test_windows_device_names_and_trailing_dots_are_refused_at_the_door(
    server: ServerProcess,
) -> None:
    owner = new_user(server.api, prefix="doorwin")
    with ftp_login(server, owner) as ftp:
        for name, says, instead in [
            ("aux.fq", "reserved by Windows for a device (AUX)", "/aux_.fq"),
            ("CON", "reserved by Windows for a device (CON)", "/CON_"),
            ("run1./a.fq", "'run1.' ends with a dot", "/run1/a.fq"),
        ]:
            with pytest.raises(ftplib.error_perm) as refused:
                ftp.storbinary(f"STOR {name}", io.BytesIO(b"ACGT\n"))
            reply = str(refused.value)
            assert reply.startswith("553 ") and says in reply, reply
            assert f"Use {instead} instead." in reply
        upload(ftp, "aux_.fq", payload(10))  # the suggestion is taken
        assert ftp.nlst() == ["aux_.fq"]


def test_a_file_left_with_an_nfd_name_is_listed_with_its_composed_reason(
    server: ServerProcess,
) -> None:
    owner = new_user(server.api, prefix="doornfdold")
    with ftp_login(server, owner) as ftp:
        upload(ftp, "good.fq", payload(10))
    (home(server, owner.email) / CAFE_NFD).write_bytes(b"ACGT")
    listing = owner.http.get(f"{server.api}/preupload/files", timeout=30).json()
    (left,) = [entry for entry in listing if entry["path"] != "good.fq"]
    assert left["valid"] is False
    assert left["problem"]["code"] == "special_character"
    assert left["problem"]["component"] == CAFE and left["problem"]["character"] == "é"
