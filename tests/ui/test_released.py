"""Released data: browse, search, download with MD5 check, request access to controlled data."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pytestqt.qtbot import QtBot

from omix_desktop.ui.released import ReleasedScreen
from tests.support.accounts import new_user
from tests.support.release import new_curator, released
from tests.support.server import ServerProcess


def screen_for(context, loop, qtbot: QtBot) -> ReleasedScreen:
    screen = ReleasedScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    loop.run_until_complete(screen.load())
    return screen


def test_browse_search_open_and_download(
    context, loop, qtbot: QtBot, server: ServerProcess, tmp_path: Path
) -> None:
    owner, curator = new_user(server.api, prefix="pub"), new_curator(server)
    data = os.urandom(200_000)
    accession = released(server, owner, curator, {"leaf.fq": data}).accession

    screen = screen_for(context, loop, qtbot)  # signed out: open data needs no account
    assert accession in [row.accession for row in screen.model.rows]
    screen.search.setText(accession)
    loop.run_until_complete(screen.load())
    assert [row.accession for row in screen.model.rows] == [accession]
    screen.search.setText("zzzznothingmatches")
    loop.run_until_complete(screen.load())
    assert screen.model.rows == []

    loop.run_until_complete(screen.open(accession))
    assert screen.current is not None and screen.files.rowCount() == 1
    file_id = screen.current.files[0].file_id
    done = loop.run_until_complete(screen.download([file_id], tmp_path))
    assert done == {file_id: hashlib.md5(data).hexdigest()}
    assert (tmp_path / screen.current.files[0].name).read_bytes() == data
    assert "1 of 1" in screen.message.text()


def test_controlled_data_request_approval_then_download(
    context, loop, qtbot: QtBot, server: ServerProcess, user, tmp_path: Path
) -> None:
    owner, curator = new_user(server.api, prefix="ctl"), new_curator(server)
    data = os.urandom(5000)
    accession = released(
        server, owner, curator, {"cohort.vcf": data}, access="controlled"
    ).accession
    loop.run_until_complete(context.session.sign_in(user.email, user.password))
    screen = screen_for(context, loop, qtbot)
    loop.run_until_complete(screen.open(accession))
    assert screen.request_button.isVisibleTo(screen)
    file_id = screen.current.files[0].file_id

    refused = loop.run_until_complete(screen.download([file_id], tmp_path))
    assert refused == {}
    assert "request access" in screen.file_states[file_id]

    loop.run_until_complete(screen.request_access("Comparing variant calls across cohorts."))
    assert "waiting" in screen.access_label.text()
    request_id = owner.get(f"/datasets/{accession}/access-requests").json()[0]["id"]
    decided = owner.post(
        f"/datasets/{accession}/access-requests/{request_id}/approve", json={"message": "Granted."}
    )
    assert decided.status_code == 200, decided.text
    loop.run_until_complete(screen.refresh_access())
    assert "approved" in screen.access_label.text() and "Granted." in screen.access_label.text()
    done = loop.run_until_complete(screen.download([file_id], tmp_path))
    assert done == {file_id: hashlib.md5(data).hexdigest()}


def test_language_switch(context, loop, qtbot: QtBot) -> None:
    screen = screen_for(context, loop, qtbot)
    context.translator.set_language("zh_CN")
    assert screen.heading.text() == "已发布数据"
    context.translator.set_language("en")
    assert screen.heading.text() == "Released data"
