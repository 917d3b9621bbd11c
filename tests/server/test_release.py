"""Release: on its date (clock injected), early, after a restart, after a crash.

The servers here have a clock file (``--clock-file``) and a fast scheduler,
so "today" moves under the test's control while the server runs. Tests that
only move the clock share one server (the clock is put back after each);
the restart and crash tests stop and start servers of their own.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from server_stub.release.models import ReleaseJournal
from tests.conftest import database_for_test
from tests.support.accounts import new_user
from tests.support.release import (
    Submitted,
    anonymous_ftp,
    approve,
    clock_server,
    dataset,
    md5,
    new_curator,
    public_folder,
    set_clock,
    submit,
    wait_released,
)
from tests.support.server import ServerProcess
from tests.support.submission import server_database, settings_of, wait_for

PASSES = 0.8
"""Long enough for a few scheduler passes (interval 0.2 s)."""


@pytest.fixture(scope="module")
def clocked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with database_for_test() as url:
        folder = tmp_path_factory.mktemp("clocked")
        server = ServerProcess(data_dir=folder / "data", database_url=url)
        clock_server(server, folder / "clock").start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def clocked(clocked_server: ServerProcess) -> Iterator[ServerProcess]:
    set_clock(_clock(clocked_server), 0)
    yield clocked_server
    set_clock(_clock(clocked_server), 0)


def _clock(server: ServerProcess) -> Path:
    return Path(server.extra_args[server.extra_args.index("--clock-file") + 1])


def _check_published(server: ServerProcess, submitted: Submitted) -> None:
    folder = public_folder(server, submitted.accession)
    expected = set(submitted.files) | {f"{name}.md5" for name in submitted.files}
    assert set(os.listdir(folder)) == expected
    archive = settings_of(server).archive_root / submitted.accession
    for name, data in submitted.files.items():
        published = folder / name
        assert published.read_bytes() == data
        assert (folder / f"{name}.md5").read_text() == f"{md5(data)}  {name}\n"
        # a hard link to the archived file, not a second copy
        assert published.stat().st_ino == (archive / name).stat().st_ino
    hidden = [name for name in os.listdir(folder.parent) if name.startswith(".")]
    assert hidden == []


def test_dataset_releases_on_its_date(clocked: ServerProcess) -> None:
    owner, curator = new_user(clocked.api), new_curator(clocked)
    files = {"expression.fragments.tar.gz": os.urandom(5000), "readme.txt": b"read me\n"}
    submitted = submit(owner, files, release_date=date.today() + timedelta(days=3))
    assert approve(curator, submitted.accession)["curation_status"] == "Curated"

    time.sleep(PASSES)
    state = dataset(owner, submitted.accession)
    assert state["released_at"] is None and state["status"] == "Archived"
    assert not public_folder(clocked, submitted.accession).exists()

    set_clock(_clock(clocked), 2)  # the day before: still nothing
    time.sleep(PASSES)
    assert dataset(owner, submitted.accession)["released_at"] is None

    set_clock(_clock(clocked), 3)
    state = wait_released(owner, submitted.accession)
    assert state["status"] == "Released" and state["curation_status"] == "Released"
    assert state["released_at"].startswith((date.today() + timedelta(days=3)).isoformat())
    _check_published(clocked, submitted)
    assert f"{submitted.accession}-01.fragments.tar.gz" in submitted.files

    public = owner.http.get(f"{clocked.api}/public/datasets/{submitted.accession}", timeout=30)
    assert public.status_code == 200, public.text

    # after release the MOST registration number can still be added; files stay
    patched = owner.patch(
        f"/datasets/{submitted.accession}", json={"most_registration_number": "2024BAT0001"}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["most_registration_number"] == "2024BAT0001"
    _check_published(clocked, submitted)
    with server_database(clocked) as database, database.session() as session:
        journal = session.scalar(select(ReleaseJournal))
        assert journal is not None and journal.state == "done" and journal.files_published == 2


def test_a_dataset_is_released_only_once_curated(clocked: ServerProcess) -> None:
    owner, curator = new_user(clocked.api), new_curator(clocked)
    submitted = submit(owner, release_date=date.today())
    time.sleep(PASSES)
    state = dataset(owner, submitted.accession)
    assert state["released_at"] is None
    assert state["curation_status"] == "Waiting for Curation"
    approve(curator, submitted.accession)  # its date has come: released at once
    wait_released(owner, submitted.accession, timeout=5)
    _check_published(clocked, submitted)


def test_early_release_by_moving_the_date_to_today(clocked: ServerProcess) -> None:
    owner, curator = new_user(clocked.api), new_curator(clocked)
    submitted = submit(owner, release_date=date.today() + timedelta(days=60))
    approve(curator, submitted.accession)
    time.sleep(PASSES)
    assert dataset(owner, submitted.accession)["released_at"] is None

    response = owner.patch(
        f"/datasets/{submitted.accession}", json={"release_date": date.today().isoformat()}
    )
    assert response.status_code == 200, response.text
    wait_released(owner, submitted.accession, timeout=10)
    _check_published(clocked, submitted)


def test_early_release_does_not_wait_for_the_next_scheduler_pass(server: ServerProcess) -> None:
    """The session server's scheduler passes every 30 s: the date change wakes it."""
    owner, curator = new_user(server.api), new_curator(server)
    submitted = submit(owner, release_date=date.today() + timedelta(days=60))
    approve(curator, submitted.accession)
    response = owner.patch(
        f"/datasets/{submitted.accession}", json={"release_date": date.today().isoformat()}
    )
    assert response.status_code == 200, response.text
    wait_released(owner, submitted.accession, timeout=5)


