"""The API client's dataset, review, public and access calls against the real server."""

from __future__ import annotations

import hashlib
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

from omix_desktop.api import ApiClient, AuthenticationError, NotFoundError, ValidationError
from omix_desktop.api.errors import ApiError
from tests.support.accounts import ApiUser, new_user
from tests.support.release import new_curator, released, wait_released
from tests.support.server import ServerProcess
from tests.support.submission import ftp_put, wait_for


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def client_of(user: ApiUser) -> ApiClient:
    return ApiClient(user.api.removesuffix("/api/v1"), token=user.token)


def dataset_body(project: str, files: list[dict[str, object]], **overrides: object) -> dict:
    body: dict[str, object] = {
        "title": "Leaf transcriptome under drought",
        "description": "RNA-seq of rice leaves.",
        "organism": "Oryza sativa",
        "data_type": "Transcriptome",
        "data_subtype": "Gene expression matrix",
        "access": "open",
        "bioproject": project,
        "release_date": date.today() + timedelta(days=30),
        "terms_accepted": True,
        "files": files,
    }
    body.update(overrides)
    return body


@pytest.fixture
def owner(server: ServerProcess) -> ApiUser:
    return new_user(server.api, prefix="archive")


def test_reference_lists(owner: ApiUser) -> None:
    client = client_of(owner)
    names = [organism.name for organism in client.organisms("Oryza")]
    assert "Oryza sativa" in names
    types = {item.name: item.subtypes for item in client.data_types()}
    assert "Gene expression matrix" in types["Transcriptome"]
    with pytest.raises(ValidationError) as caught:
        client.organisms("Or")
    assert caught.value.code == "query_too_short"
    assert caught.value.field == "q"


def test_online_upload_reports_progress_and_the_server_md5(owner: ApiUser, tmp_path: Path) -> None:
    client = client_of(owner)
    data = os.urandom(3 * 1024 * 1024 + 17)
    path = tmp_path / "counts.tsv"
    path.write_bytes(data)
    seen: list[tuple[int, int]] = []
    upload = client.upload_online(path, lambda sent, total: seen.append((sent, total)))
    assert upload.md5 == md5(data)
    assert upload.size == len(data)
    assert seen[-1] == (len(data), len(data))
    assert len(seen) > 1  # streamed in blocks, not in one piece
    listing = client.online_uploads()
    assert [item.token for item in listing.uploads] == [upload.token]
    assert listing.used == len(data)
    client.discard_online_upload(upload.token)
    assert client.online_uploads().uploads == []


def test_online_upload_of_a_bad_name_is_refused_with_the_reason(
    owner: ApiUser, tmp_path: Path
) -> None:
    path = tmp_path / "my counts.tsv"
    path.write_bytes(b"1\n")
    with pytest.raises(ValidationError) as caught:
        client_of(owner).upload_online(path)
    assert caught.value.field == "filename"
    assert "space" in caught.value.message.lower()


def test_dataset_life_cycle_with_a_wrong_md5_fixed(server: ServerProcess, owner: ApiUser) -> None:
    client = client_of(owner)
    good, bad = os.urandom(4096), os.urandom(5000)
    ftp_put(server, owner, "run1/a.fq", good)
    ftp_put(server, owner, "run1/b.fq", bad)
    listing = {item.path: item for item in client.preupload_files()}
    assert listing["run1/a.fq"].md5 == md5(good)
    assert listing["run1/a.fq"].valid

    project = client.create_bioproject("Drought").accession
    files = [
        {"source": "ftp", "path": "run1/a.fq", "title": "A", "samples": 1,
         "md5": md5(good), "data_type": "Transcriptome"},
        {"source": "ftp", "path": "run1/b.fq", "title": "B", "samples": 1,
         "md5": "0" * 32, "data_type": "Transcriptome"},
    ]  # fmt: skip
    created = client.create_dataset(dataset_body(project, files))
    assert created.accession.startswith("OMIX")
    accession = created.accession
    state = wait_for(lambda: client.dataset(accession), lambda d: d.status != "Checking")
    assert state.status == "MD5 Checked Failed"
    wrong = next(item for item in state.files if item.status == "MD5 Checked Failed")
    assert wrong.md5_server == md5(bad)

    fixed = client.update_file(accession, wrong.file_id, {"md5": md5(bad)})
    assert fixed.status == "Archived"
    assert client.dataset(accession).status == "Archived"
    assert client.file_diagnosis(accession, wrong.file_id).status == "Archived"

    edited = client.update_dataset(accession, {"title": "Leaf transcriptome, revised"})
    assert edited.title == "Leaf transcriptome, revised"
    rows = client.my_datasets(query="revised")
    assert [row.accession for row in rows] == [accession]

    ftp_put(server, owner, "run2/c.fq", b"extra")
    extra = {"source": "ftp", "path": "run2/c.fq", "title": "C", "samples": 1,
             "md5": md5(b"extra"), "data_type": "Transcriptome"}  # fmt: skip
    grown = client.add_files(accession, [extra])
    assert grown.file_count == 3
    client.delete_file(accession, grown.files[-1].file_id)
    assert client.dataset(accession).file_count == 2


