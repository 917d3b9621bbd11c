"""Ids and names beyond what the database or the file system holds: 422, never 500.

An access-request id above 2^63 overflowed the SQLite driver (above 2^31 PostgreSQL's
``integer`` column, found by the contract test), and a path
component over 255 bytes made the operating system refuse the lookup
(ENAMETOOLONG); both ended in a 500 that also reset the keep-alive
connection. Each request below is followed by another on the same
connection to show it survives.
"""

from __future__ import annotations

import pytest

from server_stub.api.deps import MAX_ROW_ID
from tests.support.accounts import ApiUser
from tests.support.release import submit
from tests.support.server import ServerProcess
from tests.support.submission import bioproject, dataset_body, error_of, file_entry, ftp_put

LONG_NAMES = [
    "a" * 256,
    "run1/" + "b" * 300 + ".fq.gz",
    "é" * 200,  # 200 characters, 400 bytes
    "run1/" + "数" * 90 + ".txt",  # 94 characters, 274 bytes
]


def _still_connected(user: ApiUser) -> None:
    assert user.get("/auth/me").status_code == 200


@pytest.mark.parametrize("request_id", [2**31, 2**63, 2**64 + 5, 0, -1])
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_access_request_ids_out_of_range(user: ApiUser, request_id: int, decision: str) -> None:
    response = user.post(f"/datasets/OMIX000001/access-requests/{request_id}/{decision}")
    assert response.status_code == 422, response.text
    assert error_of(response)["field"] == "request_id"
    _still_connected(user)


def test_the_largest_id_is_simply_not_found(user: ApiUser) -> None:
    accession = submit(user).accession  # the user's own: the id is looked up
    response = user.post(f"/datasets/{accession}/access-requests/{MAX_ROW_ID}/approve")
    assert response.status_code == 404, response.text
    assert error_of(response)["code"] == "access_request_not_found"
    _still_connected(user)


@pytest.fixture
def with_home(server: ServerProcess, user: ApiUser) -> ApiUser:
    """A user whose pre-upload folder exists, so lookups really reach the file system."""
    ftp_put(server, user, "run1/present.txt", b"present")
    return user


@pytest.mark.parametrize("path", LONG_NAMES)
def test_deleting_a_name_over_255_bytes(with_home: ApiUser, path: str) -> None:
    response = with_home.delete("/preupload/files", params={"path": path})
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "invalid_name" and error["field"] == "path"
    assert error["params"]["component"] == path.rsplit("/", 1)[-1]
    assert "255 bytes" in error["message"]
    _still_connected(with_home)


@pytest.mark.parametrize("path", LONG_NAMES)
def test_selecting_a_name_over_255_bytes(with_home: ApiUser, path: str) -> None:
    body = dataset_body(bioproject(with_home), [file_entry(path=path, md5_value="0" * 32)])
    response = with_home.post("/datasets", json=body)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "invalid_name" and error["field"] == "files.0.path"
    assert error["params"]["problem"] in {"too_long", "special_character"}
    _still_connected(with_home)


def test_a_path_over_1024_bytes_is_refused_before_the_file_system(with_home: ApiUser) -> None:
    path = "/".join(["😀" * 60] * 10)  # 610 characters, 2409 bytes
    response = with_home.delete("/preupload/files", params={"path": path})
    assert response.status_code == 400, response.text
    assert error_of(response)["code"] == "invalid_path"
    assert "1024 bytes" in error_of(response)["message"]
    _still_connected(with_home)
