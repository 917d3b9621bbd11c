"""The app's exception hook: log the error and show it in a dialog with copyable text.

Errors are shown by one :class:`ErrorPresenter`: at most one error dialog is
open; errors while it is open are added to it (counted, reports appended), so
a failure that repeats (a poll every few seconds) does not pile up windows.
The dialog is shown with ``show()``, never ``exec()``: no nested event loop.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from omix_desktop.i18n.translator import Translator
from omix_desktop.logs import redact

log = logging.getLogger(__name__)


def error_report(error: BaseException) -> str:
    """The traceback as text, secrets removed."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return redact(text)


class ErrorDialog(QDialog):
    """Shows an unexpected error; the report can be selected and copied."""

    def __init__(
        self,
        translator: Translator,
        report: str,
        log_file: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("error_dialog")
        self.translator = translator
        self.log_file = log_file
        self.count = 1
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.report = QPlainTextEdit(report)
        self.report.setObjectName("report")
        self.report.setReadOnly(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton()
        self.copy_button.setObjectName("copy")
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addWidget(self.report, 1)
        layout.addWidget(self.buttons)
        self.resize(640, 400)
        self.retranslate()

    def retranslate(self) -> None:
        _ = self.translator.gettext
        self.setWindowTitle(_("Unexpected error"))
        text = _(
            "Something went wrong inside the app. Your queued work is kept. If it happens "
            "again, copy this report (or create a support bundle in Settings) and send it "
            "to the archive's administrator."
        )
        if self.log_file:
            text += "\n" + _("The log file is {path}.").format(path=self.log_file)
        if self.count > 1:
            many = self.translator.ngettext(
                "{count} error happened while this window was open; the reports follow.",
                "{count} errors happened while this window was open; the reports follow.",
                self.count,
            )
            text += "\n" + many.format(count=self.count)
        self.explanation.setText(text)
        self.copy_button.setText(_("Copy report"))
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText(_("Close"))

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.report.toPlainText())

    def add_report(self, report: str) -> None:
        """Another error while this one is shown: count it, keep the first reports."""
        self.count += 1
        if self.count <= MAX_REPORTS:
            self.report.appendPlainText("\n" + "-" * 40 + "\n" + report)
        self.retranslate()


MAX_REPORTS = 20
"""Reports kept in one dialog; later errors are only counted (all are in the log)."""


class ErrorPresenter:
    """Shows errors, one dialog at a time (see the module's docstring)."""

    def __init__(self, translator: Translator, log_file: str = "") -> None:
        self.translator = translator
        self.log_file = log_file
        self.dialog: ErrorDialog | None = None

    def show(self, error: BaseException, parent: QWidget | None = None) -> ErrorDialog:
        report = error_report(error)
        dialog = self.dialog
        if dialog is not None:
            dialog.add_report(report)
            return dialog
        dialog = ErrorDialog(self.translator, report, self.log_file, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setModal(False)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        self.dialog = dialog
        dialog.show()
        return dialog

    def _closed(self, dialog: ErrorDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def install_exception_hook(
    translator: Translator, log_file: str = "", presenter: ErrorPresenter | None = None
) -> Callable[[], None]:
    """Route uncaught exceptions (also from Qt slots) to the log and ``presenter``.

    Returns a function that restores the previous hook.
    """
    previous: ExceptHook = sys.excepthook
    shown_by = presenter or ErrorPresenter(translator, log_file)
    showing = False

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        nonlocal showing
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, error, tb)
            return
        log.critical("uncaught exception", exc_info=(kind, error, tb))
        if QApplication.instance() is None or showing:
            return
        showing = True
        try:
            error.__traceback__ = tb
            shown_by.show(error)
        finally:
            showing = False

    sys.excepthook = hook

    def restore() -> None:
        sys.excepthook = previous

    return restore
