"""Two nodes, one site: whichever node a request reaches, the answer is the same.

An FTP upload through node 1 is selected through node 2's API and archived;
sessions, sign-in throttling and reviewer links hold across nodes (they
live in PostgreSQL); 20 submissions at once over both nodes get distinct
accessions, BioProject accessions and file ids.
"""

from __future__ import annotations

import os
import threading
from datetime import date, timedelta
from typing import Any

import httpx
import requests

from tests.site.nodes import Site, on
from tests.support.accounts import PASSWORD, ApiUser, new_user
from tests.support.submission import (
    bioproject,
    dataset_body,
    file_entry,
    ftp_put,
    md5,
    online_upload,
    user_id,
    wait_for,
)

GUESSER = "127.0.0.2"


def _dataset(user: ApiUser, accession: str) -> dict[str, Any]:
    response = user.get(f"/datasets/{accession}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_uploaded_through_node_1_archived_through_node_2(site: Site) -> None:
    node1, node2 = site.nodes
    user = new_user(node2.api, prefix="site")
    data = os.urandom(400_000)
    ftp_put(node1, user, "run1/leaf_1.fq.gz", data)
    # node 2 lists what node 1 received (shared folder, rows in PostgreSQL)
    listing = wait_for(
        lambda: user.get("/preupload/files").json(),
        lambda rows: bool(rows) and rows[0]["md5"] == md5(data),
    )
    assert [(row["path"], row["md5"]) for row in listing] == [("run1/leaf_1.fq.gz", md5(data))]
    assert (site.shared / "preupload" / str(user_id(user)) / "run1" / "leaf_1.fq.gz").exists()
    body = dataset_body(
        bioproject(user), [file_entry(path="run1/leaf_1.fq.gz", md5_value=md5(data))]
    )
    created = user.post("/datasets", json=body)
    assert created.status_code == 201, created.text
    accession = created.json()["accession"]
    through_node1 = on(user, node1)
    state = wait_for(
        lambda: _dataset(through_node1, accession), lambda d: d["status"] == "Archived"
    )
    assert state["status"] == "Archived", state
    (file,) = state["files"]
    assert (file["md5_server"], file["size"], file["source"]) == (md5(data), len(data), "ftp")
    assert site.store().read_bytes(f"archive/{accession}/{accession}-01.fq.gz") == data
    # the pre-upload copy is gone, whichever node looks
    assert through_node1.get("/preupload/files").json() == []
    assert user.get("/preupload/files").json() == []


def test_a_session_from_one_node_works_on_the_other_until_signed_out(site: Site) -> None:
    node1, node2 = site.nodes
    user = new_user(node1.api, prefix="session")
    assert on(user, node2).get("/auth/me").json()["email"] == user.email
    assert on(user, node2).post("/auth/logout").status_code == 204
    assert user.get("/auth/me").status_code == 401  # node 1 knows it at once


def test_sign_in_throttling_counts_failures_on_every_node(site: Site) -> None:
    node1, node2 = site.nodes
    owner = new_user(node1.api, prefix="throttled")
    transport = httpx.HTTPTransport(local_address=GUESSER)
    with httpx.Client(transport=transport, timeout=30) as guesser:
        counted = refused = 0
        for _attempt in range(40):  # bounded: 5 counted failures need ~3 s of waiting
            response = guesser.post(
                f"{node1.api}/auth/login", json={"email": owner.email, "password": "wrong"}
            )
            if response.status_code == 429:
                refused += 1
                threading.Event().wait(0.25)
                continue
            assert response.status_code == 401, response.text
            counted += 1
            if counted == 5:
                break
        assert counted == 5 and refused > 0
        # the fifth failure made the next attempt wait 4 s: node 2, which saw
        # none of them, refuses this address too, even the right password
        right = guesser.post(
            f"{node2.api}/auth/login", json={"email": owner.email, "password": PASSWORD}
        )
        assert right.status_code == 429, right.text
    # the owner from their own address signs in on node 2
    assert requests.post(
        f"{node2.api}/auth/login", json={"email": owner.email, "password": PASSWORD}, timeout=30
    ).ok


def test_a_reviewer_link_made_on_one_node_opens_and_closes_on_the_other(site: Site) -> None:
    node1, node2 = site.nodes
    user = new_user(node1.api, prefix="reviewed")
    upload = online_upload(user, "matrix.txt", b"gene\tS1\n")
    body = dataset_body(
        bioproject(user),
        [file_entry(upload=upload["token"], md5_value=md5(b"gene\tS1\n"))],
        release_date=(date.today() + timedelta(days=365)).isoformat(),
    )
    created = user.post("/datasets", json=body)
    assert created.status_code == 201, created.text
    accession = created.json()["accession"]
    archived = wait_for(lambda: _dataset(user, accession), lambda d: d["status"] == "Archived")
    assert archived["status"] == "Archived", archived
    link = user.post(f"/datasets/{accession}/review-link")
    assert link.status_code in (200, 201), link.text
    token = link.json()["token"]
    preview = requests.get(f"{node2.url}/api/v1/review/{token}", timeout=30)
    assert preview.status_code == 200, preview.text
    assert preview.json()["accession"] == accession
    assert requests.get(f"{node2.url}/review/{token}", timeout=30).status_code == 200
    assert on(user, node2).delete(f"/datasets/{accession}/review-link").status_code == 204
    assert requests.get(f"{node1.url}/api/v1/review/{token}", timeout=30).status_code == 410


def test_twenty_concurrent_submissions_over_both_nodes_get_distinct_accessions(
    site: Site,
) -> None:
    count = 20
    users = [new_user(site.nodes[index % 2].api, prefix="burst") for index in range(count)]
    # each one uploads through one node and submits through the other
    prepared = []
    for index, user in enumerate(users):
        data = os.urandom(1000) + bytes([index])
        upload = online_upload(user, "matrix.txt", data)
        prepared.append((on(user, site.nodes[(index + 1) % 2]), upload["token"], md5(data)))
    start = threading.Barrier(count)
    results: list[dict[str, Any]] = []
    failures: list[str] = []
    lock = threading.Lock()

    def submit(user: ApiUser, token: str, digest: str) -> None:
        start.wait(timeout=60)
        project = user.post("/bioprojects", json={"title": "Concurrent"})
        entries = [file_entry(upload=token, md5_value=digest)]
        body = dataset_body(project.json().get("accession", ""), entries)
        created = user.post("/datasets", json=body)
        with lock:
            if project.status_code != 201 or created.status_code != 201:
                failures.append(f"{project.status_code} {created.status_code} {created.text}")
            else:
                results.append({"project": project.json()["accession"], **created.json()})

    threads = [threading.Thread(target=submit, args=item) for item in prepared]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert len(results) == count
    accessions = {result["accession"] for result in results}
    projects = {result["project"] for result in results}
    file_ids = {file["file_id"] for result in results for file in result["files"]}
    assert len(accessions) == len(projects) == len(file_ids) == count
    assert all(accession.startswith("OMIX") for accession in accessions)
    assert all(project.startswith("PRJCA") for project in projects)


def test_every_node_announces_the_sites_one_server_id(site: Site) -> None:
    ids = {
        requests.get(f"{node.api}/health", timeout=30).json()["server_id"] for node in site.nodes
    }
    assert len(ids) == 1 and "" not in ids, ids
    assert (site.shared / "server-id").read_text().strip() in ids
