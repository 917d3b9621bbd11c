"""Transfers as one table model, seen through one filtered view per list.

:class:`TransferTable` has a row for every item of the queue, in queue (id)
order; :class:`TransferListModel`, a :class:`QSortFilterProxyModel`, shows
the rows of one list (Queued / Failed / Successful). An item moving between
lists leaves the table and comes back at its place (one remove and one insert
signal per run of such rows): each proxy filters those rows only, where a
dynamic filter would test all 10,000 rows, in Python, at every change. The table is
fed by the engine's events only and never asks the queue (whose state is in
memory anyway), so no SQLite read happens on the Qt thread.

Why the batching: the engine reports progress of every running file up to
five times a second and state changes as they happen; with 10,000 rows,
repainting on each event would keep the Qt thread busy. :class:`TransferLists`
only records the newest event per row (cheap dict writes) and, at most every
250 ms, applies them: one ``dataChanged`` per run of adjacent changed rows,
naming only the display roles for progress and the server's answers.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from omix_desktop.i18n.translator import Translator
from omix_desktop.transfer import (
    Event,
    ItemAdded,
    ItemProgress,
    ItemRemoved,
    ItemState,
    Notice,
    QueueItem,
    QueueProgress,
    StateChanged,
)
from omix_desktop.ui.transfers.texts import (
    LISTS,
    PROGRESS_COLUMNS,
    Column,
    Row,
    TransferTexts,
)

__all__ = [
    "ITEM_ID_ROLE",
    "LIST_ROLE",
    "LISTS",
    "PROGRESS_ROLE",
    "Column",
    "Row",
    "TransferListModel",
    "TransferLists",
    "TransferTable",
]

REFRESH_MS = 250
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 1
ITEM_ID_ROLE = Qt.ItemDataRole.UserRole + 2
LIST_ROLE = Qt.ItemDataRole.UserRole + 3
"""``queued``, ``failed`` or ``successful``: what the list views filter on."""
DISPLAY_ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.ForegroundRole,
    PROGRESS_ROLE,
]
"""Roles a progress event or the server's answer changes (never the list)."""
RED = QColor("#b00020")
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
NUMBERS = frozenset((Column.SIZE, Column.SPEED, Column.TIME_LEFT))
COLUMNS = list(Column)

Index = QModelIndex | QPersistentModelIndex


def runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """(first, last) of each run of adjacent row numbers, ascending."""
    result: list[tuple[int, int]] = []
    for row in sorted(rows):
        if result and row == result[-1][1] + 1:
            result[-1] = (result[-1][0], row)
        else:
            result.append((row, row))
    return result


