"""Dialogs as coroutines, without a nested event loop.

``QDialog.exec()`` and the static helpers (``QMessageBox.question``,
``QInputDialog.getText``, ``QFileDialog.getOpenFileNames``…) spin a second
event loop. Under qasync that loop steps other tasks (background polling)
while the calling task is still running, and asyncio answers
"RuntimeError: Cannot enter into task…". Here every dialog is opened with
``open()`` (window-modal for the user, not for the loop) and awaited through
a future resolved by its ``finished`` signal, so the one event loop keeps
running and polling goes on while the dialog is open.

Use these from coroutines (``screen.spawn(...)``); a cancelled coroutine
(its screen closed) rejects and removes its dialog.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import shiboken6
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

from omix_desktop.ui.fit import fit_headers


async def run_dialog(dialog: QDialog) -> int:
    """Open ``dialog`` and wait until it is finished; its result code.

    The caller still owns ``dialog`` (read its values, then ``deleteLater()``).
    """
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not future.done():
            future.set_result(int(result))

    dialog.finished.connect(finished)
    dialog.open()
    fit_headers(dialog)  # Qt's own lists too (the file dialog's "Date Modified" was cut)
    try:
        return await future
    except asyncio.CancelledError:
        if shiboken6.isValid(dialog) and dialog.isVisible():
            dialog.reject()
        raise
    finally:
        if shiboken6.isValid(dialog):  # not gone with its parent (a screen closed)
            dialog.finished.disconnect(finished)


async def accepted(dialog: QDialog) -> bool:
    """True when the user accepted ``dialog`` (OK, Save…)."""
    return await run_dialog(dialog) == QDialog.DialogCode.Accepted


async def ask_text(
    parent: QWidget,
    title: str,
    label: str,
    text: str = "",
    *,
    multiline: bool = False,
    min_chars: int = 0,
) -> str | None:
    """The text typed (``None`` when cancelled); ``multiline`` for a paragraph.

    ``min_chars``: the field is at least that many average characters wide, so
    the expected content (a MOST number, a project title) shows whole.
    """
    dialog = QInputDialog(parent)
    dialog.setObjectName("ask_text")
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    if multiline:
        dialog.setOption(QInputDialog.InputDialogOption.UsePlainTextEditForTextInput)
    else:
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
    dialog.setTextValue(text)
    field = dialog.findChild(QLineEdit if not multiline else QPlainTextEdit)
    if min_chars and field is not None:
        field.setMinimumWidth(field.fontMetrics().averageCharWidth() * min_chars + 16)
    try:
        return dialog.textValue() if await accepted(dialog) else None
    finally:
        dialog.deleteLater()


async def ask_yes_no(parent: QWidget, title: str, question: str) -> bool:
    """True when the user answers Yes."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question, parent=parent)
    box.setObjectName("ask_yes_no")
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    try:
        await run_dialog(box)
        clicked = box.clickedButton()
        return clicked is not None and box.standardButton(clicked) == QMessageBox.StandardButton.Yes
    finally:
        box.deleteLater()


async def inform(parent: QWidget, title: str, text: str) -> None:
    """A message with one button (about boxes, notices)."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=parent)
    box.setObjectName("inform")
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    try:
        await run_dialog(box)
    finally:
        box.deleteLater()


def _file_dialog(parent: QWidget, caption: str, directory: str, name_filter: str) -> QFileDialog:
    dialog = QFileDialog(parent, caption, directory)
    dialog.setObjectName("file_dialog")
    if name_filter:
        dialog.setNameFilter(name_filter)
    return dialog


async def _chosen(dialog: QFileDialog) -> list[str]:
    try:
        return list(dialog.selectedFiles()) if await accepted(dialog) else []
    finally:
        dialog.deleteLater()


async def open_file_names(
    parent: QWidget, caption: str, directory: str = "", name_filter: str = ""
) -> list[str]:
    """Existing files the user chose (empty when cancelled)."""
    dialog = _file_dialog(parent, caption, directory, name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return await _chosen(dialog)


async def open_file_name(
    parent: QWidget, caption: str, directory: str = "", name_filter: str = ""
) -> str:
    """One existing file ("" when cancelled)."""
    dialog = _file_dialog(parent, caption, directory, name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    chosen = await _chosen(dialog)
    return chosen[0] if chosen else ""


async def save_file_name(
    parent: QWidget, caption: str, directory: str = "", name_filter: str = ""
) -> str:
    """Where to save ("" when cancelled); the platform asks before overwriting."""
    dialog = _file_dialog(parent, caption, directory, name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    suffix = Path(directory).suffix.lstrip(".")
    if suffix:
        dialog.setDefaultSuffix(suffix)
    chosen = await _chosen(dialog)
    return chosen[0] if chosen else ""


async def existing_directory(parent: QWidget, caption: str, directory: str = "") -> str:
    """A folder ("" when cancelled)."""
    dialog = _file_dialog(parent, caption, directory, "")
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    chosen = await _chosen(dialog)
    return chosen[0] if chosen else ""
