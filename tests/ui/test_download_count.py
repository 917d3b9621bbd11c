"""The download count in the app equals the web page's after real downloads.

Released data read its dataset once, when it was opened: the server counted a
download (and the web page said 1) while the app's Downloads column kept the
0 it had read before. Here the app downloads over HTTPS (a TLS relay on
loopback in front of the server, as a site's reverse proxy) through its own
engine (segmented for the 5 MiB file), another client downloads with a plain
HTTPS GET, and the app's Released data and the owner's My submissions show
the same numbers as the public web page.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

import requests
from pytestqt.qtbot import QtBot

from omix_desktop.ui.released import ReleasedScreen
from omix_desktop.ui.released.screen import FILE_COLUMNS as RELEASED_COLUMNS
from omix_desktop.ui.submissions import SubmissionsScreen
from omix_desktop.ui.submissions.screen import FILE_COLUMNS as SUBMISSION_COLUMNS
from tests.support.accounts import new_user
from tests.support.release import new_curator, released
from tests.support.server import ServerProcess
from tests.ui.tls_proxy import https_in_front
from tests.ui.web_cells import web_cells


def app_counts(screen: ReleasedScreen) -> dict[str, str]:
    column = RELEASED_COLUMNS.index("downloads")
    table = screen.files
    return {
        table.item(row, 0).text(): table.item(row, column).text() for row in range(table.rowCount())
    }


def test_app_and_web_page_count_the_same_https_downloads(
    make_context, loop, qtbot: QtBot, server: ServerProcess, tmp_path: Path, monkeypatch, request
) -> None:
    owner, curator = new_user(server.api, prefix="counted"), new_curator(server)
    big, small = os.urandom(5 * 1024 * 1024 + 3), os.urandom(70_000)
    accession = released(server, owner, curator, {"big.fq": big, "small.fq": small}).accession
    https = contextlib.ExitStack()
    url, certificate = https.enter_context(https_in_front(server, tmp_path))
    request.addfinalizer(https.close)  # the relay stops with the test, whatever happens
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate))  # trust the relay's certificate

    context = make_context(server=server, server_url=url)  # signed out: no account needed
    screen = ReleasedScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    loop.run_until_complete(screen.open(accession))
    ids = [item.file_id for item in screen.current.files]
    assert app_counts(screen) == dict.fromkeys(ids, "0")

    done = loop.run_until_complete(screen.download(ids, tmp_path))
    assert sorted(done.values()) == sorted(hashlib.md5(d).hexdigest() for d in (big, small))
    # without reopening the dataset: the view shows what the server counted
    assert app_counts(screen) == dict.fromkeys(ids, "1")
    for file_id in ids:
        assert web_cells(server, accession, file_id)["downloads"] == "1"

    # another client downloads the small file over HTTP(S): the app's next look says 2
    small_file = next(item for item in screen.current.files if item.size == len(small))
    api = context.session.api
    address = api.on_this_server(small_file.download_url)
    assert address.startswith("https://") and api.server_url == url  # HTTPS all the way
    got = requests.get(address, timeout=30, verify=str(certificate))
    assert got.content == small
    loop.run_until_complete(screen.open(accession))
    assert app_counts(screen)[small_file.file_id] == "2"
    assert web_cells(server, accession, small_file.file_id)["downloads"] == "2"

    # the owner sees the same numbers in My submissions
    mine = make_context(server=server)
    loop.run_until_complete(mine.session.sign_in(owner.email, owner.password))
    submissions = SubmissionsScreen(mine)
    qtbot.addWidget(submissions)
    loop.run_until_complete(submissions.open(accession))
    column = SUBMISSION_COLUMNS.index("downloads")
    files = submissions.files
    assert files.rowCount() == 2
    owner_counts = {
        files.item(r, 0).text(): files.item(r, column).text() for r in range(files.rowCount())
    }
    assert owner_counts == {
        file_id: web_cells(server, accession, file_id)["downloads"] for file_id in ids
    }
    assert owner_counts[small_file.file_id] == "2"
