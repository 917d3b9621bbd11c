"""The dataset form's file list: pre-uploaded files to tick, each with its own details.

What is typed for a file (title, samples, data type, MD5) is kept by path in
:attr:`FilesTable.entries`, whether the file is ticked or not and across
refreshes of the listing: unticking a file never throws its details away
(the archive's website does; the user guide warns about it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from omix_desktop.i18n.errors import fill, name_problem_message
from omix_desktop.i18n.format import format_size
from omix_desktop.i18n.translator import Translator
from omix_desktop.ui.dataset_form.data_type_editor import (
    DataTypeChoices,
    DataTypeDelegate,
    unknown_type_text,
)
from omix_wire.md5 import normalize_md5

COLUMNS = ("use", "path", "size", "title", "samples", "data_type", "md5", "note")
EDITABLE = {"title", "samples", "data_type", "md5"}
ERROR_COLOR = QColor("#b00020")


@dataclass
class FileEntry:
    path: str
    size: int = 0
    valid: bool = True
    problem: dict[str, str] | None = None
    uploading: bool = False
    incomplete: str = ""
    """The server knows the upload stopped early: ``disk_full`` or ``connection_lost``."""
    present: bool = True
    """False once the file left the pre-upload area (kept for what was typed)."""
    selected: bool = False
    title: str = ""
    samples: str = "1"
    data_type: str = ""
    md5: str = ""
    md5_from_engine: bool = False
    computed_md5: str = ""
    """The MD5 this computer computed for the file before uploading it ("" if unknown)."""
    local: str = ""
    """Set for a file sent online (HTTPS) at submission: its path on this computer."""

    def draft(self) -> dict[str, Any]:
        return asdict(self)


def md5_contradicted(entry: FileEntry) -> bool:
    """A well-formed typed MD5 that is not the one this computer computed."""
    typed = normalize_md5(entry.md5)
    return bool(entry.computed_md5 and typed and typed != entry.computed_md5.lower())


class FilesTable(QTableWidget):
    """Signals: changed(): a tick or a typed value changed (drafts, validation)."""

    changed = Signal()

    def __init__(self, tr: Translator) -> None:
        super().__init__(0, len(COLUMNS))
        self.setObjectName("dataset_files")
        self.tr = tr
        self.entries: dict[str, FileEntry] = {}
        self.data_types = DataTypeChoices(tr)
        """The archive's data types and sub-types, the only ones a file may have."""
        self.setItemDelegateForColumn(
            COLUMNS.index("data_type"), DataTypeDelegate(self.data_types, tr, self)
        )
        self._filling = False
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.itemChanged.connect(self._edited)

    # -- data -------------------------------------------------------------------------

    def set_listing(self, listing: list[Any], engine_md5: dict[str, str]) -> None:
        """Merge the server's pre-upload listing into the entries, keeping typed values."""
        seen = set()
        for item in listing:
            entry = self.entries.get(item.path) or FileEntry(item.path)
            entry.size, entry.valid, entry.present = item.size, item.valid, True
            entry.uploading = item.state == "uploading"
            entry.incomplete = item.incomplete.code if item.incomplete else ""
            entry.problem = item.problem.model_dump() if item.problem else None
            if item.path in engine_md5:
                entry.computed_md5 = engine_md5[item.path]
                if not entry.md5:
                    entry.md5, entry.md5_from_engine = engine_md5[item.path], True
            if not entry.title:
                entry.title = item.name
            self.entries[item.path] = entry
            seen.add(item.path)
        for path, entry in self.entries.items():
            if path not in seen and not entry.local:
                entry.present = False
        self.render()

    def set_data_types(self, types: list[tuple[str, list[str]]]) -> None:
        """The server's list (name, sub-types); the files are checked against it."""
        self.data_types.set(types)
        self.render()

    def type_known(self, entry: FileEntry) -> bool:
        return self.data_types.accepts(entry.data_type)

    def restore(self, drafts: list[dict[str, Any]]) -> None:
        for raw in drafts:
            try:
                entry = FileEntry(**raw)
            except TypeError:
                continue
            entry.present = bool(entry.local)  # a local file is checked when it is sent
            self.entries[entry.path] = entry
        self.render()

    def add_local(self, path: Path, size: int, md5: str) -> FileEntry:
        """A file from this computer, to be sent online when the dataset is submitted."""
        key = f"online:{path}"
        entry = self.entries.get(key) or FileEntry(key, title=path.name)
        entry.size, entry.local, entry.present, entry.selected = (
            path.stat().st_size,
            str(path),
            True,
            True,
        )
        entry.md5, entry.md5_from_engine, entry.computed_md5 = md5, True, md5
        self.entries[key] = entry
        self.render()
        self.changed.emit()
        return entry

    def selected(self) -> list[FileEntry]:
        return [entry for entry in self.entries.values() if entry.selected]

    # -- view -------------------------------------------------------------------------

    def retranslate(self) -> None:
        _ = self.tr.gettext
        self.setHorizontalHeaderLabels(
            [_("Use"), _("File"), _("Size"), _("Title"), _("Samples / files"), _("Data type"),
             _("MD5"), _("Note")]
        )  # fmt: skip
        self.render()

    def render(self) -> None:
        self._filling = True
        try:
            shown = [entry for entry in self.entries.values() if entry.present or entry.selected]
            self.setRowCount(len(shown))
            for row, entry in enumerate(sorted(shown, key=lambda e: e.path)):
                self._fill_row(row, entry)
        finally:
            self._filling = False

    def _fill_row(self, row: int, entry: FileEntry) -> None:
        values = {
            "use": "",
            "path": entry.path,
            "size": format_size(entry.size, self.tr.locale),
            "title": entry.title,
            "samples": entry.samples,
            "data_type": self.data_types.shown(entry.data_type) if entry.data_type else "",
            "md5": entry.md5,
            "note": self.note(entry),
        }
        for column, name in enumerate(COLUMNS):
            item = QTableWidgetItem(values[name])
            item.setData(Qt.ItemDataRole.UserRole, entry.path)
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            if name == "use":
                usable = entry.valid and entry.present
                if usable or entry.selected:
                    flags |= Qt.ItemFlag.ItemIsUserCheckable
                checked = Qt.CheckState.Checked if entry.selected else Qt.CheckState.Unchecked
                item.setCheckState(checked)
            elif name in EDITABLE:
                flags |= Qt.ItemFlag.ItemIsEditable
            if name in ("md5", "note", "data_type"):
                self._mark(item, entry, name)
            item.setFlags(flags)
            self.setItem(row, column, item)

    def note(self, entry: FileEntry) -> str:
        """Why a file cannot be used, or where its MD5 came from."""
        _ = self.tr.gettext
        if not entry.present:
            return _("No longer in the pre-upload area.")
        if not entry.valid and entry.problem:
            p = entry.problem
            return name_problem_message(p["code"], p["component"], p.get("character", ""), self.tr)
        if entry.uploading:
            return _("Still uploading: it is checked when the upload ends.")
        if entry.incomplete == "disk_full":
            return _(
                "The server's disk was full and the upload stopped early; resume it when "
                "the archive has space again."
            )
        if entry.incomplete:
            return _("The upload was cut off before the end; resume it (Transfers, Retry).")
        if entry.md5 and normalize_md5(entry.md5) is None:
            return _("The MD5 must be 32 hexadecimal characters.")
        if not self.type_known(entry):
            return unknown_type_text(entry.data_type, self.tr)
        if md5_contradicted(entry):
            return fill(
                _(
                    "The MD5 you typed differs from the one this computer computed for the "
                    "file ({md5}): the archive's check will fail. Type it again or use {md5}."
                ),
                {"md5": entry.computed_md5},
            )
        if entry.local:
            return _("Sent online when you submit.")
        if entry.md5_from_engine:
            return _("MD5 computed on this computer before the upload.")
        return ""

    def _mark(self, item: QTableWidgetItem, entry: FileEntry, column: str) -> None:
        """A wrong value (an MD5 contradicting this computer's, a data type not in the
        list) shows red, with the reason as its tooltip."""
        md5_wrong = md5_contradicted(entry) or bool(entry.md5 and normalize_md5(entry.md5) is None)
        type_wrong = not self.type_known(entry)
        wrong = {"md5": md5_wrong, "data_type": type_wrong}.get(column, md5_wrong or type_wrong)
        item.setForeground(QBrush(ERROR_COLOR) if wrong else QBrush())
        item.setToolTip(self.note(entry) if wrong else "")

    def _edited(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        entry = self.entries.get(str(item.data(Qt.ItemDataRole.UserRole)))
        if entry is None:
            return
        name = COLUMNS[item.column()]
        if name == "use":
            entry.selected = item.checkState() == Qt.CheckState.Checked
        elif name in EDITABLE:
            value = item.text().strip()
            if name == "data_type":  # shown in the user's language, kept as the server's
                value = self.data_types.canonical(value) or value
            setattr(entry, name, value)
            if name == "md5":
                entry.md5_from_engine = False
            if name in ("md5", "data_type"):
                note = self.item(item.row(), COLUMNS.index("note"))
                self._filling = True
                try:
                    self._mark(item, entry, name)
                    if note is not None:
                        note.setText(self.note(entry))
                        self._mark(note, entry, "note")
                finally:
                    self._filling = False
        self.changed.emit()
