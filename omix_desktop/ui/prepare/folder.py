"""Prepare files: the "Upload into folder" field, checked as it is typed.

The folder applies to every file in the list (and to files added later): as
soon as a valid name is typed, the Name column shows where each file will go.
A name the archive refuses (the same rule the server applies,
:func:`omix_wire.naming.check_path`) is explained under the field with a safe
replacement, and the files keep the last valid folder until it is fixed.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from omix_desktop.i18n.errors import fill, name_verdict_message
from omix_desktop.i18n.translator import Translator
from omix_desktop.ui.base import ERROR_STYLE
from omix_desktop.ui.prepare.model import PreparedFile
from omix_wire.naming import NameVerdict, check_path, safe_path


def folder_verdict(text: str) -> NameVerdict:
    """The naming rule's verdict on a typed folder (empty means the top level)."""
    folder = text.strip().strip("/")
    return NameVerdict() if not folder else check_path(folder)


def rebase(file: PreparedFile, folder: str) -> None:
    """Move ``file`` from the folder it was put in to ``folder`` (same relative path)."""
    remote = file.remote
    if file.base:
        try:
            remote = remote.relative_to(file.base)
        except ValueError:  # renamed under a safe folder name: keep its own path
            remote = PurePosixPath(*remote.parts[len(PurePosixPath(file.base).parts) :])
    file.remote = PurePosixPath(folder, remote) if folder else remote
    file.base = folder


class FolderField(QWidget):
    """Label, line edit and a status line saying what the folder applies to.

    Signals: folder_changed(str): a new valid folder ("" for the top level).
    """

    folder_changed = Signal(str)

    def __init__(self, tr: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.folder = ""
        """The last valid folder typed; what the files are uploaded into."""
        self._count = 0
        self.label = QLabel()
        self.edit = QLineEdit()
        self.edit.setObjectName("remote_folder")
        self.label.setBuddy(self.edit)
        self.status = QLabel()
        self.status.setObjectName("remote_folder_status")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.edit, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.edit.textChanged.connect(self._typed)

    @property
    def valid(self) -> bool:
        return folder_verdict(self.edit.text()).ok

    def retranslate(self) -> None:
        _ = self.tr.gettext
        self.label.setText(_("Upload into folder:"))
        self.edit.setPlaceholderText(_("optional, e.g. run1"))
        self.edit.setAccessibleName(_("Upload into folder"))
        self._show()

    def set_count(self, count: int) -> None:
        """The number of files in the list, for the status line."""
        if count != self._count:
            self._count = count
            self._show()

    def error_text(self) -> str:
        """Why the typed folder is refused and what to type instead ("" when it is fine)."""
        verdict = folder_verdict(self.edit.text())
        if verdict.ok:
            return ""
        typed = self.edit.text().strip().strip("/")
        safe = "/".join(safe_path(PurePosixPath(typed)).parts) if typed else ""
        text = name_verdict_message(verdict, self.tr)
        hint = self.tr.gettext(
            "The files stay in “{folder}” until the name is fixed (for example “{safe}”)."
        )
        return f"{text} {fill(hint, {'folder': self.folder or '/', 'safe': safe})}"

    def _typed(self, text: str) -> None:
        verdict = folder_verdict(text)
        if verdict.ok:
            folder = text.strip().strip("/")
            if folder != self.folder:
                self.folder = folder
                self.folder_changed.emit(folder)
        self._show()

    def _show(self) -> None:
        error = self.error_text()
        self.edit.setProperty("invalid", bool(error))
        self.edit.setAccessibleDescription(error)
        if error:
            self.status.setText(error)
            self.status.setStyleSheet(ERROR_STYLE)
            return
        self.status.setStyleSheet("")
        if not self.folder:
            text = self.tr.ngettext(
                "The {count} file in the list goes to the top of your pre-upload area.",
                "The {count} files in the list go to the top of your pre-upload area.",
                self._count,
            )
        else:
            text = self.tr.ngettext(
                "The {count} file in the list, and files added later, go into “{folder}/”.",
                "All {count} files in the list, and files added later, go into “{folder}/”.",
                self._count,
            )
        self.status.setText(fill(text, {"count": self._count, "folder": self.folder}))