class TransferTable(QAbstractTableModel):
    """Every item of the queue, one row each, in id order.

    Attributes: ids (item id per row), rows ({item_id: Row}), texts (TransferTexts).
    """

    def __init__(self, texts: TransferTexts, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.texts = texts
        self.ids: list[int] = []
        self.rows: dict[int, Row] = {}
        self._red = QBrush(RED)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(COLUMNS):
            return None
        return self.texts.header(COLUMNS[section])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[self.ids[index.row()]]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.texts.cell(row, column)
        if role == PROGRESS_ROLE:
            return row.fraction
        if role == ITEM_ID_ROLE:
            return row.item.id
        if role == LIST_ROLE:
            return row.item.list_name
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == Column.NAME:
                return str(row.item.local_path)
            if column in (Column.DETAIL, Column.ACTION):
                return self.texts.cell(row, Column.DETAIL) or None
        if role == Qt.ItemDataRole.ForegroundRole and column in (Column.STATE, Column.DETAIL):
            state = row.item.state
            if state is ItemState.FAILED:
                return self._red
            if state is ItemState.VERIFIED:
                check = self.texts.server_check(row.item.id)
                if check is not None and check.state == "mismatch":
                    return self._red
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMBERS:
            return RIGHT
        return None

    # -- membership (called by TransferLists only) -------------------------------------

    def reset(self, items: list[QueueItem]) -> None:
        self.beginResetModel()
        self.rows = {item.id: Row(item, sent=item.sent) for item in items}
        self.ids = sorted(self.rows)
        self.endResetModel()

    def insert(self, rows: list[Row]) -> None:
        """New rows at their place in id order, one signal per block going to one place
        (usually a single block at the end: new ids are the largest)."""
        ordered = sorted(rows, key=lambda r: r.item.id)
        start = 0
        while start < len(ordered):
            position = bisect.bisect_left(self.ids, ordered[start].item.id)
            following = self.ids[position] if position < len(self.ids) else None
            end = start + 1
            while end < len(ordered) and (following is None or ordered[end].item.id < following):
                end += 1
            block = ordered[start:end]
            self.beginInsertRows(QModelIndex(), position, position + len(block) - 1)
            self.ids[position:position] = [row.item.id for row in block]
            for row in block:
                self.rows[row.item.id] = row
            self.endInsertRows()
            start = end

    def remove(self, ids: set[int]) -> None:
        """Remove rows, one signal per run of adjacent rows, from the bottom up."""
        numbers = [self.row_of(i) for i in ids if i in self.rows]
        for first, last in reversed(runs(n for n in numbers if n is not None)):
            self.beginRemoveRows(QModelIndex(), first, last)
            for item_id in self.ids[first : last + 1]:
                del self.rows[item_id]
            del self.ids[first : last + 1]
            self.endRemoveRows()

    def relist(self, ids: set[int]) -> None:
        """Rows whose list changed leave and come back at their place: the list views
        then filter those rows alone (a dynamic filter would test every row of the
        table at each change), and a row keeps its selection while it stays in a list.
        """
        numbers = [self.row_of(i) for i in ids]
        for first, last in reversed(runs(n for n in numbers if n is not None)):
            block = self.ids[first : last + 1]
            self.beginRemoveRows(QModelIndex(), first, last)
            del self.ids[first : last + 1]
            self.endRemoveRows()
            self.beginInsertRows(QModelIndex(), first, last)
            self.ids[first:first] = block
            self.endInsertRows()

    def row_of(self, item_id: int) -> int | None:
        position = bisect.bisect_left(self.ids, item_id)
        if position < len(self.ids) and self.ids[position] == item_id:
            return position
        return None

    def changed(self, ids: Iterable[int] | None = None, roles: list[int] | None = None) -> None:
        """dataChanged for ``ids`` (every row if None), one per run of adjacent rows.

        ``roles`` None means all; :data:`DISPLAY_ROLES` for progress and the
        server's answers. A change of list goes through :meth:`relist` instead.
        """
        if not self.ids:
            return
        if ids is None:
            spans = [(0, len(self.ids) - 1)]
        else:
            spans = runs(n for n in (self.row_of(i) for i in ids) if n is not None)
        last_column = len(COLUMNS) - 1
        for first, last in spans:
            top, bottom = self.index(first, 0), self.index(last, last_column)
            if roles is None:
                self.dataChanged.emit(top, bottom)
            else:
                self.dataChanged.emit(top, bottom, roles)


class TransferListModel(QSortFilterProxyModel):
    """One list (Queued, Failed or Successful) of the table, in queue order."""

    def __init__(self, table: TransferTable, name: str) -> None:
        super().__init__(table)
        self.table = table
        self.name = name
        self.setFilterRole(LIST_ROLE)
        self.setSortRole(LIST_ROLE)  # never sorted
        # rows are filtered as they arrive; a change of list arrives as a row removed
        # and inserted again (TransferTable.relist), never as a data change to re-test
        self.setDynamicSortFilter(False)
        self.setSourceModel(table)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        if source_parent.isValid():
            return False
        table = self.table
        return table.rows[table.ids[source_row]].item.list_name == self.name

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and section == Column.DETAIL
        ):
            return self.table.texts.detail_header(self.name)
        return super().headerData(section, orientation, role)

    @property
    def ids(self) -> list[int]:
        """Item ids of the rows shown, in order."""
        table_ids = self.table.ids
        return [
            table_ids[self.mapToSource(self.index(row, 0)).row()] for row in range(self.rowCount())
        ]


