"""The hands of the end-to-end guide test (test_guide_end_to_end.py): the app's main
window built as the app builds it, clicks and typing, dialogs found open on the
window and answered through their widgets, texts checked for the chosen language."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path

import shiboken6
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from omix_desktop.i18n.errors import fill
from omix_desktop.ui.main_window import MainWindow
from tests.ui.support import run_until

CJK = re.compile(r"[\u4e00-\u9fff]")
LEFT = Qt.MouseButton.LeftButton


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


class Walk:
    """The app under test and the helpers a user's hands would be."""

    def __init__(self, language: str, make_context, loop, qtbot: QtBot, server) -> None:
        self.language, self.make_context, self.loop = language, make_context, loop
        self.qtbot, self.server = qtbot, server
        self.open_window()

    def open_window(self) -> None:
        self.context = self.make_context(self.language, server=self.server)
        self.tr = self.context.translator
        self.window = MainWindow(self.context)
        self.qtbot.addWidget(self.window)
        self.window.show()

    def close_window(self) -> None:
        """As at quit: the window closes, then the app's services shut down."""
        self.window.close()
        self.loop.run_until_complete(self.context.shutdown())

    # -- language -----------------------------------------------------------------------

    def _(self, msgid: str, **values: object) -> str:
        return fill(self.tr.gettext(msgid), values) if values else self.tr.gettext(msgid)

    def plural(self, singular: str, plural: str, count: int) -> str:
        return fill(self.tr.ngettext(singular, plural, count), {"count": count})

    def in_language(self, text: str, where: str) -> None:
        """Chinese characters in Chinese, none in English."""
        if self.language == "zh_CN":
            assert CJK.search(text), f"{where} is not in Chinese: {text!r}"
        else:
            assert not CJK.search(text), f"{where} is not in English: {text!r}"

    # -- hands --------------------------------------------------------------------------

    def wait(self, predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
        run_until(self.loop, predicate, timeout=timeout)

    def click(self, button: QWidget) -> None:
        self.wait(button.isEnabled, timeout=20)
        if isinstance(button, QCheckBox | QRadioButton):  # on the box, not the row's blank end
            where = QPoint(min(8, button.width() // 2), button.height() // 2)
            self.qtbot.mouseClick(button, LEFT, pos=where)
        else:
            self.qtbot.mouseClick(button, LEFT)

    def type(self, edit: QWidget, text: str) -> None:
        """Replace what the field holds, key by key."""
        edit.setFocus()
        if isinstance(edit, QLineEdit):
            edit.selectAll()
            self.qtbot.keyClick(edit, Qt.Key.Key_Delete)
        else:
            edit.selectAll()  # type: ignore[attr-defined]
            self.qtbot.keyClick(edit, Qt.Key.Key_Delete)
        self.qtbot.keyClicks(edit, text)

    def dialog(self, kind: type[QDialog], parent: QWidget | None = None) -> QDialog:
        """The open dialog of ``kind`` (opened with open(), no nested loop)."""
        root = parent or self.window

        def found() -> QDialog | None:
            for dialog in root.findChildren(kind):
                if dialog.isVisible():
                    return dialog
            return None

        self.wait(lambda: found() is not None, timeout=20)
        dialog = found()
        assert dialog is not None
        return dialog

    def gone(self, dialog: QDialog) -> None:
        self.wait(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=20)

    def answer_text(self, text: str | None, parent: QWidget | None = None) -> str:
        """Type ``text`` into the open text dialog and press OK; its prefilled value."""
        dialog = self.dialog(QInputDialog, parent)
        assert isinstance(dialog, QInputDialog)
        prefilled = dialog.textValue()
        if text is not None:
            self.type(dialog.findChild(QLineEdit), text)
        buttons = dialog.findChild(QDialogButtonBox)
        self.click(buttons.button(QDialogButtonBox.StandardButton.Ok))
        self.gone(dialog)
        return prefilled

    def answer_yes(self) -> None:
        box = self.dialog(QMessageBox)
        assert isinstance(box, QMessageBox)
        self.in_language(box.text(), "the question")
        self.click(box.button(QMessageBox.StandardButton.Yes))
        self.gone(box)

    def choose_in_file_dialog(self, folder: Path, names: list[str]) -> None:
        """Go to ``folder`` and type the names, as in Qt's own file dialog."""
        dialog = self.dialog(QFileDialog)
        assert isinstance(dialog, QFileDialog)
        dialog.setDirectory(str(folder))
        edit = dialog.findChild(QLineEdit, "fileNameEdit")
        text = " ".join(f'"{name}"' for name in names) if len(names) > 1 else names[0]
        self.type(edit, text)
        self.qtbot.keyClick(edit, Qt.Key.Key_Return)
        self.gone(dialog)

    def select_rows(self, view, rows: list[int]) -> None:  # type: ignore[no-untyped-def]
        selection = view.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for row in rows:
            selection.select(view.model().index(row, 0), flags)

    def screen(self, key: str):  # type: ignore[no-untyped-def]
        return self.window.show_screen(key)


def choose(walk: Walk, combo, value: str) -> None:  # type: ignore[no-untyped-def]
    """Open the combo's list with a click and click the item whose server value is
    ``value`` (shown in the user's language)."""
    index = combo.findData(value)
    assert index >= 0, f"{value} is not offered"
    walk.click(combo)
    view = combo.view()
    walk.wait(view.isVisible, timeout=10)
    item = view.model().index(index, combo.modelColumn())
    view.scrollTo(item)
    # the popup ignores a release within a double-click interval of opening (as for a user)
    pause = QApplication.doubleClickInterval() / 1000 + 0.1
    walk.loop.run_until_complete(asyncio.sleep(pause))
    walk.qtbot.mouseClick(view.viewport(), LEFT, pos=view.visualRect(item).center())
    walk.wait(lambda: not view.isVisible(), timeout=10)
    assert combo.currentData() == value


def tick(walk: Walk, view, item_rect) -> None:  # type: ignore[no-untyped-def]
    """Click an item's check box (at the left of its cell)."""
    where = QPoint(item_rect.left() + 10, item_rect.center().y())
    walk.qtbot.mouseClick(view.viewport(), LEFT, pos=where)
