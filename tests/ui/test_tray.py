"""Tray icon, overall progress and notifications, over real uploads to the real server."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from PySide6.QtGui import QAccessible
from pytestqt.qtbot import QtBot

from omix_desktop.transfer import ItemState, PlannedFile
from omix_desktop.ui.main_window import MainWindow
from omix_desktop.ui.transfer_summary import Notification
from tests.ui.support import run_until


def signed_in_window(context, loop, user, qtbot: QtBot) -> MainWindow:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    loop.run_until_complete(context.session.sign_in(user.email, user.password))
    run_until(loop, lambda: context.uploads.queue is not None)
    return window


def queue_files(context, loop, files: list[tuple[Path, str]]) -> list[int]:
    async def add() -> list[int]:
        items = context.uploads.queue.add([PlannedFile(p, PurePosixPath(r)) for p, r in files])
        return [item.id for item in items]

    return loop.run_until_complete(add())


def test_progress_in_status_bar_and_tray_then_one_notification_for_the_run(
    context, qtbot: QtBot, loop, user, tmp_path: Path
) -> None:
    window = signed_in_window(context, loop, user, qtbot)
    notes: list[Notification] = []
    window.summary.notify.connect(notes.append)
    assert not window.progress.isVisible()  # nothing to upload yet
    assert window.tray.progress_action.text() == "No transfers"
    context.uploads.queue.set_speed_limit(2_000_000)  # slow enough to be seen moving
    files = []
    for index in range(3):
        path = tmp_path / f"s{index}.fq"
        path.write_bytes(os.urandom(600_000))
        files.append((path, f"tray/s{index}.fq"))
    ids = queue_files(context, loop, files)

    run_until(loop, lambda: window.summary.busy and window.progress.isVisible())
    assert window.tray.progress_action.text().startswith("Uploading: ")
    assert window.tray.icon.toolTip().startswith("OMIX Desktop\nUploading: ")
    # screen readers: the bar is named, its value and the sentence are exposed
    assert window.progress.accessibleName() == "Overall transfer progress"
    assert window.progress.accessibleDescription() == window.summary.text()

    queue = context.uploads.queue
    run_until(loop, lambda: all(queue.get(i).state is ItemState.VERIFIED for i in ids))
    run_until(loop, lambda: notes)
    assert notes == [
        Notification("done", "Uploads finished", "3 files uploaded and verified by their MD5.")
    ]
    assert window.tray.shown == notes[0]
    assert "Uploads finished" in window.statusBar().currentMessage()
    assert window.progress.value() == 100
    # what a screen reader reads: the bar's value, and each row's progress in Transfers
    bar = QAccessible.queryAccessibleInterface(window.progress)
    assert bar.valueInterface().currentValue() == 100
    transfers = window.screens["transfers"]
    transfers.lists.flush()
    view = QAccessible.queryAccessibleInterface(transfers.views["successful"])
    cells = [view.child(i) for i in range(view.childCount())]
    spoken = [c.text(QAccessible.Text.Name) for c in cells if c.role() == QAccessible.Role.Cell]
    assert spoken.count("100 %") == 3
    assert window.tray.progress_action.text() == "Uploads done: 100% of 1.8 MB"


def test_tray_menu_pauses_and_resumes_everything(context, qtbot: QtBot, loop, user) -> None:
    window = signed_in_window(context, loop, user, qtbot)
    tray = window.tray
    texts = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
    assert texts[1:] == [
        "Show OMIX Desktop",
        "Pause all transfers",
        "Resume all transfers",
        "Quit",
    ]
    queue = context.uploads.queue
    assert tray.pause_action.isEnabled() and not tray.resume_action.isEnabled()
    tray.pause_action.trigger()
    assert queue.paused
    assert tray.resume_action.isEnabled() and not tray.pause_action.isEnabled()
    tray.resume_action.trigger()
    assert not queue.paused
    window.showMinimized()
    tray.show_action.trigger()
    assert not window.isMinimized()

    window.language_actions["zh_CN"].trigger()
    assert tray.pause_action.text() == "暂停全部传输"
    assert tray.progress_action.text() == "没有传输任务"


def test_a_failure_is_notified_unless_switched_off_in_settings(
    context, qtbot: QtBot, loop, user, tmp_path: Path
) -> None:
    window = signed_in_window(context, loop, user, qtbot)
    notes: list[Notification] = []
    window.summary.notify.connect(notes.append)
    local = tmp_path / "a.fq"
    local.write_bytes(os.urandom(1000))
    window.language_actions["zh_CN"].trigger()
    (bad,) = queue_files(context, loop, [(local, "bad name.fq")])  # a space: refused
    queue = context.uploads.queue
    run_until(loop, lambda: queue.get(bad).state is ItemState.FAILED)
    run_until(loop, lambda: notes)
    assert len(notes) == 1 and notes[0].kind == "failed"
    assert notes[0].title == "上传失败：bad name.fq"
    assert notes[0].body and notes[0].body.isascii() is False  # the reason, in Chinese

    # the switch in Settings, saved at once
    settings = window.settings_screen
    assert settings.notify_check.isChecked()
    settings.notify_check.click()
    assert context.settings.notifications is False
    assert context.config.load().notifications is False
    notes.clear()
    (again,) = queue_files(context, loop, [(local, "also bad.fq")])
    run_until(loop, lambda: queue.get(again).state is ItemState.FAILED)
    loop.run_until_complete(_sleep(2.0))  # past the moment notifications are gathered
    assert notes == []
    window.language_actions["en"].trigger()


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