def test_validation_errors_name_the_field(owner: ApiUser) -> None:
    client = client_of(owner)
    project = client.create_bioproject("P").accession
    body = dataset_body(project, [], release_date=date.today() - timedelta(days=1))
    with pytest.raises(ValidationError) as caught:
        client.create_dataset(body)
    assert caught.value.field in {"release_date", "files"}


def test_other_users_datasets_are_not_found(server: ServerProcess, owner: ApiUser) -> None:
    client = client_of(owner)
    project = client.create_bioproject("P").accession
    ftp_put(server, owner, "x.fq", b"x")
    entry = {"source": "ftp", "path": "x.fq", "title": "X", "samples": 1,
             "md5": md5(b"x"), "data_type": "Transcriptome"}  # fmt: skip
    accession = client.create_dataset(dataset_body(project, [entry])).accession
    stranger = client_of(new_user(server.api, prefix="stranger"))
    with pytest.raises(NotFoundError):
        stranger.dataset(accession)
    with pytest.raises(NotFoundError):
        stranger.update_dataset(accession, {"title": "mine now"})
    with pytest.raises(NotFoundError):
        stranger.create_review_link(accession)
    assert stranger.my_datasets() == []


def test_review_link_release_public_and_download(server: ServerProcess, owner: ApiUser) -> None:
    client = client_of(owner)
    data = os.urandom(10_000)
    ftp_put(server, owner, "r.fq", data)
    project = client.create_bioproject("P").accession
    entry = {"source": "ftp", "path": "r.fq", "title": "R", "samples": 1,
             "md5": md5(data), "data_type": "Transcriptome"}  # fmt: skip
    accession = client.create_dataset(
        dataset_body(project, [entry], release_date=date.today())
    ).accession
    wait_for(lambda: client.dataset(accession), lambda d: d.status == "Archived")

    assert client.review_link(accession) is None
    link = client.create_review_link(accession)
    assert link.is_open and link.token and link.url and link.token in link.url
    state = client.review_link(accession)  # open, but without its address (a hash is kept)
    assert state is not None and state.is_open and state.url is None and state.token is None
    assert state.created_at == link.created_at
    preview = ApiClient(server.url).review_preview(link.token)
    assert preview.accession == accession and preview.files[0].size == len(data)
    client.close_review_link(accession)
    assert client.review_link(accession) is None
    with pytest.raises(ApiError) as caught:
        ApiClient(server.url).review_preview(link.token)
    assert caught.value.code == "review_link_closed"

    curator = client_of(new_curator(server))
    assert accession in [item.accession for item in curator.curation_queue()]
    with pytest.raises(ApiError):
        client.curation_queue()  # not a curator
    curator.approve_curation(accession)
    wait_released(owner, accession)

    anonymous = ApiClient(server.url)
    page = anonymous.public_datasets(query=accession)
    assert [item.accession for item in page.items] == [accession]
    detail = anonymous.public_dataset(accession)
    file_id = detail.files[0].file_id
    assert anonymous.file_md5(file_id) == md5(data)
    body = requests.get(anonymous.download_url(file_id), timeout=30).content
    assert md5(body) == md5(data)
    assert anonymous.statistics().datasets >= 1


def test_controlled_access_request_and_decision(server: ServerProcess, owner: ApiUser) -> None:
    curator = new_curator(server)
    accession = released(server, owner, curator, access="controlled").accession
    reader_user = new_user(server.api, prefix="reader")
    reader = client_of(reader_user)
    request = reader.request_access(accession, "Comparing drought responses across cultivars.")
    assert request.status == "pending"
    assert [item.id for item in reader.my_access_requests()] == [request.id]
    owner_client = client_of(owner)
    pending = owner_client.dataset_access_requests(accession)
    assert pending[0].requester is not None and pending[0].requester.email == reader_user.email
    decided = owner_client.approve_access(accession, request.id, "Granted for the stated purpose.")
    assert decided.status == "approved"
    assert reader.my_access_requests()[0].decision_message == "Granted for the stated purpose."


def test_expired_or_revoked_token_is_an_authentication_error(owner: ApiUser) -> None:
    client = client_of(owner)
    client.logout()
    stale = ApiClient(owner.api.removesuffix("/api/v1"), token=owner.token)
    with pytest.raises(AuthenticationError):
        stale.my_datasets()
