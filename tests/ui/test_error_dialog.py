"""The exception hook's dialog: the report is shown, copyable and free of secrets."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from omix_desktop.i18n.translator import Translator
from omix_desktop.ui.error_dialog import ErrorDialog, error_report, install_exception_hook


def failing() -> None:
    raise RuntimeError("login failed with password=hunter2hunter2")


def test_report_is_redacted_and_copyable(qtbot: QtBot) -> None:
    try:
        failing()
    except RuntimeError as error:
        report = error_report(error)
    assert "hunter2hunter2" not in report and "RuntimeError" in report
    dialog = ErrorDialog(Translator("zh_CN"), report, "/tmp/omix.log")
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "意外错误"
    assert "/tmp/omix.log" in dialog.explanation.text()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == report


def test_hook_is_installed_and_restored() -> None:
    before = sys.excepthook
    restore = install_exception_hook(Translator(), "")
    assert sys.excepthook is not before
    restore()
    assert sys.excepthook is before
