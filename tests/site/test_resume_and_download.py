"""A node killed mid-upload; the upload resumed through the other node; downloads.

Node 1 is killed (``kill -9``) while it receives a file; the client resumes
through node 2 (``REST`` + ``STOR``, the same file in the shared pre-upload
folder) and the server's MD5 is that of the whole file. The released files
then download from either node over HTTPS in ranges, and from either
node's anonymous FTP, each checked with ``md5sum -c`` against the ``.md5``
companion the site serves.
"""

from __future__ import annotations

import ftplib
import hashlib
import io
import signal
import subprocess
from pathlib import Path

import pytest
import requests

from tests.site.nodes import Site, on
from tests.support.accounts import ApiUser, new_user
from tests.support.release import anonymous_ftp, make_curator, released
from tests.support.submission import (
    bioproject,
    dataset_body,
    file_entry,
    ftp_login,
    md5,
    user_id,
    wait_for,
)

SIZE = 6 * 1024 * 1024 + 77
CUT = 2 * 1024 * 1024


def _payload(size: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(str(counter).encode()).digest() * 256
        counter += 1
    return bytes(out[:size])


def _listed(user: ApiUser, path: str) -> dict[str, object] | None:
    for row in user.get("/preupload/files").json():
        if row["path"] == path:
            return dict(row)
    return None


def test_killed_node_mid_upload_resumed_through_the_other_node(site: Site) -> None:
    node1, node2 = site.nodes
    user = new_user(node2.api, prefix="resumer")
    data = _payload(SIZE)
    on_disk = site.shared / "preupload" / str(user_id(user)) / "big.bin"
    ftp = ftp_login(node1, user)
    ftp.voidcmd("TYPE I")
    connection = ftp.transfercmd("STOR big.bin")
    connection.sendall(data[:CUT])
    arrived = wait_for(lambda: on_disk.stat().st_size if on_disk.exists() else 0, CUT.__le__)
    assert arrived == CUT
    # node 2 lists it as still uploading: it never takes a half file for a whole one
    row = _listed(user, "big.bin")
    assert row is not None and row["state"] == "uploading", row
    node1.stop(sig=signal.SIGKILL)
    connection.close()
    ftp.close()
    try:
        with ftp_login(node2, user) as resume:
            resume.voidcmd("TYPE I")
            kept = resume.size("big.bin")
            assert kept == CUT
            assert resume.sendcmd(f"XMD5 big.bin 0 {kept}") == f"250 {md5(data[:kept])}"
            connection = resume.transfercmd("STOR big.bin", rest=kept)
            connection.sendall(data[kept:])
            connection.close()
            assert md5(data) in resume.voidresp()
            assert resume.sendcmd("XMD5 big.bin") == f"250 {md5(data)}"
        row = wait_for(lambda: _listed(user, "big.bin"), lambda r: r and r["md5"] == md5(data))
        assert row is not None and (row["size"], row["md5"]) == (SIZE, md5(data)), row
        body = dataset_body(bioproject(user), [file_entry(path="big.bin", md5_value=md5(data))])
        created = user.post("/datasets", json=body)
        assert created.status_code == 201, created.text
        accession = created.json()["accession"]
        state = wait_for(
            lambda: user.get(f"/datasets/{accession}").json(), lambda d: d["status"] == "Archived"
        )
        assert state["status"] == "Archived", state
    finally:
        node1.start()
    # node 1 back: its start-up reconciliation leaves the finished file alone
    state = on(user, node1).get(f"/datasets/{accession}").json()
    assert state["status"] == "Archived" and state["files"][0]["md5_server"] == md5(data)


@pytest.fixture(scope="module")
def published(site: Site) -> tuple[str, dict[str, bytes]]:
    owner = new_user(site.nodes[0].api, prefix="publisher")
    curator = make_curator(site.nodes[1], new_user(site.nodes[1].api, prefix="curator"))
    files = {"reads.fq.gz": _payload(3 * 1024 * 1024 + 5), "notes.txt": b"site notes\n"}
    # due today: the curator's approval through node 1 makes a scheduler release it
    submitted = released(site.nodes[1], on(owner, site.nodes[1]), on(curator, site.nodes[0]), files)
    return submitted.accession, submitted.files


def _md5sum_check(folder: Path, name: str) -> None:
    result = subprocess.run(
        ["md5sum", "-c", f"{name}.md5"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and f"{name}: OK" in result.stdout, result


def test_downloads_from_either_node_in_ranges_check_with_md5sum(
    site: Site, published: tuple[str, dict[str, bytes]], tmp_path: Path
) -> None:
    accession, files = published
    for index, node in enumerate(site.nodes, start=1):
        folder = tmp_path / f"https-node{index}"
        folder.mkdir()
        for name, content in files.items():
            file_id = name.split(".", 1)[0]
            url = f"{node.api}/public/files/{file_id}/download"
            half = len(content) // 2
            # the first half from this node, the rest from the other one
            other = site.nodes[index % 2]
            first = requests.get(url, headers={"Range": f"bytes=0-{half - 1}"}, timeout=60)
            rest = requests.get(
                f"{other.api}/public/files/{file_id}/download",
                headers={"Range": f"bytes={half}-"},
                timeout=60,
            )
            assert (first.status_code, rest.status_code) == (206, 206)
            assert first.headers.get("ETag") == rest.headers.get("ETag")
            (folder / name).write_bytes(first.content + rest.content)
            companion = requests.get(f"{node.api}/public/files/{file_id}/md5", timeout=30)
            assert companion.status_code == 200, companion.text
            (folder / f"{name}.md5").write_text(companion.text)
            _md5sum_check(folder, name)
            assert (folder / name).read_bytes() == content


def test_downloads_from_either_nodes_public_ftp_check_with_md5sum(
    site: Site, published: tuple[str, dict[str, bytes]], tmp_path: Path
) -> None:
    accession, files = published
    for index, node in enumerate(site.nodes, start=1):
        folder = tmp_path / f"ftp-node{index}"
        folder.mkdir()
        ftp: ftplib.FTP = anonymous_ftp(node)
        try:
            ftp.cwd(f"/OMIX/{accession}")
            listed = sorted(ftp.nlst())
            assert listed == sorted([*files, *(f"{name}.md5" for name in files)]), listed
            for name in listed:
                buffer = io.BytesIO()
                ftp.retrbinary(f"RETR {name}", buffer.write)
                (folder / name).write_bytes(buffer.getvalue())
        finally:
            ftp.close()
        for name, content in files.items():
            _md5sum_check(folder, name)
            assert (folder / name).read_bytes() == content