class TransferLists(QObject):
    """The table, its three list views and the totals, updated from engine events in batches.

    Signals:
        refreshed(): after each batch (counts and totals may have changed).

    Attributes:
        table: the :class:`TransferTable`; models: ``{list name: TransferListModel}``;
        rows: ``{item_id: Row}`` of every item; totals: the last :class:`QueueProgress`.
    """

    refreshed = Signal()

    def __init__(
        self,
        translator: Translator,
        server_check: Callable[[int], Any] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.tr_ = translator
        self.texts = TransferTexts(translator, server_check)
        self.table = TransferTable(self.texts, self)
        self.models = {name: TransferListModel(self.table, name) for name in LISTS}
        self.totals: QueueProgress | None = None
        self._changed_items: dict[int, QueueItem] = {}
        self._progress: dict[int, ItemProgress] = {}
        self._removed: set[int] = set()
        self._notes: dict[int, str] = {}
        self._server_dirty = False
        self._server_changed: set[int] = set()
        self.flushes = 0
        self.flush_seconds = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.flush)

    @property
    def rows(self) -> dict[int, Row]:
        return self.table.rows

    def server_check(self, item_id: int) -> Any:
        return self.texts.server_check(item_id)

    # -- input --------------------------------------------------------------------------

    def load(self, items: list[QueueItem]) -> None:
        """Replace everything with the queue's items (a queue was opened or closed)."""
        self._changed_items.clear()
        self._progress.clear()
        self._removed.clear()
        self._notes.clear()
        self.table.reset(items)
        self.refreshed.emit()

    def on_event(self, event: Event) -> None:
        """Engine callback (on the loop thread): record only, refresh later."""
        if isinstance(event, ItemProgress):
            self._progress[event.item_id] = event
        elif isinstance(event, StateChanged | ItemAdded):
            self._changed_items[event.item.id] = event.item
            self._removed.discard(event.item.id)
        elif isinstance(event, ItemRemoved):
            self._removed.add(event.item_id)
            self._changed_items.pop(event.item_id, None)
        elif isinstance(event, QueueProgress):
            self.totals = event
        elif isinstance(event, Notice) and event.item_id:
            self._notes[event.item_id] = event.code
        else:
            return
        if not self._timer.isActive():
            self._timer.start()

    def server_changed(self, item_ids: Iterable[int] | None = None) -> None:
        """What the server says changed for ``item_ids`` (every verified row if None)."""
        if item_ids is None:
            self._server_dirty = True
        else:
            self._server_changed.update(item_ids)
        if not self._timer.isActive():
            self._timer.start()

    # -- batch --------------------------------------------------------------------------

    def flush(self) -> None:
        """Apply everything recorded since the last refresh."""
        started = time.thread_time()
        rows = self.table.rows
        self.table.remove(self._removed)
        self._removed.clear()

        added: list[Row] = []
        moved: set[int] = set()
        relisted: set[int] = set()
        for item_id, item in self._changed_items.items():
            row = rows.get(item_id)
            if row is None:
                added.append(Row(item, sent=item.sent))
                continue
            if row.item.list_name != item.list_name:
                relisted.add(item_id)
            row.item = item
            row.changed()
            if item.state is not ItemState.UPLOADING:
                row.speed, row.eta = 0.0, None
            if item.state in (ItemState.UPLOADED, ItemState.VERIFIED):
                row.sent = item.size
            elif item.state is ItemState.QUEUED:
                row.sent = item.sent
            moved.add(item_id)
        self._changed_items.clear()
        self.table.insert(added)
        self.table.relist(relisted)
        moved -= relisted

        touched: set[int] = set()
        for item_id, progress in self._progress.items():
            row = rows.get(item_id)
            if row is None:
                continue
            row.sent, row.speed, row.eta, row.phase, row.connections = (
                progress.sent,
                progress.speed,
                progress.eta,
                progress.phase,
                progress.connections,
            )
            row.changed(PROGRESS_COLUMNS)
            touched.add(item_id)
        self._progress.clear()

        for item_id, note in self._notes.items():
            row = rows.get(item_id)
            if row is not None:
                row.note = note
                row.changed((Column.STATE,))
                touched.add(item_id)
        self._notes.clear()

        if self._server_dirty:
            self._server_dirty = False
            self._server_changed.clear()
            verified = [i for i, r in rows.items() if r.item.state is ItemState.VERIFIED]
        else:
            verified = [i for i in self._server_changed if i in rows]
            self._server_changed.clear()
        for item_id in verified:
            rows[item_id].changed((Column.DETAIL,))
        touched.update(verified)

        self.table.changed(moved, None)
        self.table.changed(touched - moved - relisted, DISPLAY_ROLES)
        self.flushes += 1
        self.flush_seconds += time.thread_time() - started
        self.refreshed.emit()

    def retranslate(self) -> None:
        for row in self.table.rows.values():
            row.changed()
        last = len(COLUMNS) - 1
        self.table.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, last)
        self.table.changed(None, DISPLAY_ROLES)

    # -- texts --------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {name: model.rowCount() for name, model in self.models.items()}

    def text(self, row: Row, column: Column) -> str:
        return self.texts.text(row, column)

    def state_text(self, row: Row) -> str:
        return self.texts.state_text(row)

    def server_text(self, item_id: int) -> str:
        return self.texts.server_text(item_id)

    def total_text(self) -> str:
        total_bytes = sum(row.item.size for row in self.table.rows.values())
        return self.texts.total_text(self.counts(), total_bytes, self.totals)