def test_restart_catches_up_on_passed_dates_and_cleans_the_public_tree(
    own_server: ServerProcess, tmp_path: Path
) -> None:
    clock = tmp_path / "clock"
    server = clock_server(own_server, clock, interval=3600).start()  # only the start pass
    owner, curator = new_user(server.api), new_curator(server)
    due = submit(owner, release_date=date.today() + timedelta(days=2))
    approve(curator, due.accession)
    later = submit(owner, release_date=date.today() + timedelta(days=30))
    approve(curator, later.accession)
    server.stop()

    # while the server is down: the first date passes; and the public tree holds
    # things it must not (a folder of an unreleased dataset, a stale partial one
    # left by a cut release whose date was then moved later)
    set_clock(clock, 5)
    visible = public_folder(server, later.accession)
    visible.mkdir(parents=True)
    (visible / f"{later.accession}-01.txt").write_bytes(b"not yet public")
    stale = public_folder(server, f".{later.accession}.partial")
    stale.mkdir()
    server.start()

    wait_released(owner, due.accession, timeout=10)
    _check_published(server, due)
    assert not visible.exists() and not stale.exists()
    assert dataset(owner, later.accession)["released_at"] is None


def test_a_release_cut_half_way_is_finished_by_the_next_run_and_never_half_visible(
    own_server: ServerProcess, tmp_path: Path
) -> None:
    clock = tmp_path / "clock"
    server = clock_server(own_server, clock).start()
    owner, curator = new_user(server.api), new_curator(server)
    files = {"a.txt": os.urandom(3000), "b.csv": os.urandom(4000), "c.txt": b"third\n"}
    submitted = submit(owner, files, release_date=date.today() + timedelta(days=1))
    approve(curator, submitted.accession)
    accession = submitted.accession
    archive = settings_of(server).archive_root / accession

    # the second file cannot be linked: the release stops half way
    moved = archive / f"{accession}-02.csv"
    away = tmp_path / "away.csv"
    moved.rename(away)
    set_clock(clock, 1)
    partial = public_folder(server, f".{accession}.partial")
    wait_for(lambda: partial.exists(), bool, timeout=10)
    time.sleep(PASSES)
    assert dataset(owner, accession)["released_at"] is None
    assert not public_folder(server, accession).exists()
    with anonymous_ftp(server) as ftp:
        assert ftp.nlst("/OMIX") == []  # neither the folder nor the hidden one
    with server_database(server) as database, database.session() as session:
        journal = session.scalar(select(ReleaseJournal))
        assert journal is not None and journal.state == "failed"
        assert "missing" in journal.error

    # the server stops; the file is back; the next run finishes the release
    server.stop()
    away.rename(moved)
    (partial / "leftover.tmp").write_bytes(b"junk from the cut run")
    server.start()
    wait_released(owner, accession, timeout=10)
    _check_published(server, submitted)


