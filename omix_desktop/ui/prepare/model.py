"""The Prepare files table: one row per picked file, cheap to update while hashing.

Hash progress arrives many times a second per file; the model only records
it and marks the row dirty, and a 250 ms timer turns the dirty rows into one
``dataChanged`` signal, so the view repaints at most four times a second
whatever the number of files.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path, PurePosixPath
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor

from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.format import format_percent_value, format_size
from omix_desktop.i18n.preflight import issue_text
from omix_desktop.i18n.translator import Translator
from omix_desktop.transfer import PlannedFile, PreflightIssue

REFRESH_MS = 250

ERROR_COLOR = QColor("#b00020")
WARNING_COLOR = QColor("#9a6700")
OK_COLOR = QColor("#1b5e20")

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    NAME = 0
    SIZE = 1
    MD5 = 2
    CHECK = 3


@dataclass
class PreparedFile:
    """One picked file and what is known about it.

    ``size``/``mtime_ns`` are those the MD5 was computed for, so a later edit
    of the file shows as "changed since hashing".
    """

    local: Path
    remote: PurePosixPath
    size: int | None = None
    mtime_ns: int | None = None
    md5: str | None = None
    hashed: int = 0
    hashing: bool = False
    error: str | None = None
    manifest_md5: str | None = None
    issues: tuple[PreflightIssue, ...] = ()
    base: str = ""
    """The "Upload into folder" it was put in ("" for the top level)."""

    @property
    def blocked(self) -> bool:
        return any(issue.blocking for issue in self.issues)

    def planned(self) -> PlannedFile:
        return PlannedFile(self.local, self.remote, self.size, self.mtime_ns, self.md5)


class PrepareModel(QAbstractTableModel):
    """Table model over a list of :class:`PreparedFile` (rows keyed by local path)."""

    def __init__(self, translator: Translator, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tr_ = translator
        self.rows: list[PreparedFile] = []
        self._row_of: dict[Path, int] = {}
        self._dirty: set[int] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.flush)

    # -- Qt model -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(Column)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        _ = self.tr_.gettext
        return {
            Column.NAME: _("Name"),
            Column.SIZE: _("Size"),
            Column.MD5: _("MD5 checksum"),
            Column.CHECK: _("Check"),
        }[Column(section)]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == Column.NAME:
                return str(row.local)
            if column == Column.CHECK:
                return "\n".join(issue_text(i, self.tr_) for i in row.issues) or None
            if column == Column.MD5 and row.error:
                return row.error
        if role == Qt.ItemDataRole.ForegroundRole and column in (Column.CHECK, Column.MD5):
            if column == Column.MD5:
                return QBrush(ERROR_COLOR) if row.error else None
            if row.blocked:
                return QBrush(ERROR_COLOR)
            if row.issues and column == Column.CHECK:
                return QBrush(WARNING_COLOR)
            if column == Column.CHECK and row.md5:
                return QBrush(OK_COLOR)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and column == Column.MD5 and row.md5:
            from PySide6.QtGui import QFontDatabase

            return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        return None

    def _display(self, row: PreparedFile, column: Column) -> str:
        _ = self.tr_.gettext
        locale = self.tr_.locale
        if column == Column.NAME:
            return str(row.remote)
        if column == Column.SIZE:
            return "" if row.size is None else format_size(row.size, locale)
        if column == Column.MD5:
            if row.error:
                return _("Cannot be read")
            if row.md5:
                return row.md5
            if row.hashing:
                fraction = row.hashed / row.size if row.size else 0.0
                return fill(
                    _("Computing… {percent}"),
                    {"percent": format_percent_value(min(1.0, fraction), locale)},
                )
            return _("Waiting")
        if row.issues:
            first = next((i for i in row.issues if i.blocking), row.issues[0])
            text = issue_text(first, self.tr_)
            if len(row.issues) > 1:
                more = self.tr_.ngettext("(+{count} more)", "(+{count} more)", len(row.issues) - 1)
                text = f"{text} {fill(more, {'count': len(row.issues) - 1})}"
            return text
        if row.md5 and row.manifest_md5:
            return _("OK, matches the manifest")
        if row.md5:
            return _("OK")
        return ""

    # -- changes ------------------------------------------------------------------------

    def row_of(self, local: Path) -> int | None:
        return self._row_of.get(local)

    def add(self, files: list[PreparedFile]) -> list[PreparedFile]:
        """Append files not in the table yet; returns those added."""
        fresh = []
        seen = set(self._row_of)
        for file in files:
            if file.local not in seen:
                seen.add(file.local)
                fresh.append(file)
        if fresh:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            for offset, file in enumerate(fresh):
                self._row_of[file.local] = start + offset
            self.rows.extend(fresh)
            self.endInsertRows()
        return fresh

    def remove(self, rows: list[int]) -> list[PreparedFile]:
        """Remove rows (by index); returns the removed files."""
        removed = []
        for row in sorted(set(rows), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            removed.append(self.rows.pop(row))
            self.endRemoveRows()
        self._reindex()
        return removed

    def replace(self, row: int, file: PreparedFile) -> None:
        self.rows[row] = file
        self._reindex()
        self.touch(row, now=True)

    def _reindex(self) -> None:
        self._row_of = {file.local: row for row, file in enumerate(self.rows)}
        self._dirty = {row for row in self._dirty if row < len(self.rows)}

    def touch(self, row: int, *, now: bool = False) -> None:
        """Mark a row changed; repainted at the next refresh (or now)."""
        self._dirty.add(row)
        if now:
            self.flush()
        elif not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """One dataChanged over the dirty rows."""
        if not self._dirty:
            return
        first, last = min(self._dirty), max(self._dirty)
        self._dirty.clear()
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(Column) - 1)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(Column) - 1))
