"""A typed MD5 that contradicts this computer's: warned at the field, explained, fixed."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import PurePosixPath

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QLineEdit
from pytestqt.qtbot import QtBot

from omix_desktop.transfer import ItemState, PlannedFile
from omix_desktop.ui.dataset_form.files_table import COLUMNS
from omix_desktop.ui.submissions import SubmissionsScreen
from omix_desktop.ui.submissions.screen import FILE_COLUMNS
from tests.ui.support import run_until
from tests.ui.test_dialogs import open_dialog
from tests.ui.test_new_dataset import fill_info, new_screen, set_cell, sign_in


def cell_of(table, path: str, column: str):
    for row in range(table.rowCount()):
        item = table.item(row, COLUMNS.index(column))
        if item.data(Qt.ItemDataRole.UserRole) == path:
            return item
    raise AssertionError(path)


def type_into_cell(qtbot: QtBot, table, path: str, column: str, text: str) -> None:
    """Edit a cell as a user does: open its editor, replace the text, press Enter."""
    item = cell_of(table, path, column)
    table.setCurrentItem(item)
    table.editItem(item)
    editors = [e for e in table.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    editor = editors[0]
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState)  # committed (queued)


def test_typed_md5_against_the_computed_one(context, loop, qtbot: QtBot, user, tmp_path) -> None:
    sign_in(context, loop, user)
    run_until(loop, lambda: context.uploads.queue is not None)
    local = tmp_path / "leaf_2.fq"
    local.write_bytes(os.urandom(20_000))
    computed = hashlib.md5(local.read_bytes()).hexdigest()
    queue = context.uploads.queue

    async def send() -> None:
        queue.add([PlannedFile(local, PurePosixPath("leaf_2.fq"))])

    loop.run_until_complete(send())
    run_until(loop, lambda: queue.items()[0].state is ItemState.VERIFIED, timeout=30)

    # the form: the MD5 is filled in; a different one typed is warned about at the field
    form = new_screen(context, loop, qtbot)
    entry = form.files.entries["leaf_2.fq"]
    assert entry.md5 == computed and entry.computed_md5 == computed
    wrong = "0123456789abcdef0123456789abcdef"
    type_into_cell(qtbot, form.files, "leaf_2.fq", "md5", wrong)
    assert entry.md5 == wrong
    note = cell_of(form.files, "leaf_2.fq", "note")
    assert "differs from the one this computer computed" in note.text()
    assert computed in note.text()
    assert cell_of(form.files, "leaf_2.fq", "md5").toolTip() == note.text()
    type_into_cell(qtbot, form.files, "leaf_2.fq", "md5", computed.upper())  # any case is fine
    assert "differs" not in cell_of(form.files, "leaf_2.fq", "note").text()
    type_into_cell(qtbot, form.files, "leaf_2.fq", "md5", wrong)
    set_cell(form, "leaf_2.fq", "use", True)
    fill_info(form, loop)
    accession = loop.run_until_complete(form.submit())  # a warning, not a refusal
    assert accession

    # My submissions: the failure is explained, and Fix MD5 opens with the computed MD5
    screen = SubmissionsScreen(context)
    qtbot.addWidget(screen)
    screen.show()

    async def until_failed() -> None:
        for _ in range(200):
            await screen.open(accession)
            if screen.current is not None and screen.current.status == "MD5 Checked Failed":
                return
            await asyncio.sleep(0.1)

    loop.run_until_complete(until_failed())
    assert screen.current.status == "MD5 Checked Failed"
    note = screen.files.item(0, FILE_COLUMNS.index("note")).text()
    assert "The MD5 you typed differs from the file's" in note and computed in note
    assert screen.files.item(0, FILE_COLUMNS.index("note")).toolTip() == note
    context.translator.set_language("zh_CN")
    chinese = screen.files.item(0, FILE_COLUMNS.index("note")).text()
    assert chinese != note and computed in chinese and "MD5" in chinese
    context.translator.set_language("en")

    screen.files.selectRow(0)
    qtbot.mouseClick(screen.buttons["fix_md5"], Qt.MouseButton.LeftButton)
    run_until(loop, lambda: open_dialog(screen, QInputDialog) is not None, timeout=10)
    dialog = open_dialog(screen, QInputDialog)
    assert dialog.textValue() == computed
    assert "computed before the upload" in dialog.labelText()
    dialog.accept()
    run_until(loop, lambda: not shiboken6.isValid(dialog) or not dialog.isVisible())
    run_until(loop, lambda: screen.current.status == "Archived", timeout=20)
    assert screen.current.files[0].md5 == computed
