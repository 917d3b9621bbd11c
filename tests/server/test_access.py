"""Controlled access: request with a purpose, the submitter decides, downloads follow."""

from __future__ import annotations

import os
from datetime import date

import pytest
import requests

from tests.support.accounts import ApiUser, new_user
from tests.support.release import Submitted, md5, new_curator, released, submit
from tests.support.server import ServerProcess
from tests.support.submission import error_of

PURPOSE = "Re-analysis of rice drought expression for a meta-study."


@pytest.fixture(scope="module")
def controlled(server: ServerProcess) -> tuple[ApiUser, Submitted]:
    owner = new_user(server.api, prefix="owner")
    files = {"genotypes.vcf.gz": os.urandom(4096)}
    return owner, released(server, owner, new_curator(server), files, access="controlled")


def _download(server: ServerProcess, file_id: str, user: ApiUser | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {user.token}"} if user else {}
    url = f"{server.api}/public/files/{file_id}/download"
    return requests.get(url, headers=headers, timeout=30)


def test_request_reject_request_again_approve_download(
    server: ServerProcess, controlled: tuple[ApiUser, Submitted]
) -> None:
    owner, dataset = controlled
    accession, file_id = dataset.accession, dataset.file_id(1)
    reader, bystander = new_user(server.api, prefix="reader"), new_user(server.api)

    # no approval, no download
    anonymous = _download(server, file_id, None)
    assert anonymous.status_code == 401
    refused = _download(server, file_id, reader)
    assert refused.status_code == 403 and error_of(refused)["code"] == "access_not_approved"

    path = f"/public/datasets/{accession}/access-requests"
    assert reader.post(path, json={"purpose": "  "}).status_code == 422
    assert reader.post(path, json={"purpose": "x" * 5000}).status_code == 422
    signed_out = requests.post(f"{server.api}{path}", json={"purpose": PURPOSE}, timeout=30)
    assert signed_out.status_code == 401
    created = reader.post(path, json={"purpose": PURPOSE})
    assert created.status_code == 201, created.text
    request = created.json()
    assert request["status"] == "pending" and request["purpose"] == PURPOSE
    assert request["accession"] == accession and request["requester"] is None
    duplicate = reader.post(path, json={"purpose": PURPOSE})
    assert duplicate.status_code == 409 and error_of(duplicate)["code"] == "request_exists"
    own = owner.post(path, json={"purpose": PURPOSE})
    assert own.status_code == 409 and error_of(own)["code"] == "own_dataset"

    # the submitter sees who asks and why; nobody else does
    listed = owner.get(f"/datasets/{accession}/access-requests")
    assert listed.status_code == 200
    (row,) = listed.json()
    assert row["requester"]["email"] == reader.email and row["purpose"] == PURPOSE
    assert row["requester"]["organization"] == "Beijing Institute of Genomics"
    assert reader.get(f"/datasets/{accession}/access-requests").status_code == 404
    decide = f"/datasets/{accession}/access-requests/{request['id']}"
    assert reader.post(f"{decide}/approve").status_code == 404

    rejected = owner.post(f"{decide}/reject", json={"message": "Please give the project name."})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    (mine,) = reader.get("/access-requests/mine").json()
    assert mine["status"] == "rejected"
    assert mine["decision_message"] == "Please give the project name."
    assert _download(server, file_id, reader).status_code == 403

    again = reader.post(path, json={"purpose": PURPOSE + " Project: RiceDrought-2024."})
    assert again.status_code == 201
    pending = owner.get(f"/datasets/{accession}/access-requests?status=pending").json()
    assert [item["id"] for item in pending] == [again.json()["id"]]
    approved = owner.post(f"/datasets/{accession}/access-requests/{again.json()['id']}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["decided_at"] is not None

    content = dataset.files[f"{file_id}.vcf.gz"]
    allowed = _download(server, file_id, reader)
    assert allowed.status_code == 200 and md5(allowed.content) == md5(content)
    assert "no-store" in allowed.headers["cache-control"]
    assert _download(server, file_id, owner).status_code == 200
    assert _download(server, file_id, bystander).status_code == 403

    # revoking: rejecting an approved request ends the access
    owner.post(f"/datasets/{accession}/access-requests/{again.json()['id']}/reject")
    assert _download(server, file_id, reader).status_code == 403


def test_requests_only_for_released_controlled_data(
    server: ServerProcess, user: ApiUser, other_user: ApiUser
) -> None:
    curator = new_curator(server)
    open_data = released(server, user, curator)
    response = other_user.post(
        f"/public/datasets/{open_data.accession}/access-requests", json={"purpose": PURPOSE}
    )
    assert response.status_code == 409 and error_of(response)["code"] == "not_controlled"

    unreleased = submit(user, release_date=date.today(), access="controlled")
    for accession in (unreleased.accession, "OMIX999999"):
        response = other_user.post(
            f"/public/datasets/{accession}/access-requests", json={"purpose": PURPOSE}
        )
        assert response.status_code == 404
        assert error_of(response)["code"] == "dataset_not_found"
