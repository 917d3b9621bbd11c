"""Reviewer links: generated once archived, metadata only, closed by owner or release."""

from __future__ import annotations

import hashlib
import os
from datetime import date

import requests
from sqlalchemy import inspect, text

from tests.support.accounts import ApiUser, new_user
from tests.support.catalog import database_url, open_database
from tests.support.release import approve, new_curator, submit, wait_released
from tests.support.server import ServerProcess
from tests.support.submission import (
    bioproject,
    dataset_body,
    error_of,
    file_entry,
    online_upload,
)


def _anonymous(server: ServerProcess, path: str) -> requests.Response:
    return requests.get(f"{server.url}{path}", timeout=30)


def test_link_life_cycle(server: ServerProcess, user: ApiUser, other_user: ApiUser) -> None:
    files = {"counts.csv": os.urandom(1500), "notes.txt": b"notes\n"}
    submitted = submit(user, files)
    accession = submitted.accession

    assert user.get(f"/datasets/{accession}/review-link").status_code == 404
    created = user.post(f"/datasets/{accession}/review-link")
    assert created.status_code == 201, created.text
    link = created.json()
    token = link["token"]
    assert len(token) >= 32 and link["closed_at"] is None and link["open"] is True
    assert link["url"].endswith(f"/review/{token}")
    assert link["api_url"].endswith(f"/api/v1/review/{token}")
    assert link["replaced"] is False
    # later the owner sees that it is open and since when, never its address
    state = user.get(f"/datasets/{accession}/review-link")
    assert state.status_code == 200, state.text
    assert state.json()["open"] is True
    assert state.json()["created_at"] == link["created_at"]
    assert token not in state.text and "url" not in state.json() and "token" not in state.json()

    # another user can neither make, see nor close the owner's link
    for method in ("post", "get", "delete"):
        response = getattr(other_user, method)(f"/datasets/{accession}/review-link")
        assert response.status_code == 404
        assert error_of(response)["code"] == "dataset_not_found"

    # anyone with the link sees the metadata and the files, never a download
    preview = _anonymous(server, f"/api/v1/review/{token}")
    assert preview.status_code == 200, preview.text
    data = preview.json()
    assert data["accession"] == accession and data["title"] == "HTTP upload test"
    assert data["organism"] == "Oryza sativa" and data["file_count"] == 2
    assert [f["name"] for f in data["files"]] == list(submitted.files)
    assert [f["size"] for f in data["files"]] == [1500, 6]
    assert data["files"][0]["data_type"] == "Transcriptome"
    assert "/download" not in preview.text and "ftp" not in preview.text.lower()
    page = _anonymous(server, f"/review/{token}")
    assert page.status_code == 200 and accession in page.text
    assert "/download" not in page.text
    # guessing is hopeless, and the file URLs of an unreleased dataset answer 404
    file_id = submitted.file_id(1)
    blocked = _anonymous(server, f"/api/v1/public/files/{file_id}/download")
    assert blocked.status_code == 404

    # the owner closes it
    assert user.delete(f"/datasets/{accession}/review-link").status_code == 204
    closed = _anonymous(server, f"/api/v1/review/{token}")
    assert closed.status_code == 410 and error_of(closed)["code"] == "review_link_closed"
    assert _anonymous(server, f"/review/{token}").status_code == 410
    assert user.get(f"/datasets/{accession}/review-link").status_code == 404
    assert user.delete(f"/datasets/{accession}/review-link").status_code == 404

    # a new link has a new token
    fresh = user.post(f"/datasets/{accession}/review-link").json()
    assert fresh["token"] != token and fresh["replaced"] is False
    assert _anonymous(server, f"/api/v1/review/{fresh['token']}").status_code == 200

    # generating again replaces the open link: the old address stops working
    replacement = user.post(f"/datasets/{accession}/review-link")
    assert replacement.status_code == 201 and replacement.json()["replaced"] is True
    newest = replacement.json()["token"]
    assert newest != fresh["token"]
    gone = _anonymous(server, f"/api/v1/review/{fresh['token']}")
    assert gone.status_code == 410 and error_of(gone)["code"] == "review_link_closed"
    assert _anonymous(server, f"/api/v1/review/{newest}").status_code == 200
    assert user.get(f"/datasets/{accession}/review-link").json()["open"] is True


def test_unknown_links_get_a_clear_answer(server: ServerProcess) -> None:
    for token in ("nope", "x" * 32, "x" * 200):
        response = _anonymous(server, f"/api/v1/review/{token}")
        assert response.status_code == 404
        assert error_of(response)["code"] == "review_link_not_found"
    page = _anonymous(server, "/review/not-a-real-token")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "Traceback" not in page.text


def test_link_only_once_every_file_is_archived(user: ApiUser) -> None:
    data = os.urandom(1000)
    upload = online_upload(user, "wrong_md5.txt", data)
    body = dataset_body(bioproject(user), [file_entry(upload=upload["token"], md5_value="0" * 32)])
    created = user.post("/datasets", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "MD5 Checked Failed"
    refused = user.post(f"/datasets/{created.json()['accession']}/review-link")
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "files_not_archived"


def test_release_closes_the_link(server: ServerProcess, user: ApiUser) -> None:
    curator = new_curator(server)
    submitted = submit(user, release_date=date.today())
    token = user.post(f"/datasets/{submitted.accession}/review-link").json()["token"]
    assert _anonymous(server, f"/api/v1/review/{token}").status_code == 200

    approve(curator, submitted.accession)
    wait_released(user, submitted.accession)
    closed = _anonymous(server, f"/api/v1/review/{token}")
    assert closed.status_code == 410 and error_of(closed)["code"] == "review_link_closed"
    refused = user.post(f"/datasets/{submitted.accession}/review-link")
    assert refused.status_code == 409 and error_of(refused)["code"] == "already_released"


def test_link_needs_sign_in(server: ServerProcess) -> None:
    owner = new_user(server.api)
    submitted = submit(owner)
    anonymous = requests.post(
        f"{server.api}/datasets/{submitted.accession}/review-link", timeout=30
    )
    assert anonymous.status_code == 401


def test_database_holds_no_plaintext_token(server: ServerProcess, user: ApiUser) -> None:
    """Like bearer tokens, only the SHA-256 of a link's token is stored."""
    submitted = submit(user)
    first = user.post(f"/datasets/{submitted.accession}/review-link").json()["token"]
    second = user.post(f"/datasets/{submitted.accession}/review-link").json()["token"]
    with open_database(database_url(server.data_dir, server.database_url)) as database:
        with database.engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("review_links")}
            rows = connection.execute(text("SELECT * FROM review_links")).all()
            dump = "\n".join(repr(tuple(row)) for row in rows)
    assert "token" not in columns and "token_hash" in columns
    for token in (first, second):
        assert token not in dump
        assert hashlib.sha256(token.encode()).hexdigest() in dump
