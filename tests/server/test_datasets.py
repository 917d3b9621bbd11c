"""Datasets: the guide's submission workflows against the real server."""

from __future__ import annotations

import os
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from server_stub.models import Dataset, PreuploadFile, UploadState
from tests.support.accounts import ApiUser, new_user, sign_in
from tests.support.server import ServerProcess
from tests.support.submission import (
    bioproject,
    dataset_body,
    error_of,
    file_entry,
    ftp_login,
    ftp_put,
    home_of,
    left_over,
    md5,
    online_upload,
    server_database,
    settings_of,
    user_id,
    wait_for,
)


def _create(user: ApiUser, body: dict[str, Any]) -> dict[str, Any]:
    response = user.post("/datasets", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _http_dataset(user: ApiUser, data: bytes = b"gene\tS1\n", **overrides: Any) -> dict[str, Any]:
    upload = online_upload(user, "matrix.txt", data)
    files = [file_entry(upload=upload["token"], md5_value=md5(data))]
    return _create(user, dataset_body(bioproject(user), files, **overrides))


def _dataset(user: ApiUser, accession: str) -> dict[str, Any]:
    response = user.get(f"/datasets/{accession}")
    assert response.status_code == 200, response.text
    return dict(response.json())


# --- the guide's flows -----------------------------------------------------------------


def test_online_upload_flow_ends_archived(server: ServerProcess, user: ApiUser) -> None:
    data = os.urandom(50_000)
    upload = online_upload(user, "HTTP_upload_test.txt", data)
    project = bioproject(user)
    body = dataset_body(
        project, [file_entry(upload=upload["token"], md5_value=md5(data).upper(), samples=2)]
    )
    created = _create(user, body)
    accession = created["accession"]
    assert accession.startswith("OMIX") and len(accession) == 10 and accession[4:].isdigit()
    assert created["status"] == "Archived"
    assert created["curation_status"] == "Waiting for Curation"
    assert created["organism"] == "Oryza sativa" and created["tax_id"] == 4530
    assert created["bioproject"] == project
    assert created["submitter"] == "Sisi Zhang"
    assert created["organization"] == "Beijing Institute of Genomics"
    assert created["release_date"] == date.today().isoformat()
    assert created["submitted_at"] and created["updated_at"]
    (file,) = created["files"]
    assert file["file_id"] == f"{accession}-01"
    assert file["status"] == "Archived"
    assert file["md5"] == md5(data) and file["md5_server"] == md5(data)
    assert file["size"] == len(data)
    assert file["suffix"] == ".txt" and file["source"] == "http"
    settings = settings_of(server)
    stored = settings.archive_root / accession / f"{accession}-01.txt"
    assert stored.read_bytes() == data
    assert not (settings.incoming_root / upload["token"]).exists()
    assert user.get("/uploads").json()["uploads"] == []

    rows = user.get("/datasets").json()
    assert [row["accession"] for row in rows] == [accession]
    row = rows[0]
    assert (row["title"], row["organism"], row["access"]) == (
        "HTTP upload test",
        "Oryza sativa",
        "open",
    )
    assert (row["status"], row["curation_status"]) == ("Archived", "Waiting for Curation")

    # the upload token is used up
    again = user.post(
        "/datasets",
        json=dataset_body(project, [file_entry(upload=upload["token"], md5_value=md5(data))]),
    )
    assert again.status_code == 404
    assert error_of(again)["code"] == "upload_not_found"


def test_ftp_preupload_flow_ends_archived_and_the_preupload_copy_disappears(
    server: ServerProcess, user: ApiUser
) -> None:
    data = os.urandom(300_000)
    ftp_put(server, user, "FTP_upload_test/F13_S1.tar.gz", data)
    listing = wait_for(
        lambda: user.get("/preupload/files").json(), lambda rows: rows and rows[0]["md5"]
    )
    assert listing[0]["md5"] == md5(data)
    body = dataset_body(
        bioproject(user),
        [file_entry(path="FTP_upload_test/F13_S1.tar.gz", md5_value=md5(data), samples=3)],
        title="FTP upload test1",
    )
    created = _create(user, body)
    accession = created["accession"]
    (file,) = created["files"]
    assert file["status"] == "Archived" and created["status"] == "Archived"
    assert file["suffix"] == ".tar.gz" and file["name"] == "F13_S1.tar.gz"
    assert file["source"] == "ftp" and file["samples"] == 3
    stored = settings_of(server).archive_root / accession / f"{accession}-01.tar.gz"
    assert stored.read_bytes() == data
    assert user.get("/preupload/files").json() == []
    assert not (home_of(server, user) / "FTP_upload_test" / "F13_S1.tar.gz").exists()
    with server_database(server) as database, database.session() as session:
        rows = session.scalars(select(PreuploadFile).where(PreuploadFile.user_id == user_id(user)))
        assert list(rows) == []


def test_wrong_md5_fails_then_correcting_it_archives(user: ApiUser) -> None:
    data = b"F13_S1 contents\n"
    upload = online_upload(user, "F13_S1.tar", data)
    wrong = "315EBB52D091B6825D00825AA61EA64E"
    created = _create(
        user, dataset_body(bioproject(user), [file_entry(upload=upload["token"], md5_value=wrong)])
    )
    accession = created["accession"]
    file_id = created["files"][0]["file_id"]
    assert created["status"] == "MD5 Checked Failed"
    assert created["files"][0]["status"] == "MD5 Checked Failed"
    assert user.get("/datasets").json()[0]["status"] == "MD5 Checked Failed"

    diagnosis = user.get(f"/datasets/{accession}/files/{file_id}/diagnosis").json()
    assert diagnosis["reason"] == "md5_mismatch"
    assert diagnosis["md5_declared"] == wrong.lower()
    assert diagnosis["md5_server"] == md5(data)

    bad = user.patch(f"/datasets/{accession}/files/{file_id}", json={"md5": "not-an-md5"})
    assert bad.status_code == 422 and error_of(bad)["code"] == "invalid_md5"
    fixed = user.patch(f"/datasets/{accession}/files/{file_id}", json={"md5": md5(data).upper()})
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["status"] == "Archived"
    assert _dataset(user, accession)["status"] == "Archived"


def test_broken_upload_is_fixed_by_uploading_again_and_reselecting(
    server: ServerProcess, user: ApiUser
) -> None:
    good = os.urandom(10_000)
    broken = good[:5000]
    ftp_put(server, user, "F13_S1.tar", broken)
    wait_for(lambda: user.get("/preupload/files").json(), lambda rows: rows and rows[0]["md5"])
    created = _create(
        user, dataset_body(bioproject(user), [file_entry(path="F13_S1.tar", md5_value=md5(good))])
    )
    accession, file_id = created["accession"], created["files"][0]["file_id"]
    assert created["status"] == "MD5 Checked Failed"
    ftp_put(server, user, "F13_S1.tar", good)
    wait_for(lambda: user.get("/preupload/files").json(), lambda rows: rows and rows[0]["md5"])
    response = user.patch(
        f"/datasets/{accession}/files/{file_id}",
        json={"reselect": {"source": "ftp", "path": "F13_S1.tar"}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "Archived"
    stored = settings_of(server).archive_root / accession / f"{file_id}.tar"
    assert stored.read_bytes() == good
    # an archived file is never replaced in place
    ftp_put(server, user, "other.tar", good)
    refused = user.patch(
        f"/datasets/{accession}/files/{file_id}",
        json={"reselect": {"source": "ftp", "path": "other.tar"}},
    )
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "archived_file_not_replaceable"


def test_file_still_uploading_stays_checking_then_settles(
    server: ServerProcess, user: ApiUser
) -> None:
    data = os.urandom(2 * 1024 * 1024)
    half = len(data) // 2
    ftp = ftp_login(server, user)
    try:
        ftp.voidcmd("TYPE I")
        channel = ftp.transfercmd("STOR big.fastq.gz")
        channel.sendall(data[:half])
        wait_for(
            lambda: user.get("/preupload/files").json(),
            lambda rows: rows and rows[0]["state"] == "uploading",
        )
        created = _create(
            user,
            dataset_body(bioproject(user), [file_entry(path="big.fastq.gz", md5_value=md5(data))]),
        )
        accession = created["accession"]
        (file,) = created["files"]
        assert created["status"] == "Checking"
        assert file["status"] == "Checking"
        assert file["checking_reason"] == "still_uploading"
        assert "still being uploaded" in file["checking_message"]
        diagnosis = user.get(f"/datasets/{accession}/files/{file['file_id']}/diagnosis").json()
        assert diagnosis["reason"] == "still_uploading"
        assert diagnosis["preupload_state"] == "uploading"
        assert diagnosis["preupload_path"] == "big.fastq.gz"
        assert 0 < diagnosis["received_bytes"] <= len(data)
        listed = user.get("/preupload/files").json()
        assert listed[0]["selected_by"] == file["file_id"]
        # the same pre-upload file cannot be promised to a second dataset
        second = user.post(
            "/datasets",
            json=dataset_body(
                bioproject(user), [file_entry(path="big.fastq.gz", md5_value=md5(data))]
            ),
        )
        assert second.status_code == 409
        assert error_of(second)["code"] == "file_already_selected"
        channel.sendall(data[half:])
        channel.close()
        ftp.voidresp()
    finally:
        ftp.close()
    settled = wait_for(lambda: _dataset(user, accession), lambda d: d["status"] != "Checking")
    assert settled["status"] == "Archived"
    assert settled["files"][0]["checking_reason"] is None
    stored = settings_of(server).archive_root / accession / f"{accession}-01.fastq.gz"
    assert stored.read_bytes() == data


def test_file_deleted_before_it_was_archived_is_reported_missing_until_uploaded_again(
    server: ServerProcess, user: ApiUser
) -> None:
    """An upload cut off for good (its row left ``uploading``), then the file removed."""
    data = os.urandom(4096)
    uid = user_id(user)
    home = home_of(server, user)
    home.mkdir(parents=True, exist_ok=True)
    (home / "lost.txt").write_bytes(data[:100])
    with server_database(server) as database, database.session() as session:
        session.add(
            PreuploadFile(user_id=uid, path="lost.txt", size=100, state=UploadState.UPLOADING)
        )
    created = _create(
        user, dataset_body(bioproject(user), [file_entry(path="lost.txt", md5_value=md5(data))])
    )
    accession, file_id = created["accession"], created["files"][0]["file_id"]
    assert created["files"][0]["checking_reason"] == "still_uploading"

    (home / "lost.txt").unlink()
    with server_database(server) as database, database.session() as session:
        session.query(PreuploadFile).filter_by(user_id=uid, path="lost.txt").delete()
    dataset = _dataset(user, accession)
    assert dataset["status"] == "Checking"
    assert dataset["files"][0]["checking_reason"] == "missing"
    diagnosis = user.get(f"/datasets/{accession}/files/{file_id}/diagnosis").json()
    assert diagnosis["reason"] == "missing"
    assert diagnosis["preupload_state"] == "absent"
    assert "no longer in your pre-upload area" in diagnosis["message"]

    ftp_put(server, user, "lost.txt", data)
    settled = wait_for(lambda: _dataset(user, accession), lambda d: d["status"] != "Checking")
    assert settled["status"] == "Archived"


def test_file_without_a_known_md5_is_hashed_in_the_background(
    server: ServerProcess, user: ApiUser
) -> None:
    """A file placed in the home by other means (no row): the archive hashes it."""
    data = os.urandom(100_000)
    home = home_of(server, user)
    home.mkdir(parents=True, exist_ok=True)
    (home / "placed.bin").write_bytes(data)
    created = _create(
        user, dataset_body(bioproject(user), [file_entry(path="placed.bin", md5_value=md5(data))])
    )
    accession = created["accession"]
    settled = wait_for(lambda: _dataset(user, accession), lambda d: d["status"] != "Checking")
    assert settled["status"] == "Archived"
    assert settled["files"][0]["md5_server"] == md5(data)


# --- refusals ---------------------------------------------------------------------------


def test_names_with_spaces_are_refused_with_the_reason(
    server: ServerProcess, user: ApiUser
) -> None:
    ftp_put(server, user, "good.txt", b"abc")
    # the FTP door refuses such names now; one left from before is still refused here
    left_over(server, user, "FTP upload test/F13_S1.tar", b"abc")
    body = dataset_body(
        bioproject(user),
        [
            file_entry(path="good.txt", md5_value=md5(b"abc")),
            file_entry(path="FTP upload test/F13_S1.tar", md5_value=md5(b"abc")),
        ],
    )
    response = user.post("/datasets", json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_name"
    assert error["field"] == "files.1.path"
    assert error["params"]["problem"] == "space"
    assert error["params"]["component"] == "FTP upload test"
    assert "space" in error["message"]
    assert user.get("/datasets").json() == []
    assert (home_of(server, user) / "good.txt").exists()  # nothing moved


def test_path_tricks_in_file_selection_are_refused(user: ApiUser, other_user: ApiUser) -> None:
    project = bioproject(user)
    other_id = user_id(other_user)
    for path in ("../x.txt", f"../{other_id}/x.txt", "/etc/passwd", "a/./b.txt"):
        response = user.post(
            "/datasets", json=dataset_body(project, [file_entry(path=path, md5_value="0" * 32)])
        )
        assert response.status_code == 400, (path, response.text)
        assert error_of(response)["code"] == "invalid_path"
        assert error_of(response)["field"] == "files.0.path"
    missing = user.post(
        "/datasets", json=dataset_body(project, [file_entry(path="nope.txt", md5_value="0" * 32)])
    )
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "preupload_file_not_found"


def test_every_problem_is_reported_with_its_field(user: ApiUser, other_user: ApiUser) -> None:
    upload = online_upload(user, "a.txt", b"a")
    foreign_project = bioproject(other_user)
    body = dataset_body(
        foreign_project,
        [file_entry(upload=upload["token"], md5_value=md5(b"a"))],
        organism="Oryza sativus",
        data_type="Transcriptome",
        data_subtype="Untargeted LC-MS",
    )
    response = user.post("/datasets", json=body)
    codes = {(item["code"], item["field"]) for item in response.json()["errors"]}
    assert ("unknown_organism", "organism") in codes
    assert ("unknown_data_subtype", "data_subtype") in codes
    assert ("bioproject_not_found", "bioproject") in codes


def test_field_rules(user: ApiUser) -> None:
    upload = online_upload(user, "a.txt", b"a")
    project = bioproject(user)
    good = [file_entry(upload=upload["token"], md5_value=md5(b"a"))]

    def refused(expected_code: str, expected_field: str, **overrides: Any) -> None:
        files = overrides.pop("files", good)
        response = user.post("/datasets", json=dataset_body(project, files, **overrides))
        assert response.status_code in (400, 404, 409, 422), response.text
        codes = {(item["code"], item["field"]) for item in response.json().get("errors", [])}
        codes.add((error_of(response)["code"], error_of(response)["field"]))
        assert (expected_code, expected_field) in codes, response.text

    yesterday = (date.today() - timedelta(days=2)).isoformat()
    refused("release_date_in_past", "release_date", release_date=yesterday)
    refused("human_requires_homo_sapiens", "organism", human_genetic_resource=True)
    refused("terms_not_accepted", "terms_accepted", terms_accepted=False)
    refused("no_files", "files", files=[])
    refused("required", "title", title="   ")
    refused("required", "description", description="")
    refused("too_long", "title", title="x" * 501)
    refused("too_long", "description", description="x" * 20001)
    refused("too_long", "most_registration_number", most_registration_number="x" * 101)
    refused("unknown_data_type", "data_type", data_type="Astrology")
    refused("enum", "access", access="public")
    bad_file = dict(good[0], md5="12345")
    refused("invalid_md5", "files.0.md5", files=[bad_file])
    refused("too_long", "files.0.title", files=[dict(good[0], title="t" * 501)])
    refused("unknown_data_type", "files.0.data_type", files=[dict(good[0], data_type="Vibes")])
    refused("greater_than_equal", "files.0.samples", files=[dict(good[0], samples=0)])
    assert user.get("/datasets").json() == []

    human = _create(
        user,
        dataset_body(
            project, good, human_genetic_resource=True, organism="homo sapiens", access="controlled"
        ),
    )
    assert human["organism"] == "Homo sapiens" and human["tax_id"] == 9606
    assert human["human_genetic_resource"] is True and human["access"] == "controlled"


def test_mixed_sample_and_a_later_release_date_are_accepted(user: ApiUser) -> None:
    later = (date.today() + timedelta(days=30)).isoformat()
    created = _http_dataset(user, organism="Mixed sample", release_date=later)
    assert created["organism"] == "mixed sample" and created["tax_id"] is None
    assert created["release_date"] == later


# --- editing -----------------------------------------------------------------------------


def test_basic_info_is_editable_and_the_release_date_can_move_earlier(user: ApiUser) -> None:
    later = (date.today() + timedelta(days=60)).isoformat()
    created = _http_dataset(user, release_date=later)
    accession = created["accession"]
    new_project = bioproject(user)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = user.patch(
        f"/datasets/{accession}",
        json={
            "title": "Renamed",
            "organism": "arabidopsis thaliana",
            "access": "controlled",
            "bioproject": new_project,
            "release_date": tomorrow,
            "data_type": "Metabolome",
            "data_subtype": "untargeted lc-ms",
            "most_registration_number": "2023BAT0001",
        },
    )
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["title"] == "Renamed"
    assert (edited["organism"], edited["tax_id"]) == ("Arabidopsis thaliana", 3702)
    assert edited["access"] == "controlled" and edited["bioproject"] == new_project
    assert edited["release_date"] == tomorrow
    assert (edited["data_type"], edited["data_subtype"]) == ("Metabolome", "Untargeted LC-MS")
    assert edited["most_registration_number"] == "2023BAT0001"
    assert edited["updated_at"] > created["updated_at"]

    past = (date.today() - timedelta(days=3)).isoformat()
    refused = user.patch(f"/datasets/{accession}", json={"release_date": past})
    assert refused.status_code == 422 and error_of(refused)["code"] == "release_date_in_past"
    today = user.patch(f"/datasets/{accession}", json={"release_date": date.today().isoformat()})
    assert today.status_code == 200
    human = user.patch(f"/datasets/{accession}", json={"human_genetic_resource": True})
    assert human.status_code == 422
    assert error_of(human)["code"] == "human_requires_homo_sapiens"
    empty = user.patch(f"/datasets/{accession}", json={"title": None})
    assert empty.status_code == 422 and error_of(empty)["field"] == "title"
    foreign = user.patch(f"/datasets/{accession}", json={"bioproject": "PRJCA999999"})
    assert foreign.status_code == 404 and error_of(foreign)["field"] == "bioproject"


def test_file_info_is_editable(user: ApiUser) -> None:
    created = _http_dataset(user)
    accession, file_id = created["accession"], created["files"][0]["file_id"]
    response = user.patch(
        f"/datasets/{accession}/files/{file_id}",
        json={"title": "Counts", "samples": 12, "data_type": "Genotype"},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["title"], response.json()["samples"]) == ("Counts", 12)
    assert response.json()["data_type"] == "Genotype"
    assert response.json()["status"] == "Archived"


def test_files_are_added_and_deleted_but_never_the_last_and_ids_are_not_reused(
    server: ServerProcess, user: ApiUser
) -> None:
    created = _http_dataset(user)
    accession = created["accession"]
    first = created["files"][0]["file_id"]
    last = user.delete(f"/datasets/{accession}/files/{first}")
    assert last.status_code == 409 and error_of(last)["code"] == "last_file"

    data = b"replacement\n"
    ftp_put(server, user, "new/replacement.csv", data)
    added = user.post(
        f"/datasets/{accession}/files",
        json={"files": [file_entry(path="new/replacement.csv", md5_value=md5(data))]},
    )
    assert added.status_code == 201, added.text
    ids = [file["file_id"] for file in added.json()["files"]]
    assert ids == [first, f"{accession}-02"]
    old_copy = settings_of(server).archive_root / accession / f"{first}.txt"
    assert old_copy.exists()
    assert user.delete(f"/datasets/{accession}/files/{first}").status_code == 204
    assert not old_copy.exists()

    online = online_upload(user, "third.txt", b"3")
    third = user.post(
        f"/datasets/{accession}/files",
        json={"files": [file_entry(upload=online["token"], md5_value=md5(b"3"))]},
    )
    assert [file["file_id"] for file in third.json()["files"]] == [
        f"{accession}-02",
        f"{accession}-03",
    ]
    assert user.delete(f"/datasets/{accession}/files/{accession}-01").status_code == 404


def test_released_dataset_is_read_only_except_the_most_number(
    server: ServerProcess, user: ApiUser
) -> None:
    created = _http_dataset(user)
    accession, file_id = created["accession"], created["files"][0]["file_id"]
    with server_database(server) as database, database.session() as session:
        dataset = session.scalar(select(Dataset).where(Dataset.accession == accession))
        assert dataset is not None
        dataset.released_at = datetime.now(UTC)
    assert _dataset(user, accession)["status"] == "Released"
    for response in (
        user.patch(f"/datasets/{accession}", json={"title": "Changed"}),
        user.patch(f"/datasets/{accession}/files/{file_id}", json={"title": "Changed"}),
        user.delete(f"/datasets/{accession}/files/{file_id}"),
        user.post(
            f"/datasets/{accession}/files",
            json={
                "files": [
                    file_entry(
                        upload=online_upload(user, "b.txt", b"b")["token"], md5_value=md5(b"b")
                    )
                ]
            },
        ),
    ):
        assert response.status_code == 409, response.text
        assert error_of(response)["code"] == "released_read_only"
    allowed = user.patch(f"/datasets/{accession}", json={"most_registration_number": "MOST-42"})
    assert allowed.status_code == 200
    assert allowed.json()["most_registration_number"] == "MOST-42"


def test_list_searches_and_sorts(user: ApiUser) -> None:
    rice = _http_dataset(user, title="Rice leaves")["accession"]
    mouse = _http_dataset(user, title="Mouse liver", organism="Mus musculus")["accession"]
    found = user.get("/datasets", params={"q": "mus"}).json()
    assert [row["accession"] for row in found] == [mouse]
    by_title = user.get("/datasets", params={"sort": "title"}).json()
    assert [row["accession"] for row in by_title] == [mouse, rice]
    by_accession = user.get("/datasets", params={"sort": "-accession"}).json()
    assert [row["accession"] for row in by_accession] == [mouse, rice]
    bad = user.get("/datasets", params={"sort": "password"})
    assert bad.status_code == 422 and error_of(bad)["code"] == "invalid_sort"


# --- isolation and durability ------------------------------------------------------------


def test_another_user_can_reach_none_of_my_datasets_or_files(
    server: ServerProcess, user: ApiUser, other_user: ApiUser
) -> None:
    created = _http_dataset(user)
    accession, file_id = created["accession"], created["files"][0]["file_id"]
    other_upload = online_upload(other_user, "o.txt", b"o")
    add_body = {"files": [file_entry(upload=other_upload["token"], md5_value=md5(b"o"))]}
    attempts = [
        other_user.get(f"/datasets/{accession}"),
        other_user.patch(f"/datasets/{accession}", json={"title": "Mine now"}),
        other_user.post(f"/datasets/{accession}/files", json=add_body),
        other_user.patch(f"/datasets/{accession}/files/{file_id}", json={"md5": "0" * 32}),
        other_user.delete(f"/datasets/{accession}/files/{file_id}"),
        other_user.get(f"/datasets/{accession}/files/{file_id}/diagnosis"),
    ]
    for response in attempts:
        assert response.status_code == 404, response.text
        assert error_of(response)["code"] == "dataset_not_found"
    unknown = other_user.get("/datasets/OMIX999999")
    assert error_of(unknown) == error_of(attempts[0]) | {"message": error_of(unknown)["message"]}
    assert other_user.get("/datasets").json() == []
    assert _dataset(user, accession)["title"] == "HTTP upload test"
    assert _dataset(user, accession)["files"][0]["md5"] == created["files"][0]["md5"]
    # the other user's own upload was not consumed
    assert other_user.get("/uploads").json()["uploads"][0]["token"] == other_upload["token"]


def test_unauthenticated_requests_are_refused(server: ServerProcess) -> None:
    import requests

    for method, path in (
        ("get", "/datasets"),
        ("post", "/datasets"),
        ("get", "/datasets/OMIX000001"),
    ):
        response = requests.request(method, f"{server.api}{path}", timeout=10)
        assert response.status_code == 401


def test_restart_keeps_datasets_and_files(own_server: ServerProcess) -> None:
    own_server.start()
    user = new_user(own_server.api)
    data = os.urandom(20_000)
    ftp_put(own_server, user, "keep.fq.gz", data)
    wait_for(lambda: user.get("/preupload/files").json(), lambda rows: rows and rows[0]["md5"])
    upload = online_upload(user, "keep.txt", b"kept")
    body = dataset_body(
        bioproject(user),
        [
            file_entry(path="keep.fq.gz", md5_value=md5(data)),
            file_entry(upload=upload["token"], md5_value="0" * 32),
        ],
    )
    created = _create(user, body)
    accession = created["accession"]
    own_server.restart()
    user = sign_in(own_server.api, user.email)
    after = _dataset(user, accession)
    assert after["status"] == "MD5 Checked Failed"
    assert [f["status"] for f in after["files"]] == ["Archived", "MD5 Checked Failed"]
    assert [f["file_id"] for f in after["files"]] == [f["file_id"] for f in created["files"]]
    archive = settings_of(own_server).archive_root / accession
    assert (archive / f"{accession}-01.fq.gz").read_bytes() == data
    fixed = user.patch(f"/datasets/{accession}/files/{accession}-02", json={"md5": md5(b"kept")})
    assert fixed.json()["status"] == "Archived"
    assert _dataset(user, accession)["status"] == "Archived"


def test_concurrent_submissions_get_distinct_accessions(user: ApiUser) -> None:
    results: list[str] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            results.append(_http_dataset(user)["accession"])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 4
