"""Download links that just work: ``wget URL && wget URL.md5 && md5sum -c``.

A released file's HTTPS address ends with its public name (the FTP tree's
name), and its ``.md5`` companion sits beside it, so real ``wget`` saves
both under the right names and real ``md5sum -c`` checks them. Range,
controlled access and counting behave as on the first address, which keeps
working.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from omix_desktop.api.client import ApiClient
from omix_desktop.transfer.http_download import Download, fetch
from tests.support.accounts import ApiUser, new_user
from tests.support.release import (
    Submitted,
    dataset,
    md5,
    new_curator,
    public_folder,
    released,
    submit,
)
from tests.support.server import ServerProcess
from tests.support.submission import error_of

SIZE = 1024 * 1024 + 77
NAME_SUFFIX = ".fq.gz"
PURPOSE = "Re-analysis of the reads for a benchmark of variant callers."


@pytest.fixture(scope="module")
def published(server: ServerProcess) -> tuple[ApiUser, Submitted]:
    owner = new_user(server.api, prefix="owner")
    files = {"reads.fq.gz": os.urandom(SIZE), "notes.txt": b"two lanes\n"}
    return owner, released(server, owner, new_curator(server), files)


@pytest.fixture(scope="module")
def controlled(server: ServerProcess) -> tuple[ApiUser, Submitted]:
    owner = new_user(server.api, prefix="owner")
    files = {"genotypes.vcf.gz": os.urandom(4096)}
    return owner, released(server, owner, new_curator(server), files, access="controlled")


def _entry(server: ServerProcess, accession: str, index: int = 1) -> dict[str, object]:
    response = requests.get(f"{server.api}/public/datasets/{accession}", timeout=30)
    assert response.status_code == 200, response.text
    return dict(response.json()["files"][index - 1])


def _count(owner: ApiUser, accession: str, index: int = 1) -> int:
    return int(dataset(owner, accession)["files"][index - 1]["download_count"])


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed here (Debian/Ubuntu: apt-get install -y {name})")
    return path


def _wget(url: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """Plain ``wget URL`` as a user types it: no options that choose the file name."""
    environment = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
    return subprocess.run(
        [_tool("wget"), "--no-config", "--no-proxy", "--tries=1", url],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_wget_saves_public_names_and_md5sum_checks(
    server: ServerProcess, published: tuple[ApiUser, Submitted], tmp_path: Path
) -> None:
    owner, submitted = published
    file_id = submitted.file_id(1)
    name = f"{file_id}{NAME_SUFFIX}"
    entry = _entry(server, submitted.accession)
    url, md5_url = str(entry["download_url"]), str(entry["md5_url"])
    assert url == f"{server.api}/public/files/{file_id}/{name}"
    assert md5_url == url + ".md5"
    before = _count(owner, submitted.accession)

    for address in (url, md5_url):
        result = _wget(address, tmp_path)
        assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == [name, f"{name}.md5"]
    assert (tmp_path / name).read_bytes() == submitted.files[name]
    companion = (tmp_path / f"{name}.md5").read_text()
    assert companion == f"{md5(submitted.files[name])}  {name}\n"
    ftp_twin = public_folder(server, submitted.accession) / f"{name}.md5"
    assert companion == ftp_twin.read_text()  # the same text as the FTP tree's

    check = subprocess.run(
        [_tool("md5sum"), "-c", f"{name}.md5"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"{name}: OK" in check.stdout
    assert _count(owner, submitted.accession) == before + 1  # the .md5 does not count


def test_range_head_and_headers_on_the_new_url(
    server: ServerProcess, published: tuple[ApiUser, Submitted]
) -> None:
    owner, submitted = published
    name = f"{submitted.file_id(1)}{NAME_SUFFIX}"
    content = submitted.files[name]
    url = str(_entry(server, submitted.accession)["download_url"])
    before = _count(owner, submitted.accession)

    tail = requests.get(url, headers={"Range": "bytes=1000-"}, timeout=60)
    assert tail.status_code == 206
    assert tail.headers["content-range"] == f"bytes 1000-{SIZE - 1}/{SIZE}"
    assert tail.content == content[1000:]
    assert tail.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert tail.headers["etag"] == f'"{md5(content)}"'
    middle = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=30)
    assert middle.status_code == 206 and middle.content == content[10:20]
    past = requests.get(url, headers={"Range": f"bytes={SIZE}-"}, timeout=30)
    assert past.status_code == 416
    head = requests.head(url, timeout=30)
    assert head.status_code == 200 and head.headers["content-length"] == str(SIZE)
    assert _count(owner, submitted.accession) == before  # continuations and HEAD do not count

    whole = requests.get(url, timeout=60)
    assert whole.status_code == 200 and whole.content == content
    assert _count(owner, submitted.accession) == before + 1


def test_other_names_and_unreleased_files_are_not_found(
    server: ServerProcess, published: tuple[ApiUser, Submitted]
) -> None:
    _owner, submitted = published
    file_id = submitted.file_id(1)
    base = f"{server.api}/public/files/{file_id}"
    other = submitted.file_id(2)
    for wrong in (f"{file_id}.txt", f"{other}.txt", f"{file_id}.fq.gz.sha1", "x.md5"):
        response = requests.get(f"{base}/{wrong}", timeout=30)
        assert response.status_code == 404, wrong
        assert error_of(response)["code"] == "file_not_found"

    owner = new_user(server.api, prefix="early")
    waiting = submit(owner, {"early.txt": b"not yet\n"})
    early = waiting.file_id(1)
    for suffix in ("", ".md5"):
        url = f"{server.api}/public/files/{early}/{early}.txt{suffix}"
        response = requests.get(url, headers={"Authorization": f"Bearer {owner.token}"}, timeout=30)
        assert response.status_code == 404


def test_controlled_file_needs_approval_on_the_new_url(
    server: ServerProcess, controlled: tuple[ApiUser, Submitted], tmp_path: Path
) -> None:
    owner, submitted = controlled
    accession, file_id = submitted.accession, submitted.file_id(1)
    name = f"{file_id}.vcf.gz"
    entry = _entry(server, accession)
    url = str(entry["download_url"])
    assert url.endswith(f"/public/files/{file_id}/{name}")
    reader = new_user(server.api, prefix="reader")

    def get(user: ApiUser | None) -> requests.Response:
        headers = {"Authorization": f"Bearer {user.token}"} if user else {}
        return requests.get(url, headers=headers, timeout=30)

    assert get(None).status_code == 401
    refused = get(reader)
    assert refused.status_code == 403 and error_of(refused)["code"] == "access_not_approved"
    assert _wget(url, tmp_path).returncode != 0
    assert not (tmp_path / name).exists()
    before = _count(owner, accession)
    assert get(owner).content == submitted.files[name]

    created = reader.post(
        f"/public/datasets/{accession}/access-requests", json={"purpose": PURPOSE}
    )
    assert created.status_code == 201, created.text
    decide = f"/datasets/{accession}/access-requests/{created.json()['id']}/approve"
    assert owner.post(decide, json={"message": ""}).status_code == 200
    allowed = get(reader)
    assert allowed.status_code == 200 and allowed.content == submitted.files[name]
    assert allowed.headers["cache-control"] == "private, no-store"
    assert _count(owner, accession) == before + 2

    # the MD5 is public in the file list, and so is its md5sum line
    line = requests.get(str(entry["md5_url"]), timeout=30)
    assert line.status_code == 200
    assert line.text == f"{md5(submitted.files[name])}  {name}\n"


def test_dataset_page_shows_md5_and_links_the_md5_file(
    server: ServerProcess, published: tuple[ApiUser, Submitted]
) -> None:
    _owner, submitted = published
    name = f"{submitted.file_id(1)}{NAME_SUFFIX}"
    entry = _entry(server, submitted.accession)
    page = requests.get(f"{server.url}/datasets/{submitted.accession}?lang=en", timeout=30)
    assert page.status_code == 200
    html = page.text
    assert md5(submitted.files[name]) in html
    assert f'href="{entry["download_url"]}" download="{name}"' in html
    assert f'href="{entry["md5_url"]}" download="{name}.md5"' in html
    assert 'id="verify-note"' in html and "md5sum -c" in html
    chinese = requests.get(f"{server.url}/datasets/{submitted.accession}?lang=zh", timeout=30)
    assert "校验文件" in chinese.text and f'href="{entry["md5_url"]}"' in chinese.text


def test_first_addresses_still_work(
    server: ServerProcess, published: tuple[ApiUser, Submitted], tmp_path: Path
) -> None:
    owner, submitted = published
    file_id = submitted.file_id(1)
    name = f"{file_id}{NAME_SUFFIX}"
    content = submitted.files[name]
    entry = _entry(server, submitted.accession)
    old = f"{server.api}/public/files/{file_id}/download"
    before = _count(owner, submitted.accession)

    response = requests.get(old, timeout=60)
    assert response.status_code == 200 and response.content == content
    assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert response.headers["link"] == f'<{entry["download_url"]}>; rel="canonical"'
    resumed = requests.get(old, headers={"Range": "bytes=5-"}, timeout=60)
    assert resumed.status_code == 206 and resumed.content == content[5:]
    assert _count(owner, submitted.accession) == before + 1

    line = requests.get(f"{server.api}/public/files/{file_id}/md5", timeout=30)
    assert line.status_code == 200 and line.text == f"{md5(content)}  {name}\n"

    # wget --content-disposition names even the old address's file correctly
    result = subprocess.run(
        [_tool("wget"), "--no-config", "--no-proxy", "--content-disposition", old],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / name).read_bytes() == content


def test_desktop_client_downloads_from_the_address_the_server_gives(
    server: ServerProcess, published: tuple[ApiUser, Submitted], tmp_path: Path
) -> None:
    _owner, submitted = published
    name = f"{submitted.file_id(1)}{NAME_SUFFIX}"
    content = submitted.files[name]
    client = ApiClient(server.url)
    (entry, _notes) = client.public_dataset(submitted.accession).files
    assert entry.name == name and entry.download_url.endswith(f"/{name}")
    assert entry.md5_url == entry.download_url + ".md5"
    assert client.file_md5(entry.file_id, entry.md5_url) == md5(content)
    assert client.file_md5(entry.file_id) == md5(content)  # older servers: first address
    elsewhere = f"https://omix.example.org/api/v1/public/files/{entry.file_id}/{name}"
    assert client.on_this_server(elsewhere) == entry.download_url

    job = Download(client.on_this_server(entry.download_url), tmp_path / name, md5(content))
    job.part.write_bytes(content[:4096])  # a cut download resumes with a Range request
    assert fetch(client.http, job) == md5(content)
    assert job.received == len(content) - 4096
    assert (tmp_path / name).read_bytes() == content
