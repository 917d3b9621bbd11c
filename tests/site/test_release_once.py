"""Both nodes' schedulers run; each due dataset is released by exactly one of them.

Twenty datasets become due at the same moment (the shared clock file moves
"today" for both nodes at once), twice over. Each is released once: one
``released OMIX…`` line over both nodes' logs, one attempt in its release
journal row, its public folder complete with every ``.md5`` companion. Then
every process stops, the date passes while the site is down, and on start
the nodes catch up, again once each, and nothing released before is lost.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import select

from server_stub.models import Dataset
from server_stub.release.models import ReleaseJournal, ReleaseState
from tests.site.nodes import Site, on
from tests.support.accounts import ApiUser, new_user
from tests.support.release import Submitted, approve, dataset, make_curator, set_clock, submit
from tests.support.submission import md5, wait_for

COUNT = 20
released_so_far: dict[str, Submitted] = {}
"""Across this module's tests: what must still be there after the restart."""
clock_offset = [0]


def _curated_for(site: Site, owner: ApiUser, curator: ApiUser, count: int, days: int) -> list[str]:
    """``count`` datasets due in ``days`` days (by the real date), approved, over both nodes."""
    release_date = date.today() + timedelta(days=days)
    made = []
    for index in range(count):
        node = site.nodes[index % 2]
        files = {"matrix.txt": os.urandom(3000), "readme.txt": f"dataset {index}\n".encode()}
        submitted = submit(on(owner, node), files, release_date=release_date)
        approve(on(curator, site.nodes[(index + 1) % 2]), submitted.accession)
        made.append(submitted)
    for submitted in made:
        released_so_far[submitted.accession] = submitted
    return [submitted.accession for submitted in made]


def _move_clock(site: Site, days: int) -> None:
    clock_offset[0] = days
    set_clock(site.clock, days)


def _wait_all_released(owner: ApiUser, accessions: list[str], timeout: float = 90.0) -> None:
    def state() -> list[bool]:
        return [dataset(owner, accession)["released_at"] is not None for accession in accessions]

    assert all(wait_for(state, all, timeout)), "not every due dataset was released"


def _released_once(site: Site, accessions: list[str]) -> None:
    lines = Counter(site.released_lines())
    twice = {accession: lines[accession] for accession in accessions if lines[accession] != 1}
    assert twice == {}, f"released more or less than once: {twice}"
    with site.database() as database, database.session() as session:
        rows = session.execute(
            select(Dataset.accession, ReleaseJournal.attempts, ReleaseJournal.state)
            .join(ReleaseJournal, ReleaseJournal.dataset_id == Dataset.id)
            .where(Dataset.accession.in_(accessions))
        ).all()
    assert sorted(rows) == sorted((a, 1, ReleaseState.DONE.value) for a in accessions)
    for accession in accessions:
        names = site.public_names(accession)
        assert names == [
            f"{accession}-01.txt",
            f"{accession}-01.txt.md5",
            f"{accession}-02.txt",
            f"{accession}-02.txt.md5",
        ], names
    # never half: no partial folder left behind in the public tree
    hidden = [info.name for info in site.store().list("public/OMIX") if info.name[0] == "."]
    assert hidden == []


@pytest.fixture(scope="module")
def people(site: Site) -> tuple[ApiUser, ApiUser]:
    owner = new_user(site.nodes[0].api, prefix="releaser")
    curator = make_curator(site.nodes[1], new_user(site.nodes[1].api, prefix="curator"))
    return owner, curator


@pytest.mark.parametrize("round_", [1, 2])
def test_twenty_datasets_due_at_once_are_each_released_once(
    site: Site, people: tuple[ApiUser, ApiUser], round_: int
) -> None:
    owner, curator = people
    days = 3 * round_
    accessions = _curated_for(site, owner, curator, COUNT, days)
    assert not any(dataset(owner, a)["released_at"] for a in accessions)
    _move_clock(site, days)  # both schedulers find all twenty due now
    _wait_all_released(owner, accessions)
    _released_once(site, accessions)
    by_node = Counter()
    for node in site.nodes:
        text = node.log_path.read_text(errors="replace") if node.log_path else ""
        by_node[node.http_port] = sum(f"released {a} (" in text for a in accessions)
    print(f"round {round_}: releases per node {dict(by_node)}")


def test_after_every_node_was_down_the_nodes_catch_up_once_and_lose_nothing(
    site: Site, people: tuple[ApiUser, ApiUser]
) -> None:
    owner, curator = people
    days = clock_offset[0] + 3
    accessions = _curated_for(site, owner, curator, 5, days)
    site.stop()
    _move_clock(site, days)  # the date passes while no process runs
    site.start()
    _wait_all_released(owner, accessions)
    _released_once(site, accessions)
    # everything released before the restart is still served, from either node
    assert len(released_so_far) == 2 * COUNT + 5
    for index, (_accession, submitted) in enumerate(sorted(released_so_far.items())):
        node = site.nodes[index % 2]
        for name, content in submitted.files.items():
            file_id = name.split(".", 1)[0]
            got = requests.get(f"{node.api}/public/files/{file_id}/download", timeout=30)
            assert got.status_code == 200, got.text
            assert md5(got.content) == md5(content), name