def test_controlled_dataset_is_released_without_public_files(clocked: ServerProcess) -> None:
    owner, curator = new_user(clocked.api), new_curator(clocked)
    submitted = submit(owner, release_date=date.today(), access="controlled")
    approve(curator, submitted.accession)
    state = wait_released(owner, submitted.accession)
    assert state["access"] == "controlled"
    assert not public_folder(clocked, submitted.accession).exists()
    with anonymous_ftp(clocked) as ftp:
        assert f"/OMIX/{submitted.accession}" not in ftp.nlst("/OMIX")


def test_curation_queue_approve_and_return(clocked: ServerProcess) -> None:
    owner, curator, other = new_user(clocked.api), new_curator(clocked), new_user(clocked.api)
    first = submit(owner, release_date=date.today() + timedelta(days=5))
    second = submit(owner, release_date=date.today())

    refused = other.get("/curation/queue")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "curator_only"
    assert other.post(f"/curation/{first.accession}/approve").status_code == 403

    queue = curator.get("/curation/queue")
    assert queue.status_code == 200
    mine = [item for item in queue.json() if item["submitter_email"] == owner.email]
    assert [item["accession"] for item in mine] == [first.accession, second.accession]
    assert mine[0]["status"] == "Archived" and mine[0]["file_count"] == 1

    message = "Please describe the sequencing platform in the description."
    returned = curator.post(f"/curation/{second.accession}/return", json={"message": message})
    assert returned.status_code == 200 and returned.json()["curation_status"] == "Returned"
    state = dataset(owner, second.accession)
    assert state["curation_status"] == "Returned" and state["curation_message"] == message
    time.sleep(PASSES)  # its date has come, but returned datasets are not released
    assert dataset(owner, second.accession)["released_at"] is None
    empty = curator.post(f"/curation/{second.accession}/return", json={"message": "  "})
    assert empty.status_code == 422

    waiting = {item["accession"] for item in curator.get("/curation/queue").json()}
    assert first.accession in waiting and second.accession not in waiting
    assert other.post(f"/datasets/{second.accession}/resubmit").status_code == 404
    again = owner.post(f"/datasets/{second.accession}/resubmit")
    assert again.status_code == 200 and again.json()["curation_status"] == "Waiting for Curation"
    assert owner.post(f"/datasets/{second.accession}/resubmit").status_code == 409

    approve(curator, second.accession)
    wait_released(owner, second.accession)
    late = curator.post(f"/curation/{second.accession}/approve")
    assert late.status_code == 409 and late.json()["error"]["code"] == "already_released"
    unknown = curator.post("/curation/OMIX999999/approve")
    assert unknown.status_code == 404


def test_human_genetic_resource_data_wait_for_the_most_number(clocked: ServerProcess) -> None:
    owner, curator = new_user(clocked.api), new_curator(clocked)
    submitted = submit(
        owner,
        release_date=date.today(),
        organism="Homo sapiens",
        human_genetic_resource=True,
    )
    approve(curator, submitted.accession)
    wait_released(owner, submitted.accession)
    folder = public_folder(clocked, submitted.accession)
    assert not folder.exists()  # released, but not downloadable before registration
    url = f"{clocked.api}/public/files/{submitted.file_id(1)}/download"
    refused = requests.get(url, timeout=30)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "most_registration_missing"
    assert owner.get(url.removeprefix(clocked.api)).status_code == 200

    patched = owner.patch(
        f"/datasets/{submitted.accession}", json={"most_registration_number": "2024BAT0002"}
    )
    assert patched.status_code == 200, patched.text
    wait_for(folder.exists, bool, timeout=10)
    _check_published(clocked, submitted)
    assert requests.get(url, timeout=30).status_code == 200
