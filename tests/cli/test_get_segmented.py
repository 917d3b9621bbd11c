"""``omix-upload get`` of a large released file: byte ranges over several connections,
resumed after a cut, then checked again by ``md5sum -c`` as a downloader would."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
from pathlib import Path

import pytest
import requests

from omix_desktop.api import ApiClient
from omix_desktop.transfer import range_journal
from omix_desktop.transfer.http_download import Download, DownloadError
from omix_desktop.transfer.range_journal import Journal
from omix_desktop.transfer.segmented_download import RangePolicy, fetch_segmented
from tests.cli.terminal import Terminal
from tests.support.accounts import new_user
from tests.support.release import new_curator, released
from tests.support.server import ServerProcess

pytestmark = pytest.mark.timeout(180)
MiB = 1024 * 1024
SIZE = 5 * MiB + 321  # above the 4 MiB threshold: segmented by default


@pytest.fixture(scope="module")
def release(server: ServerProcess) -> tuple[str, str, bytes]:
    """(accession, public name, content) of a released open dataset of one file."""
    owner, curator = new_user(server.api, prefix="getseg"), new_curator(server)
    data = os.urandom(SIZE)
    submitted = released(server, owner, curator, {"big.fq": data})
    (name,) = submitted.files
    return submitted.accession, name, data


@pytest.fixture
def cli(server: ServerProcess, tmp_path: Path) -> Terminal:
    return Terminal(server, tmp_path / "home", new_user(server.api, prefix="getcli"))


def md5sum_check(folder: Path, name: str) -> None:
    verify = subprocess.run(["md5sum", "-c", f"{name}.md5"], cwd=folder, capture_output=True,
                            text=True, timeout=30)  # fmt: skip
    assert verify.returncode == 0 and f"{name}: OK" in verify.stdout, verify.stderr


def test_get_with_four_connections_then_md5sum(
    cli: Terminal, release: tuple[str, str, bytes], tmp_path: Path
) -> None:
    accession, name, data = release
    folder = tmp_path / "data"
    done = cli.ok("--server", cli.server.url, "get", accession, "--connections", "4",
                  "-o", str(folder), "--json")  # fmt: skip
    (row,) = json.loads(done.stdout)
    assert row["error"] is None and row["connections"] == 4
    assert row["md5"] == hashlib.md5(data).hexdigest() and row["received"] == len(data)
    assert (folder / name).read_bytes() == data
    assert sorted(p.name for p in folder.iterdir()) == [name, f"{name}.md5"]
    md5sum_check(folder, name)


def test_get_resumes_a_cut_download_fetching_only_the_rest(
    cli: Terminal, release: tuple[str, str, bytes], tmp_path: Path
) -> None:
    accession, name, data = release
    folder = tmp_path / "data"
    folder.mkdir()
    url = ApiClient(cli.server.url).public_dataset(accession).files[0].download_url
    url = ApiClient(cli.server.url).on_this_server(url)
    job = Download(url, folder / name, hashlib.md5(data).hexdigest(), len(data))
    stop = threading.Event()

    def cut_after_two_mib(done: int, _total: int) -> None:
        if done >= 2 * MiB:
            stop.set()

    with pytest.raises(DownloadError):  # as the desktop app would leave it when closed
        fetch_segmented(requests.Session(), job, progress=cut_after_two_mib, cancel=stop,
                        policy=RangePolicy(chunk_min=256 * 1024, chunk_max=MiB))  # fmt: skip
    journal = Journal.load(job.part)
    assert journal is not None
    kept = range_journal.total(journal.done)

    done = cli.ok("--server", cli.server.url, "get", accession, "-o", str(folder), "--json")
    (row,) = json.loads(done.stdout)
    assert row["error"] is None and row["received"] == len(data) - kept
    assert (folder / name).read_bytes() == data
    md5sum_check(folder, name)


def test_connections_must_be_a_number_or_auto(cli: Terminal, tmp_path: Path) -> None:
    done = cli.run("get", "OMIX000001", "--connections", "lots", "-o", str(tmp_path))
    assert done.returncode == 2
    assert "lots is not a number of connections: give 1 to 16, or auto." in done.stderr
    chinese = Terminal(cli.server, cli.home, cli.user, "zh_CN").run(
        "get", "OMIX000001", "--connections", "0", "-o", str(tmp_path)
    )
    assert chinese.returncode == 2 and "0 不是有效的连接数" in chinese.stderr
