"""Empty (0-byte) files never reach the archive (issue 11).

The desktop refused them before the upload, but the server took an empty
online upload and archived an empty pre-uploaded file (a dataset with it
reached Archived). One rule, :func:`omix_wire.files.check_size`, now decides
on both sides, with the same message: the file is empty, upload it again
with its content.
"""

from __future__ import annotations

import time
from typing import Any

import requests

from omix_wire.files import check_size
from tests.support.accounts import ApiUser
from tests.support.server import ServerProcess
from tests.support.submission import (
    bioproject,
    dataset_body,
    error_of,
    file_entry,
    ftp_login,
    ftp_put,
    md5,
    online_upload,
)

CONTENT = b"gene\tcount\nOs01g0100100\t17\n"
EMPTY_MD5 = md5(b"")


def _says_empty(error: dict[str, Any], field: str) -> None:
    assert error["code"] == "empty_file", error
    assert error["field"] == field, error
    assert "empty (0 bytes)" in error["message"]
    assert "Upload it again with its content" in error["message"]


def test_an_empty_online_upload_is_refused(user: ApiUser) -> None:
    raw = user.post("/uploads", params={"filename": "counts.tsv"}, data=b"")
    assert raw.status_code == 422, raw.text
    _says_empty(error_of(raw), "file")
    assert error_of(raw)["params"]["name"] == "counts.tsv"
    form = user.post("/uploads", files={"file": ("counts.tsv", b"", "text/plain")})
    assert form.status_code == 422, form.text
    _says_empty(error_of(form), "file")
    assert user.get("/uploads").json()["uploads"] == []
    assert online_upload(user, "counts.tsv", CONTENT)["size"] == len(CONTENT)


def test_selecting_an_empty_pre_uploaded_file_is_refused(
    server: ServerProcess, user: ApiUser
) -> None:
    ftp_put(server, user, "run1/empty.tsv", b"")
    ftp_put(server, user, "run1/counts.tsv", CONTENT)
    files = [
        file_entry(path="run1/counts.tsv", md5_value=md5(CONTENT)),
        file_entry(path="run1/empty.tsv", md5_value=EMPTY_MD5),
    ]
    response = user.post("/datasets", json=dataset_body(bioproject(user), files))
    assert response.status_code == 422, response.text
    _says_empty(error_of(response), "files.1.path")
    assert user.get("/datasets").json() == []


def _wait_reason(user: ApiUser, accession: str, file_id: str, reason: str | None) -> Any:
    deadline = time.monotonic() + 20
    while True:
        diagnosis = user.get(f"/datasets/{accession}/files/{file_id}/diagnosis").json()
        if diagnosis["reason"] == reason or time.monotonic() > deadline:
            return diagnosis
        time.sleep(0.1)


def test_a_selected_upload_that_ends_empty_is_not_archived(
    server: ServerProcess, user: ApiUser
) -> None:
    """Selected while still arriving over FTP, the file ended with no byte."""
    ftp = ftp_login(server, user)
    data = ftp.transfercmd("STOR late.tsv")  # the upload is running, nothing sent yet
    try:
        files = [file_entry(path="late.tsv", md5_value=md5(CONTENT))]
        created = user.post("/datasets", json=dataset_body(bioproject(user), files))
        assert created.status_code == 201, created.text
    finally:
        data.close()
        ftp.voidresp()
        ftp.quit()
    accession = created.json()["accession"]
    file_id = created.json()["files"][0]["file_id"]
    diagnosis = _wait_reason(user, accession, file_id, "empty_file")
    assert diagnosis["status"] == "Checking", diagnosis
    assert diagnosis["reason"] == "empty_file", diagnosis
    assert diagnosis["message"].startswith(check_size(0).describe("'late.tsv'"))
    dataset = user.get(f"/datasets/{accession}").json()
    assert dataset["status"] == "Checking"
    assert dataset["files"][0]["checking_reason"] == "empty_file"

    ftp_put(server, user, "late.tsv", CONTENT)  # uploaded again, with its content
    archived = _wait_reason(user, accession, file_id, None)
    assert archived["status"] == "Archived", archived


def test_an_empty_upload_cannot_be_archived_from_another_dataset_form(
    server: ServerProcess, user: ApiUser
) -> None:
    """Adding files and re-selecting a failed one go through the same rule."""
    ftp_put(server, user, "good.tsv", CONTENT)
    ftp_put(server, user, "zero.tsv", b"")
    project = bioproject(user)
    created = user.post(
        "/datasets",
        json=dataset_body(project, [file_entry(path="good.tsv", md5_value="0" * 32)]),
    )
    assert created.status_code == 201, created.text
    accession = created.json()["accession"]
    added = user.post(
        f"/datasets/{accession}/files",
        json={"files": [file_entry(path="zero.tsv", md5_value=EMPTY_MD5)]},
    )
    assert added.status_code == 422, added.text
    _says_empty(error_of(added), "files.0.path")
    file_id = created.json()["files"][0]["file_id"]
    reselect = user.patch(
        f"/datasets/{accession}/files/{file_id}",
        json={"reselect": {"source": "ftp", "path": "zero.tsv"}},
    )
    assert reselect.status_code == 422, reselect.text
    _says_empty(error_of(reselect), "path")
    with requests.Session() as http:  # and nothing of it was archived
        http.headers["Authorization"] = f"Bearer {user.token}"
        files = http.get(f"{user.api}/datasets/{accession}", timeout=30).json()["files"]
    assert [item["name"] for item in files] == ["good.tsv"]
