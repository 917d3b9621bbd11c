"""Dialogs never nest an event loop: polling goes on while each one is open.

Every kind of dialog My submissions opens (the Edit basic info form and the
New BioProject dialog opened from inside it, text, yes/no, the pre-upload
picker, the file picker, the release date) is opened by a click
while the screen polls the server in the background (its own watch, plus a
faster poller of the test that records the Qt event loop's nesting level at
each tick); the dialog is answered as a user would. A nested ``exec()``
would show as a loop level above the test's own and, under qasync, as
"RuntimeError: Cannot enter into task" in the background tasks (which fail
the test through the context's error reporter).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from omix_desktop.i18n.translator import Translator
from omix_desktop.ui.error_dialog import ErrorDialog, ErrorPresenter, install_exception_hook
from omix_desktop.ui.submissions import SubmissionsScreen
from omix_desktop.ui.submissions.edit_basic_info import BasicInfoDialog
from tests.ui.support import run_until
from tests.ui.test_submissions import screen_for, sign_in, with_wrong_md5


class Poller:
    """Refreshes the screen every 50 ms and records the loop level at each tick."""

    def __init__(self, screen: SubmissionsScreen, loop: asyncio.AbstractEventLoop) -> None:
        self.screen = screen
        self.levels: list[int] = []
        self.task = loop.create_task(self._run())

    async def _run(self) -> None:
        while True:
            self.levels.append(QThread.currentThread().loopLevel())
            await self.screen.refresh()
            await asyncio.sleep(0.05)

    def ticks(self) -> int:
        return len(self.levels)


def open_dialog(screen: QWidget, kind: type[QDialog]) -> QDialog | None:
    for dialog in screen.findChildren(kind):
        if dialog.isVisible():
            return dialog
    return None


def while_open(
    loop: asyncio.AbstractEventLoop,
    screen: QWidget,
    poller: Poller,
    kind: type[QDialog],
    answer: Callable[[QDialog], None],
) -> None:
    """Wait for the dialog, let polling tick a few times, answer, wait until it is gone."""
    run_until(loop, lambda: open_dialog(screen, kind) is not None, timeout=10)
    dialog = open_dialog(screen, kind)
    assert dialog is not None
    before = poller.ticks()
    run_until(loop, lambda: poller.ticks() >= before + 3, timeout=10)
    answer(dialog)
    run_until(loop, lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=10)


def click(screen: SubmissionsScreen, qtbot: QtBot, name: str) -> None:
    button = screen.buttons[name]
    assert button.isEnabled(), name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_and_accept(text: str) -> Callable[[QDialog], None]:
    def answer(dialog: QDialog) -> None:
        assert isinstance(dialog, QInputDialog)
        dialog.setTextValue(text)
        dialog.accept()

    return answer


def press(button: QMessageBox.StandardButton) -> Callable[[QDialog], None]:
    def answer(dialog: QDialog) -> None:
        assert isinstance(dialog, QMessageBox)
        dialog.button(button).click()

    return answer


def test_every_dialog_while_polling(context, loop, qtbot: QtBot, user, tmp_path) -> None:
    accession, data = with_wrong_md5(user)
    sign_in(context, loop, user)
    screen = screen_for(context, loop, qtbot)
    screen.activated()  # the screen's own watch polls too
    loop.run_until_complete(screen.open(accession))
    screen.files.selectRow(0)
    poller = Poller(screen, loop)
    qtbot.addWidget(screen)
    screen.destroyed.connect(lambda *_args: poller.task.cancel())
    run_until(loop, lambda: poller.ticks() >= 2)
    base = max(poller.levels)

    # the Edit basic info form, and the New BioProject dialog opened from inside it
    click(screen, qtbot, "edit")
    run_until(loop, lambda: open_dialog(screen, BasicInfoDialog) is not None, timeout=10)
    form = open_dialog(screen, BasicInfoDialog)
    before = poller.ticks()
    run_until(loop, lambda: poller.ticks() >= before + 3, timeout=10)
    qtbot.mouseClick(form.new_bioproject, Qt.MouseButton.LeftButton)
    while_open(loop, form, poller, QInputDialog, type_and_accept("Project made in a dialog"))
    run_until(loop, lambda: "Project made in a dialog" in form.bioproject.currentText())

    def fill_and_save(dialog: QDialog) -> None:
        assert isinstance(dialog, BasicInfoDialog)
        dialog.title.setText("Title typed in the form")
        dialog.description.setPlainText("A description.")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    while_open(loop, screen, poller, BasicInfoDialog, fill_and_save)
    run_until(loop, lambda: screen.current.title == "Title typed in the form")
    assert screen.current.description == "A description."

    # yes/no answered No: the file stays
    file_id = screen.current.files[0].file_id
    click(screen, qtbot, "delete_file")
    while_open(loop, screen, poller, QMessageBox, press(QMessageBox.StandardButton.No))
    assert [item.file_id for item in screen.current.files] == [file_id]

    # the Fix MD5 text dialog: the dataset is archived
    screen.files.selectRow(0)
    click(screen, qtbot, "fix_md5")
    while_open(loop, screen, poller, QInputDialog, type_and_accept(hashlib.md5(data).hexdigest()))
    run_until(loop, lambda: screen.current.status == "Archived")

    # the pre-upload picker (the reported crash), cancelled
    click(screen, qtbot, "add_ftp")
    while_open(loop, screen, poller, QDialog, lambda dialog: dialog.reject())

    # the file picker: a file chosen and sent online
    extra = tmp_path / "sent_online.tsv"
    extra.write_bytes(os.urandom(2000))

    def choose(dialog: QDialog) -> None:
        assert isinstance(dialog, QFileDialog)
        name = dialog.findChild(QLineEdit, "fileNameEdit")  # typed, as a user would
        name.setText(str(extra))
        dialog.accept()

    click(screen, qtbot, "add_online")
    while_open(loop, screen, poller, QFileDialog, choose)
    run_until(loop, lambda: any(f.title == extra.name for f in screen.current.files))

    # the release date dialog and the reviewer-link question, both declined
    click(screen, qtbot, "release")
    while_open(loop, screen, poller, QDialog, lambda dialog: dialog.reject())
    run_until(loop, lambda: screen.buttons["new_link"].isEnabled())
    click(screen, qtbot, "new_link")
    while_open(loop, screen, poller, QMessageBox, press(QMessageBox.StandardButton.No))
    assert context.session.api.review_link(accession) is None

    # the MOST number: cancelled, nothing saved
    click(screen, qtbot, "most")
    while_open(loop, screen, poller, QInputDialog, lambda dialog: dialog.reject())

    poller.task.cancel()
    assert max(poller.levels) == base, "a dialog spun a nested event loop"
    assert poller.ticks() >= 9 * 3  # three ticks or more while each of the nine dialogs was open


def test_closing_the_screen_closes_its_open_dialog(context, loop, qtbot: QtBot, user) -> None:
    accession, _data = with_wrong_md5(user)
    sign_in(context, loop, user)
    screen = screen_for(context, loop, qtbot)
    loop.run_until_complete(screen.open(accession))
    task = screen.spawn(screen.ask_edit_info())
    run_until(loop, lambda: open_dialog(screen, BasicInfoDialog) is not None)
    task.cancel()
    run_until(loop, lambda: task.done())
    assert open_dialog(screen, BasicInfoDialog) is None


def failing(number: int) -> RuntimeError:
    try:
        raise RuntimeError(f"failure number {number}")
    except RuntimeError as error:
        return error


def visible_error_dialogs() -> list[ErrorDialog]:
    from PySide6.QtWidgets import QApplication

    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog) and w.isVisible()
    ]


def test_errors_do_not_pile_up_and_close_works(loop, qtbot: QtBot) -> None:
    presenter = ErrorPresenter(Translator("zh_CN"), "/tmp/omix.log")
    restore = install_exception_hook(presenter.translator, "", presenter)
    try:

        async def many_errors() -> None:  # as a failing poll would, from inside a task
            for number in range(5):
                sys.excepthook(RuntimeError, failing(number), None)
                await asyncio.sleep(0)
            presenter.show(failing(99))

        loop.run_until_complete(many_errors())
    finally:
        restore()
    shown = visible_error_dialogs()
    assert len(shown) == 1
    dialog = shown[0]
    assert dialog.count == 6 and "6 个错误" in dialog.explanation.text()
    report = dialog.findChild(QPlainTextEdit).toPlainText()
    assert "failure number 0" in report and "failure number 99" in report
    close = [b for b in dialog.findChildren(QPushButton) if b.text() == "关闭"]
    qtbot.mouseClick(close[0], Qt.MouseButton.LeftButton)
    run_until(loop, lambda: not visible_error_dialogs())
    assert presenter.dialog is None
    presenter.show(failing(100))  # a later error opens a new dialog
    assert len(visible_error_dialogs()) == 1
    presenter.dialog.close()
    run_until(loop, lambda: not visible_error_dialogs())
