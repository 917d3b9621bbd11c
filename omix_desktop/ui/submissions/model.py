"""The rows of "My submissions" (the guide's table), for a sortable, filterable view."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from omix_desktop.api.archive_models import DatasetRow
from omix_desktop.i18n.format import format_datetime, format_size
from omix_desktop.i18n.server_terms import term
from omix_desktop.i18n.translator import Translator

COLUMNS = ("accession", "title", "organism", "access", "updated_at", "status", "curation_status")
Index = QModelIndex | QPersistentModelIndex


class DatasetsModel(QAbstractTableModel):
    def __init__(self, tr: Translator) -> None:
        super().__init__()
        self.tr = tr
        self.rows: list[DatasetRow] = []

    def set_rows(self, rows: list[DatasetRow]) -> None:
        """Bring the rows in line with a new listing, row by row (never a reset).

        A reset would drop the view's selection and scroll position at every poll;
        here rows gone are removed, changed rows say so, new ones are appended
        (the sorting proxy puts them in their place), so what the user chose and
        where the list was scrolled stay as they were.
        """
        wanted = {row.accession: row for row in rows}
        for position in range(len(self.rows) - 1, -1, -1):
            if self.rows[position].accession not in wanted:
                self.beginRemoveRows(QModelIndex(), position, position)
                del self.rows[position]
                self.endRemoveRows()
        last = len(COLUMNS) - 1
        for position, old in enumerate(self.rows):
            new = wanted.pop(old.accession)
            if new != old:
                self.rows[position] = new
                self.dataChanged.emit(self.index(position, 0), self.index(position, last))
        if wanted:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(wanted) - 1)
            self.rows.extend(wanted.values())
            self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(COLUMNS)

    def headers(self) -> list[str]:
        _ = self.tr.gettext
        return [_("ID"), _("Title"), _("Organism"), _("Access"), _("Last edit"), _("Status"),
                _("Curation")]  # fmt: skip

    def headerData(  # noqa: N802 - Qt's name
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        name = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            value = getattr(row, name)
            return value.isoformat() if name == "updated_at" else value  # sorts by time
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if name == "updated_at":
            return format_datetime(row.updated_at, self.tr.locale)
        if name == "access":
            return access_label(row.access, self.tr)
        if name in ("status", "curation_status"):
            return status_label(getattr(row, name), self.tr)
        return str(getattr(row, name))

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self.rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1)
            )


def files_and_size(count: int, size: int, tr: Translator) -> str:
    """``1 file, 54 kB`` / ``3 files, 2.1 GB``, in the user's language."""
    text = tr.ngettext("{count} file, {size}", "{count} files, {size}", count)
    return text.format(count=count, size=format_size(size, tr.locale))


def access_label(access: str, tr: Translator) -> str:
    return term(access, tr)


def status_label(status: str, tr: Translator) -> str:
    """The archive's status names (dataset, curation and file), in the user's language."""
    return term(status, tr)
