"""The anonymous FTP endpoint: exactly the released open-access tree, read-only."""

from __future__ import annotations

import ftplib
import io
import os
import shutil
from collections.abc import Iterator

import pytest

from tests.support.accounts import ApiUser, new_user
from tests.support.release import (
    Submitted,
    anonymous_ftp,
    dataset,
    md5,
    new_curator,
    public_folder,
    released,
    submit,
)
from tests.support.server import HOST, ServerProcess
from tests.support.submission import settings_of


@pytest.fixture(scope="module")
def trees(server: ServerProcess) -> tuple[ApiUser, Submitted, Submitted, Submitted]:
    owner = new_user(server.api, prefix="owner")
    curator = new_curator(server)
    files = {"reads.fq.gz": os.urandom(300_000), "sheet.csv": b"a,b\n1,2\n"}
    open_data = released(server, owner, curator, files)
    controlled = released(server, owner, curator, access="controlled")
    unreleased = submit(owner)
    return owner, open_data, controlled, unreleased


@pytest.fixture
def ftp(server: ServerProcess) -> Iterator[ftplib.FTP]:
    with anonymous_ftp(server) as connection:
        yield connection


def test_lists_only_released_open_data(
    server: ServerProcess, trees: tuple[ApiUser, Submitted, Submitted, Submitted], ftp: ftplib.FTP
) -> None:
    _owner, open_data, controlled, unreleased = trees
    # hidden folders (a release in progress) stay invisible and unreachable
    hidden = settings_of(server).public_root / "OMIX" / ".OMIX999998.partial"
    hidden.mkdir(parents=True, exist_ok=True)
    (hidden / "OMIX999998-01.txt").write_bytes(b"half released")
    try:
        names = ftp.nlst("/OMIX")
        assert f"/OMIX/{open_data.accession}" in names or open_data.accession in names
        listed = " ".join(names)
        assert controlled.accession not in listed and unreleased.accession not in listed
        assert ".OMIX999998" not in listed
        with pytest.raises(ftplib.error_perm, match="^550"):
            ftp.cwd("/OMIX/.OMIX999998.partial")
        with pytest.raises(ftplib.error_perm, match="^550"):
            ftp.size("/OMIX/.OMIX999998.partial/OMIX999998-01.txt")
        for accession in (controlled.accession, unreleased.accession):
            with pytest.raises(ftplib.error_perm, match="^550"):
                ftp.cwd(f"/OMIX/{accession}")
    finally:
        shutil.rmtree(hidden)

    facts = dict(ftp.mlsd(f"/OMIX/{open_data.accession}"))
    assert set(facts) == set(open_data.files) | {f"{name}.md5" for name in open_data.files}
    name = f"{open_data.file_id(1)}.fq.gz"
    assert facts[name]["type"] == "file" and int(facts[name]["size"]) == 300_000
    assert "w" not in facts[name]["perm"]
    lines: list[str] = []
    ftp.retrlines(f"LIST /OMIX/{open_data.accession}", lines.append)
    assert any(line.endswith(name) for line in lines)


def test_download_resume_and_md5_companion(
    server: ServerProcess, trees: tuple[ApiUser, Submitted, Submitted, Submitted], ftp: ftplib.FTP
) -> None:
    owner, open_data, _controlled, _unreleased = trees
    name = f"{open_data.file_id(1)}.fq.gz"
    content = open_data.files[name]
    before = dataset(owner, open_data.accession)["files"][0]["download_count"]
    ftp.cwd(f"/OMIX/{open_data.accession}")
    assert ftp.size(name) == len(content)

    whole = io.BytesIO()
    ftp.retrbinary(f"RETR {name}", whole.write, blocksize=65536)
    assert whole.getvalue() == content
    rest = io.BytesIO()
    ftp.retrbinary(f"RETR {name}", rest.write, rest=100_000)
    assert content[:100_000] + rest.getvalue() == content

    companion = io.BytesIO()
    ftp.retrbinary(f"RETR {name}.md5", companion.write)
    assert companion.getvalue().decode() == f"{md5(content)}  {name}\n"
    # one download from the start; the resume and the .md5 do not count
    after = dataset(owner, open_data.accession)["files"][0]["download_count"]
    assert after == before + 1


def test_every_write_is_refused(
    trees: tuple[ApiUser, Submitted, Submitted, Submitted], ftp: ftplib.FTP
) -> None:
    _owner, open_data, _controlled, _unreleased = trees
    folder = f"/OMIX/{open_data.accession}"
    existing = f"{folder}/{open_data.file_id(1)}.fq.gz"
    attempts = [
        lambda: ftp.storbinary(f"STOR {folder}/new.txt", io.BytesIO(b"x")),
        lambda: ftp.storbinary(f"APPE {existing}", io.BytesIO(b"x")),
        lambda: ftp.storbinary("STOU", io.BytesIO(b"x")),
        lambda: ftp.delete(existing),
        lambda: ftp.mkd(f"{folder}/sub"),
        lambda: ftp.rmd(folder),
        lambda: ftp.rename(existing, f"{folder}/renamed.gz"),
        lambda: ftp.sendcmd(f"SITE CHMOD 777 {existing}"),
    ]
    for attempt in attempts:
        with pytest.raises(ftplib.error_perm, match="^550"):
            attempt()
    assert ftp.size(existing) == len(open_data.files[f"{open_data.file_id(1)}.fq.gz"])


def test_no_escape_from_the_tree(server: ServerProcess, ftp: ftplib.FTP) -> None:
    ftp.cwd("/../../..")
    assert ftp.pwd() == "/"
    assert ftp.nlst() == ["OMIX"]
    for path in ("../omix.db", "/../omix.db", "/OMIX/../../archive"):
        with pytest.raises(ftplib.error_perm, match="^550"):
            ftp.size(path)
    # a symlink planted in the tree is neither listed nor followed out of it
    link = settings_of(server).public_root / "escape"
    link.symlink_to(settings_of(server).data_dir)
    try:
        assert "escape" not in ftp.nlst("/")
        with pytest.raises(ftplib.error_perm, match="^550"):
            ftp.cwd("/escape")
        with pytest.raises(ftplib.error_perm, match="^550"):
            ftp.size("/escape/omix.db")
    finally:
        link.unlink()


def test_only_anonymous_login(server: ServerProcess, user: ApiUser) -> None:
    connection = ftplib.FTP()
    connection.connect(HOST, server.public_ftp_port, timeout=30)
    try:
        with pytest.raises(ftplib.error_perm, match="^530"):
            connection.login(user.email, user.password)
        with pytest.raises(ftplib.error_perm, match="^530"):
            connection.nlst("/")
        connection.login("ftp", "")
        assert connection.pwd() == "/"
    finally:
        connection.close()


def test_public_folder_matches_what_ftp_serves(
    server: ServerProcess, trees: tuple[ApiUser, Submitted, Submitted, Submitted]
) -> None:
    _owner, open_data, controlled, _unreleased = trees
    assert public_folder(server, open_data.accession).is_dir()
    assert not public_folder(server, controlled.accession).exists()
