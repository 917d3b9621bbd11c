"""My submissions against the real server: table, MD5 fix, edits, reviewer link, release."""

from __future__ import annotations

import asyncio
import hashlib
import os
from datetime import date, timedelta

import requests
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from omix_desktop.ui.submissions import SubmissionsScreen
from tests.support.accounts import new_user
from tests.support.release import approve, new_curator, submit
from tests.support.server import ServerProcess
from tests.support.submission import bioproject, dataset_body, file_entry, online_upload
from tests.ui.support import run_until


def sign_in(context, loop, user) -> None:
    loop.run_until_complete(context.session.sign_in(user.email, user.password))


def screen_for(context, loop, qtbot: QtBot) -> SubmissionsScreen:
    screen = SubmissionsScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    loop.run_until_complete(screen.refresh())
    return screen


def with_wrong_md5(user) -> tuple[str, bytes]:
    data = os.urandom(4096)
    upload = online_upload(user, "counts.tsv", data)
    body = dataset_body(
        bioproject(user),
        [file_entry(upload=upload["token"], md5_value="0" * 32, title="Counts")],
        release_date=(date.today() + timedelta(days=90)).isoformat(),
    )
    response = user.post("/datasets", json=body)
    assert response.status_code == 201, response.text
    return response.json()["accession"], data


def test_table_shows_my_datasets_only_and_searches(
    context, loop, qtbot: QtBot, server: ServerProcess, user
) -> None:
    mine = submit(user).accession
    other = submit(new_user(server.api, prefix="neighbour")).accession
    sign_in(context, loop, user)
    screen = screen_for(context, loop, qtbot)
    shown = [screen.proxy.index(row, 0).data() for row in range(screen.proxy.rowCount())]
    assert mine in shown and other not in shown
    screen.search.setText("no such dataset")
    assert screen.proxy.rowCount() == 0
    screen.search.setText(mine[-3:])
    assert screen.proxy.rowCount() == 1


def test_fixing_a_wrong_md5_archives_the_dataset_and_notifies(
    context, loop, qtbot: QtBot, user
) -> None:
    accession, data = with_wrong_md5(user)
    sign_in(context, loop, user)
    screen = screen_for(context, loop, qtbot)
    run_until(loop, lambda: _status(screen, accession) == "MD5 Checked Failed", timeout=20)
    loop.run_until_complete(screen.refresh())
    loop.run_until_complete(screen.open(accession))
    assert screen.current is not None and screen.current.status == "MD5 Checked Failed"
    file_id = screen.current.files[0].file_id
    notices: list[str] = []
    screen.notified.connect(notices.append)
    loop.run_until_complete(screen.fix_md5(file_id, hashlib.md5(data).hexdigest()))
    assert screen.current.status == "Archived"
    assert notices and accession in notices[0] and "archived" in notices[0]


def test_edit_reviewer_link_and_early_release(
    context, loop, qtbot: QtBot, server: ServerProcess, user
) -> None:
    submitted = submit(user, release_date=date.today() + timedelta(days=60))
    accession = submitted.accession
    sign_in(context, loop, user)
    screen = screen_for(context, loop, qtbot)
    loop.run_until_complete(screen.open(accession))

    loop.run_until_complete(
        screen.edit_info({"title": "Revised title", "description": "Revised description."})
    )
    assert screen.current.title == "Revised title"

    url = loop.run_until_complete(screen.make_review_link())
    assert url and QGuiApplication.clipboard().text() == url
    assert requests.get(url, timeout=30).status_code == 200
    assert url in screen.message.text()
    assert context.session.api.review_link(accession) is not None
    # the address exists only in the answer that made it: later the screen says a link is open
    assert loop.run_until_complete(screen.make_review_link()) is None
    assert "has been open since" in screen.message.text()
    assert "New reviewer link" in screen.message.text() and url not in screen.message.text()
    assert screen.buttons["new_link"].isEnabled()
    # a new link replaces the open one: the old address stops working
    newer = loop.run_until_complete(screen.make_review_link(replace=True))
    assert newer and newer != url and QGuiApplication.clipboard().text() == newer
    assert "previous link no longer works" in screen.message.text()
    assert requests.get(url, timeout=30).status_code == 410
    assert requests.get(newer, timeout=30).status_code == 200
    screen._close_link()
    run_until(loop, lambda: context.session.api.review_link(accession) is None, timeout=10)

    approve(new_curator(server), accession)
    notices: list[str] = []
    screen.notified.connect(notices.append)
    loop.run_until_complete(screen.refresh())
    loop.run_until_complete(screen.release_early(date.today()))

    async def until_released() -> None:
        for _attempt in range(100):  # bounded: 20 s at most
            await screen.refresh()
            if _status(screen, accession) == "Released":
                return
            await asyncio.sleep(0.2)

    loop.run_until_complete(until_released())
    assert _status(screen, accession) == "Released"
    assert any("released" in text for text in notices)
    assert not screen.buttons["edit"].isEnabled()  # nothing but the MOST number after release


def test_language_switch(context, loop, qtbot: QtBot, user) -> None:
    submit(user)
    sign_in(context, loop, user)
    screen = screen_for(context, loop, qtbot)
    context.translator.set_language("zh_CN")
    assert screen.heading.text() == "我的提交"
    assert screen.model.headerData(0, _horizontal()) == "编号"
    context.translator.set_language("en")
    assert screen.heading.text() == "My submissions"


def _horizontal():
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal


def _status(screen: SubmissionsScreen, accession: str) -> str | None:
    for row in screen.model.rows:
        if row.accession == accession:
            return row.status
    return None


def test_add_files_online_and_refuse_pre_uploaded_files_without_a_local_md5(
    context, loop, qtbot: QtBot, server: ServerProcess, user, tmp_path
) -> None:
    from tests.support.submission import ftp_put

    accession = submit(user).accession
    sign_in(context, loop, user)
    screen = screen_for(context, loop, qtbot)
    loop.run_until_complete(screen.open(accession))
    before = screen.current.file_count

    extra = tmp_path / "extra_counts.tsv"
    extra.write_bytes(os.urandom(3000))
    loop.run_until_complete(screen.add_online([extra]))
    assert screen.current.file_count == before + 1
    added = [item for item in screen.current.files if item.title == "extra_counts.tsv"]
    assert added and added[0].md5 == hashlib.md5(extra.read_bytes()).hexdigest()
    assert "1 file added" in screen.message.text()

    ftp_put(server, user, "elsewhere.fq", b"uploaded by another program")
    loop.run_until_complete(screen.add_from_preupload(["elsewhere.fq"]))
    assert "No MD5 from this computer for elsewhere.fq" in screen.message.text()
    assert screen.current.file_count == before + 1  # nothing added without a local MD5
