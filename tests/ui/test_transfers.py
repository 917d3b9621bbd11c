"""Transfers: real uploads to the reference server on loopback, through the app's queue."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePosixPath

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot

from omix_desktop.api.client import ApiClient
from omix_desktop.transfer import ItemState, Notice, PlannedFile
from omix_desktop.ui.prepare import PrepareScreen
from omix_desktop.ui.transfers import TransfersScreen
from omix_desktop.ui.transfers.model import Column
from tests.support.server import ServerProcess
from tests.ui.support import run_until


def sign_in(context, loop, user) -> None:
    loop.run_until_complete(context.session.sign_in(user.email, user.password))
    run_until(loop, lambda: context.uploads.queue is not None)


def in_loop(loop, action) -> None:
    """Run ``action`` inside the running qasync loop, as everything runs in the app
    (Qt events it processes may step asyncio tasks, which need a running loop)."""

    async def run() -> None:
        action()

    loop.run_until_complete(run())


def transfers_screen(context, qtbot: QtBot) -> TransfersScreen:
    screen = TransfersScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    return screen


def cell(screen: TransfersScreen, name: str, row: int, column: Column) -> str:
    return screen.lists.models[name].index(row, column).data()


def server_md5s(context) -> dict[str, str | None]:
    api = context.session.api
    return {entry["path"]: entry["md5"] for entry in api.get_json("/preupload/files")}


def select_all(screen: TransfersScreen, name: str) -> None:
    screen.tabs.setCurrentIndex(["queued", "failed", "successful"].index(name))
    view = screen.views[name]
    model = screen.lists.models[name]
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in range(model.rowCount()):
        view.selectionModel().select(model.index(row, 0), flags)


def test_sent_files_move_from_queued_to_successful_and_the_server_confirms(
    context, qtbot: QtBot, loop, user, tmp_path: Path
) -> None:
    sign_in(context, loop, user)
    folder = tmp_path / "run1"
    (folder / "lane1").mkdir(parents=True)
    (folder / "lane1" / "a.fq").write_bytes(os.urandom(700_000))
    (folder / "b.fq").write_bytes(os.urandom(123_456))
    prepare = PrepareScreen(context)
    qtbot.addWidget(prepare)
    transfers = transfers_screen(context, qtbot)
    seen_queued: set[int] = set()
    transfers.lists.refreshed.connect(
        lambda: seen_queued.update(transfers.lists.models["queued"].ids)
    )
    prepare.add_paths([folder])
    run_until(loop, lambda: prepare.model.rows and all(f.md5 for f in prepare.model.rows))
    loop.run_until_complete(prepare.send_selected())
    assert prepare.message.text() == "2 files sent to Transfers."
    assert prepare.model.rows == []
    transfers.lists.flush()  # at once rather than at the next 250 ms refresh
    assert transfers.lists.counts()["queued"] == 2

    run_until(loop, lambda: transfers.lists.counts()["successful"] == 2)
    assert len(seen_queued) == 2  # they were listed as queued first
    run_until(
        loop,
        lambda: (
            all(c.state == "verified" for c in context.uploads.server_checks.values())
            and len(context.uploads.server_checks) == 2
        ),
    )
    transfers.lists.flush()
    on_server = server_md5s(context)
    for local, remote in (
        (folder / "lane1" / "a.fq", "run1/lane1/a.fq"),
        (folder / "b.fq", "run1/b.fq"),
    ):
        assert on_server[remote] == hashlib.md5(local.read_bytes()).hexdigest()
    names = {cell(transfers, "successful", r, Column.NAME): r for r in range(2)}
    assert set(names) == {"run1/lane1/a.fq", "run1/b.fq"}
    for row in names.values():
        assert cell(transfers, "successful", row, Column.STATE) == "Uploaded and verified"
        assert cell(transfers, "successful", row, Column.DETAIL) == (
            "Verified by the server (MD5 matches)"
        )
        assert cell(transfers, "successful", row, Column.PROGRESS) == "100 %"
    assert transfers.tabs.tabText(2) == "Successful (2)"
    assert transfers.tabs.tabText(0) == "Queued (0)"
    assert transfers.total_label.text().startswith(
        "2 files, 823 kB in all; 0 queued, 0 failed, 2 successful; 0 B/s"
    )


def test_a_refused_login_shows_reason_and_action_and_retry_works(
    context, qtbot: QtBot, loop, user, tmp_path: Path
) -> None:
    sign_in(context, loop, user)
    screen = transfers_screen(context, qtbot)
    queue = context.uploads.queue
    # the password changes elsewhere: the FTP server refuses the one the app holds
    other = ApiClient(context.session.server_url, retries=0)
    other.login(user.email, user.password)
    new_password = user.password + "-new"
    other.change_password(user.password, new_password)
    (tmp_path / "a.fq").write_bytes(b"ACGT" * 10_000)
    queue.add([PlannedFile(tmp_path / "a.fq", PurePosixPath("a.fq"))])
    run_until(loop, lambda: screen.lists.counts()["failed"] == 1)
    screen.lists.flush()
    assert cell(screen, "failed", 0, Column.STATE) == "Failed"
    assert cell(screen, "failed", 0, Column.DETAIL) == (
        "The FTP server refused the sign-in. Check the email and password."
    )
    assert cell(screen, "failed", 0, Column.ACTION) == "Check email and password"
    assert screen.status.text().startswith("All transfers are paused.")

    in_loop(loop, lambda: context.translator.set_language("zh_CN"))
    assert cell(screen, "failed", 0, Column.STATE) == "失败"
    assert screen.tabs.tabText(1) == "失败 (1)"
    assert (
        screen.lists.models["failed"].headerData(Column.ACTION, Qt.Orientation.Horizontal)
        == "建议操作"
    )
    in_loop(loop, lambda: context.translator.set_language("en"))

    # signing in again with the new password gives the queue the new credentials
    loop.run_until_complete(context.session.sign_in(user.email, new_password))
    run_until(loop, lambda: queue.settings.password == new_password)
    select_all(screen, "failed")
    assert screen.retry_button.isEnabled()
    screen.retry_button.click()
    run_until(loop, lambda: screen.lists.counts()["successful"] == 1)
    assert queue.get(screen.lists.models["successful"].ids[0]).state is ItemState.VERIFIED
    assert not queue.paused


def test_pause_and_resume_one_transfer(
    make_context, server: ServerProcess, qtbot: QtBot, loop, user, tmp_path: Path
) -> None:
    context = make_context(server=server, speed_limit_kib=64)
    sign_in(context, loop, user)
    screen = transfers_screen(context, qtbot)
    queue = context.uploads.queue
    data = os.urandom(1024 * 1024)
    (tmp_path / "slow.bin").write_bytes(data)
    (item,) = queue.add([PlannedFile(tmp_path / "slow.bin", PurePosixPath("slow.bin"))])
    run_until(loop, lambda: item.id in screen.lists.rows and screen.lists.rows[item.id].sent > 0)
    select_all(screen, "queued")
    assert screen.pause_button.isEnabled()
    screen.pause_button.click()
    run_until(loop, lambda: queue.get(item.id).paused and not queue.is_running(item.id))
    screen.lists.flush()
    assert cell(screen, "queued", 0, Column.STATE) == "Paused"
    assert screen.resume_button.isEnabled()

    screen.speed_spin.setValue(0)  # lift the limit from the connection panel
    screen.parallel_spin.setValue(3)
    screen.save_button.click()
    run_until(loop, lambda: queue.speed_limit is None and queue.concurrency == 3)
    assert context.config.load().speed_limit_kib == 0  # saved in the settings
    assert context.config.load().parallel_transfers == 3
    screen.resume_button.click()
    run_until(loop, lambda: queue.get(item.id).state is ItemState.VERIFIED)
    assert server_md5s(context)["slow.bin"] == hashlib.md5(data).hexdigest()


def test_quitting_mid_upload_resumes_on_the_next_start(
    make_context, server: ServerProcess, loop, user, tmp_path: Path
) -> None:
    first = make_context(server=server, speed_limit_kib=256)
    sign_in(first, loop, user)
    data = os.urandom(3 * 1024 * 1024)
    (tmp_path / "big.bin").write_bytes(data)
    queue = first.uploads.queue
    progress: list[int] = []
    first.uploads.events.subscribe(
        lambda e: progress.append(e.sent) if hasattr(e, "sent") and hasattr(e, "phase") else None
    )
    (item,) = queue.add([PlannedFile(tmp_path / "big.bin", PurePosixPath("big.bin"))])
    run_until(loop, lambda: progress and max(progress) >= 512 * 1024)
    loop.run_until_complete(first.uploads.close())  # the app quits mid-upload
    stored = first.uploads.queue
    assert stored is None

    second = make_context(server=server)  # same data folder, next start
    notices: list[Notice] = []
    second.uploads.events.subscribe(lambda e: notices.append(e) if isinstance(e, Notice) else None)
    sign_in(second, loop, user)
    again = second.uploads.queue
    assert [i.remote_path for i in again.items()] == [PurePosixPath("big.bin")]
    run_until(loop, lambda: again.items()[0].state is ItemState.VERIFIED)
    resumed = [n for n in notices if n.code == "resumed"]
    assert resumed and resumed[0].params["offset"] >= 256 * 1024  # not from zero
    item_id = again.items()[0].id
    run_until(
        loop, lambda: getattr(second.uploads.server_checks.get(item_id), "state", "") == "verified"
    )
    assert server_md5s(second)["big.bin"] == hashlib.md5(data).hexdigest()


@pytest.mark.parametrize("language", ["zh_CN"])
def test_transfers_screen_switches_language(make_context, qtbot: QtBot, language: str) -> None:
    context = make_context()
    screen = transfers_screen(context, qtbot)
    english = [screen.tabs.tabText(i) for i in range(3)] + [
        screen.lists.models["queued"].headerData(c, Qt.Orientation.Horizontal) for c in Column
    ]
    assert english[:3] == ["Queued (0)", "Failed (0)", "Successful (0)"]
    context.translator.set_language(language)
    chinese = [screen.tabs.tabText(i) for i in range(3)] + [
        screen.lists.models["queued"].headerData(c, Qt.Orientation.Horizontal) for c in Column
    ]
    assert chinese[:3] == ["排队中 (0)", "失败 (0)", "成功 (0)"]
    assert all(a != b for a, b in zip(english, chinese, strict=True))
    assert screen.status.text() == "登录后即可上传：传输使用您的账号。"


def test_a_speed_timetable_is_checked_as_typed_and_followed(
    make_context, server: ServerProcess, qtbot: QtBot, loop, user
) -> None:
    context = make_context(server=server)
    sign_in(context, loop, user)
    screen = transfers_screen(context, qtbot)
    queue = context.uploads.queue
    screen.schedule_edit.setText("8am,2M")
    assert "not readable" in screen.connection_message.text()
    screen.save_button.click()
    assert context.config.load().speed_schedule == ""  # not saved while unreadable
    screen.schedule_edit.setText("00:00,3M")  # 3 MiB/s all day
    assert screen.connection_message.text() == ""
    screen.save_button.click()
    run_until(loop, lambda: queue.speed_limit == 3 * 1024 * 1024)
    assert context.config.load().speed_schedule == "00:00,3M"
    screen.schedule_edit.setText("")
    screen.speed_spin.setValue(0)
    screen.save_button.click()
    run_until(loop, lambda: queue.speed_limit is None)
