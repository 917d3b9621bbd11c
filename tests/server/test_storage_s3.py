"""omix-server with its archive and public trees in a real object store (SeaweedFS).

One SeaweedFS and one server for the module, the server started as a site
would start it: ``--store s3://bucket/omix`` and the standard ``AWS_*``
variables (endpoint and credentials). Everything is checked where it lands:
the objects in the bucket (read with boto3, not through the server), the
bytes served over HTTPS and the public FTP compared by MD5.
"""

from __future__ import annotations

import ftplib
import io
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

from server_stub.storage.s3 import PART_SIZE
from tests.support.accounts import ApiUser, new_user
from tests.support.release import anonymous_ftp, approve, new_curator, wait_released
from tests.support.seaweed import SeaweedS3, seaweed_s3
from tests.support.server import ServerProcess
from tests.support.submission import (
    bioproject,
    dataset_body,
    file_entry,
    ftp_put,
    home_of,
    md5,
    online_upload,
    settings_of,
    wait_for,
)

MIB = 1024 * 1024
PREFIX = "omix"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    with seaweed_s3(tmp_path_factory.mktemp("seaweed")) as running:
        yield running


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, s3: SeaweedS3) -> Iterator[ServerProcess]:
    server = ServerProcess(
        data_dir=tmp_path_factory.mktemp("s3server") / "data",
        extra_args=["--store", s3.store_url(PREFIX), "--release-interval", "0.3"],
        env=s3.env(),
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _dataset(user: ApiUser, accession: str) -> dict[str, object]:
    response = user.get(f"/datasets/{accession}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _create(user: ApiUser, entries: list[dict[str, object]], **overrides: object) -> str:
    body = dataset_body(bioproject(user), entries, **overrides)
    response = user.post("/datasets", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["accession"])


def _settled(user: ApiUser, accession: str) -> dict[str, object]:
    state = wait_for(
        lambda: _dataset(user, accession), lambda d: d["status"] != "Checking", timeout=60
    )
    return state  # type: ignore[no-any-return]


def _head(s3: SeaweedS3, key: str) -> dict[str, object]:
    answer: dict[str, object] = s3.client().head_object(Bucket=s3.bucket, Key=f"{PREFIX}/{key}")
    return answer


def _keys(s3: SeaweedS3, prefix: str) -> set[str]:
    listed = s3.client().list_objects_v2(Bucket=s3.bucket, Prefix=f"{PREFIX}/{prefix}")
    return {item["Key"].removeprefix(f"{PREFIX}/") for item in listed.get("Contents", [])}


def test_an_ftp_upload_is_archived_only_once_the_store_holds_it(
    site: ServerProcess, s3: SeaweedS3
) -> None:
    user = new_user(site.api)
    data = os.urandom(40 * MIB + 7)  # more than one part
    ftp_put(site, user, "run1/reads.fq.gz", data)
    accession = _create(user, [file_entry(path="run1/reads.fq.gz", md5_value=md5(data))])
    state = _settled(user, accession)
    assert state["status"] == "Archived", state
    key = f"archive/{accession}/{accession}-01.fq.gz"
    head = _head(s3, key)
    assert head["ContentLength"] == len(data)
    assert head["Metadata"] == {"md5": md5(data)}
    parts = -(-len(data) // PART_SIZE)
    assert parts > 1 and str(head["ETag"]).strip('"').endswith(f"-{parts}")  # checked parts
    body = s3.client().get_object(Bucket=s3.bucket, Key=f"{PREFIX}/{key}")["Body"].read()
    assert md5(body) == md5(data)
    settings = settings_of(site)
    assert not (settings.archive_root / accession).exists()  # nothing on the local disk
    assert not any((settings.upload_area / "storing").iterdir())  # staging emptied
    assert not (home_of(site, user) / "run1" / "reads.fq.gz").exists()  # taken from the home


def test_a_wrong_md5_still_fails_and_the_store_holds_the_real_one(
    site: ServerProcess, s3: SeaweedS3
) -> None:
    user = new_user(site.api)
    data = os.urandom(5000)
    ftp_put(site, user, "bad.txt", data)
    accession = _create(user, [file_entry(path="bad.txt", md5_value="0" * 32)])
    state = _settled(user, accession)
    assert state["status"] == "MD5 Checked Failed", state
    head = _head(s3, f"archive/{accession}/{accession}-01.txt")
    assert head["Metadata"] == {"md5": md5(data)}


def test_release_publishes_into_the_store_and_both_doors_serve_it(
    site: ServerProcess, s3: SeaweedS3
) -> None:
    owner, curator = new_user(site.api), new_curator(site)
    big, small = os.urandom(33 * MIB), os.urandom(3000)
    upload = online_upload(owner, "matrix.tsv", small)
    ftp_put(site, owner, "big.bam", big)
    entries = [
        file_entry(upload=upload["token"], md5_value=md5(small), title="matrix"),
        file_entry(path="big.bam", md5_value=md5(big), title="alignments"),
    ]
    accession = _create(owner, entries, release_date=date.today().isoformat())
    assert _settled(owner, accession)["status"] == "Archived"
    approve(curator, accession)
    wait_released(owner, accession, timeout=30)

    names = {f"{accession}-01.tsv": small, f"{accession}-02.bam": big}
    published = _keys(s3, f"public/OMIX/{accession}/")
    assert published == {
        f"public/OMIX/{accession}/{name}{end}" for name in names for end in ("", ".md5")
    }
    for name, data in names.items():
        head = _head(s3, f"public/OMIX/{accession}/{name}")
        assert head["ContentLength"] == len(data) and head["Metadata"] == {"md5": md5(data)}
        line = (
            s3.client()
            .get_object(Bucket=s3.bucket, Key=f"{PREFIX}/public/OMIX/{accession}/{name}.md5")[
                "Body"
            ]
            .read()
        )
        assert line.decode() == f"{md5(data)}  {name}\n"
    manifest = s3.client().get_object(
        Bucket=s3.bucket, Key=f"{PREFIX}/public/published/{accession}"
    )
    assert sorted(manifest["Body"].read().decode().split()) == sorted(
        f"{name}{end}" for name in names for end in ("", ".md5")
    )
    assert not (settings_of(site).public_root / "OMIX" / accession).exists()

    # HTTPS: whole, ranged, resumed, and the .md5 companion, from the store
    url = f"{site.api}/public/files/{accession}-02/{accession}-02.bam"
    whole = requests.get(url, timeout=60)
    assert whole.status_code == 200 and md5(whole.content) == md5(big)
    start = 5 * MIB + 3
    ranged = requests.get(url, headers={"Range": f"bytes={start}-{start + MIB - 1}"}, timeout=60)
    assert ranged.status_code == 206
    assert ranged.headers["content-range"] == f"bytes {start}-{start + MIB - 1}/{len(big)}"
    assert ranged.content == big[start : start + MIB]
    rest = requests.get(url, headers={"Range": f"bytes={start}-"}, timeout=60)
    assert md5(big[:start] + rest.content) == md5(big)
    tail = requests.get(url, headers={"Range": "bytes=-10"}, timeout=60)
    assert tail.content == big[-10:]
    past = requests.get(url, headers={"Range": f"bytes={len(big)}-"}, timeout=60)
    assert past.status_code == 416
    head = requests.head(url, timeout=60)
    assert head.headers["content-length"] == str(len(big)) and not head.content
    md5_line = requests.get(f"{url}.md5", timeout=30).text
    assert md5_line == f"{md5(big)}  {accession}-02.bam\n"

    # the anonymous FTP tree: listings and downloads (with a resume) from the store
    ftp = anonymous_ftp(site)
    try:
        assert accession in ftp.nlst("/OMIX")
        ftp.cwd(f"/OMIX/{accession}")
        assert sorted(ftp.nlst()) == sorted(f"{n}{e}" for n in names for e in ("", ".md5"))
        facts = dict(ftp.mlsd())
        assert facts[f"{accession}-02.bam"]["size"] == str(len(big))
        assert ftp.size(f"{accession}-01.tsv") == len(small)
        received = io.BytesIO()
        ftp.retrbinary(f"RETR {accession}-02.bam", received.write)
        assert md5(received.getvalue()) == md5(big)
        resumed = io.BytesIO()
        ftp.retrbinary(f"RETR {accession}-02.bam", resumed.write, rest=len(big) - 100)
        assert resumed.getvalue() == big[-100:]
        lines: list[str] = []
        ftp.retrlines(f"RETR {accession}-01.tsv.md5", lines.append)
        assert lines == [f"{md5(small)}  {accession}-01.tsv"]
        with pytest.raises(ftplib.error_perm, match="550"):
            ftp.cwd("/OMIX/OMIX999999")
        with pytest.raises(ftplib.error_perm, match="550"):
            ftp.storbinary("STOR x.txt", io.BytesIO(b"x"))
    finally:
        ftp.quit()


def test_an_unreleased_dataset_is_not_in_the_public_tree(
    site: ServerProcess, s3: SeaweedS3
) -> None:
    owner = new_user(site.api)
    data = os.urandom(100)
    upload = online_upload(owner, "later.txt", data)
    accession = _create(
        owner,
        [file_entry(upload=upload["token"], md5_value=md5(data))],
        release_date=(date.today() + timedelta(days=30)).isoformat(),
    )
    assert _settled(owner, accession)["status"] == "Archived"
    assert _keys(s3, f"archive/{accession}/") == {f"archive/{accession}/{accession}-01.txt"}
    assert _keys(s3, f"public/OMIX/{accession}/") == set()
    url = f"{site.api}/public/files/{accession}-01/{accession}-01.txt"
    assert requests.get(url, timeout=30).status_code == 404
    ftp = anonymous_ftp(site)
    try:
        assert accession not in ftp.nlst("/OMIX")
    finally:
        ftp.quit()


def test_a_store_that_cannot_be_reached_stops_the_start_with_the_reason(
    tmp_path: Path, s3: SeaweedS3
) -> None:
    server = ServerProcess(
        data_dir=tmp_path / "data",
        extra_args=["--store", "s3://no-such-bucket/omix"],
        env=s3.env(),
    )
    with pytest.raises(RuntimeError, match="no-such-bucket"):
        server.start()
    wrong = {**s3.env(), "AWS_SECRET_ACCESS_KEY": "wrong"}
    server = ServerProcess(
        data_dir=tmp_path / "data2", extra_args=["--store", s3.store_url()], env=wrong
    )
    with pytest.raises(RuntimeError, match="credentials"):
        server.start()


def test_a_publication_cut_before_its_manifest_stays_invisible_and_is_finished_at_restart(
    tmp_path: Path, s3: SeaweedS3
) -> None:
    prefix = "cut"
    server = ServerProcess(
        data_dir=tmp_path / "data",
        extra_args=["--store", s3.store_url(prefix), "--release-interval", "0.3"],
        env=s3.env(),
    ).start()
    client = s3.client()
    try:
        owner, curator = new_user(server.api), new_curator(server)
        data = os.urandom(1000)
        upload = online_upload(owner, "x.txt", data)
        entries = [file_entry(upload=upload["token"], md5_value=md5(data))]
        accession = _create(owner, entries, release_date=date.today().isoformat())
        assert _settled(owner, accession)["status"] == "Archived"
        approve(curator, accession)
        wait_released(owner, accession, timeout=30)
        later_upload = online_upload(owner, "y.txt", data)
        later = _create(
            owner,
            [file_entry(upload=later_upload["token"], md5_value=md5(data))],
            release_date=(date.today() + timedelta(days=30)).isoformat(),
        )
        assert _settled(owner, later)["status"] == "Archived"
        server.stop()

        # while it is down: the manifest is gone as if the publication was cut just
        # before it (the copies are there), and a folder of an unreleased dataset appeared
        manifest = f"{prefix}/public/published/{accession}"
        client.delete_object(Bucket=s3.bucket, Key=manifest)
        stray = f"{prefix}/public/OMIX/{later}/{later}-01.txt"
        client.put_object(Bucket=s3.bucket, Key=stray, Body=b"not yet public")
        server.start()
        ftp = anonymous_ftp(server)
        try:
            assert later not in ftp.nlst("/OMIX")  # never shown: no manifest
            listed = wait_for(lambda: ftp.nlst("/OMIX"), lambda names: accession in names, 30)
            assert accession in listed
            received = io.BytesIO()
            ftp.retrbinary(f"RETR /OMIX/{accession}/{accession}-01.txt", received.write)
            assert received.getvalue() == data
        finally:
            ftp.quit()
        gone = wait_for(
            lambda: client.list_objects_v2(
                Bucket=s3.bucket, Prefix=f"{prefix}/public/OMIX/{later}/"
            ),
            lambda answer: answer["KeyCount"] == 0,
            30,
        )
        assert gone["KeyCount"] == 0
    finally:
        server.stop()
