"""HTTP downloads of released files: Range resume, ETag/If-Range, counts, md5."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from tests.support.accounts import ApiUser, new_user
from tests.support.release import Submitted, dataset, md5, new_curator, released, submit
from tests.support.server import ServerProcess
from tests.support.submission import error_of

SIZE = 3 * 1024 * 1024 + 123


@pytest.fixture(scope="module")
def published(server: ServerProcess) -> tuple[ApiUser, Submitted]:
    owner = new_user(server.api, prefix="owner")
    files = {"matrix.fragments.tar.gz": os.urandom(SIZE), "readme.txt": b"hello\n"}
    return owner, released(server, owner, new_curator(server), files)


def _url(server: ServerProcess, file_id: str, what: str = "download") -> str:
    return f"{server.api}/public/files/{file_id}/{what}"


def _count(owner: ApiUser, submitted: Submitted, index: int = 1) -> int:
    files = dataset(owner, submitted.accession)["files"]
    return int(files[index - 1]["download_count"])


def test_full_download_headers_and_count(
    server: ServerProcess, published: tuple[ApiUser, Submitted]
) -> None:
    owner, submitted = published
    file_id = submitted.file_id(1)
    content = submitted.files[f"{file_id}.fragments.tar.gz"]
    before = _count(owner, submitted)

    response = requests.get(_url(server, file_id), timeout=60)
    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-length"] == str(SIZE)
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"] == f'"{md5(content)}"'
    assert f'filename="{file_id}.fragments.tar.gz"' in response.headers["content-disposition"]
    assert _count(owner, submitted) == before + 1

    head = requests.head(_url(server, file_id), timeout=30)
    assert head.status_code == 200 and head.headers["content-length"] == str(SIZE)
    assert head.content == b""
    assert _count(owner, submitted) == before + 1  # HEAD does not count

    line = requests.get(_url(server, file_id, "md5"), timeout=30)
    assert line.status_code == 200
    assert line.text == f"{md5(content)}  {file_id}.fragments.tar.gz\n"


def test_range_requests(server: ServerProcess, published: tuple[ApiUser, Submitted]) -> None:
    owner, submitted = published
    file_id = submitted.file_id(1)
    content = submitted.files[f"{file_id}.fragments.tar.gz"]
    etag = f'"{md5(content)}"'
    url = _url(server, file_id)
    before = _count(owner, submitted)

    tail = requests.get(url, headers={"Range": "bytes=1000000-"}, timeout=60)
    assert tail.status_code == 206
    assert tail.headers["content-range"] == f"bytes 1000000-{SIZE - 1}/{SIZE}"
    assert tail.headers["content-length"] == str(SIZE - 1000000)
    assert tail.content == content[1000000:]
    middle = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=30)
    assert middle.status_code == 206 and middle.content == content[10:20]
    suffix = requests.get(url, headers={"Range": "bytes=-100"}, timeout=30)
    assert suffix.status_code == 206 and suffix.content == content[-100:]
    assert _count(owner, submitted) == before  # continuations are not new downloads

    first = requests.get(url, headers={"Range": "bytes=0-99"}, timeout=30)
    assert first.status_code == 206 and first.content == content[:100]
    assert _count(owner, submitted) == before + 1  # a range from byte 0 starts one

    past = requests.get(url, headers={"Range": f"bytes={SIZE}-"}, timeout=30)
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{SIZE}"
    # If-Range: the range only if the file is the one the client started with
    same = requests.get(url, headers={"Range": "bytes=5-9", "If-Range": etag}, timeout=30)
    assert same.status_code == 206 and same.content == content[5:10]
    changed = requests.get(url, headers={"Range": "bytes=5-9", "If-Range": '"0"'}, timeout=60)
    assert changed.status_code == 200 and len(changed.content) == SIZE
    several = requests.get(url, headers={"Range": "bytes=0-1,5-6"}, timeout=60)
    assert several.status_code == 200 and len(several.content) == SIZE


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_resumes_a_cut_download_and_the_md5_matches(
    server: ServerProcess, published: tuple[ApiUser, Submitted], tmp_path: Path
) -> None:
    owner, submitted = published
    file_id = submitted.file_id(1)
    content = submitted.files[f"{file_id}.fragments.tar.gz"]
    before = _count(owner, submitted)
    target = tmp_path / f"{file_id}.fragments.tar.gz"

    # a download cut after 1 MB (curl stops itself: --max-filesize is not for
    # this, so take the first part with a range, as a cut transfer leaves it)
    part = requests.get(_url(server, file_id), headers={"Range": "bytes=0-1048575"}, timeout=30)
    target.write_bytes(part.content)
    assert target.stat().st_size == 1048576

    result = subprocess.run(
        ["curl", "--silent", "--show-error", "--fail", "-C", "-", "-o", str(target)]
        + [_url(server, file_id)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert md5(target.read_bytes()) == md5(content)
    md5_line = requests.get(_url(server, file_id, "md5"), timeout=30).text
    assert md5_line.split()[0] == md5(target.read_bytes())
    assert _count(owner, submitted) == before + 1  # the cut one counted, the resume not


def test_a_cut_connection_leaves_a_resumable_prefix(
    server: ServerProcess, published: tuple[ApiUser, Submitted]
) -> None:
    _owner, submitted = published
    file_id = submitted.file_id(1)
    content = submitted.files[f"{file_id}.fragments.tar.gz"]
    received = bytearray()
    with requests.get(_url(server, file_id), stream=True, timeout=30) as response:
        for chunk in response.iter_content(256 * 1024):
            received += chunk
            if len(received) >= 512 * 1024:
                break  # the client goes away mid-file
    rest = requests.get(
        _url(server, file_id), headers={"Range": f"bytes={len(received)}-"}, timeout=60
    )
    assert rest.status_code == 206
    assert md5(bytes(received) + rest.content) == md5(content)
    assert requests.get(f"{server.api}/health", timeout=5).ok


def test_unreleased_and_unknown_files_are_not_found(server: ServerProcess, user: ApiUser) -> None:
    submitted = submit(user)  # archived, curated or not: not released
    for file_id in (submitted.file_id(1), "OMIX999999-01", "..%2F..%2Fomix.db"):
        for what in ("download", "md5"):
            response = requests.get(_url(server, file_id, what), timeout=30)
            assert response.status_code == 404, (file_id, what)
    owner_try = user.get(f"/public/files/{submitted.file_id(1)}/download")
    assert owner_try.status_code == 404 and error_of(owner_try)["code"] == "file_not_found"
