"""The three transfer lists (Queued / Failed / Successful), fed by engine events.

Why the batching: the engine reports progress of every running file up to
five times a second and state changes as they happen; with 10,000 rows,
repainting on each event would keep the Qt thread busy. :class:`TransferLists`
only records the newest event per row (cheap dict writes) and, at most every
250 ms, moves rows between the lists and emits one ``dataChanged`` range per
list. The view repaints only what is visible.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from omix_desktop.i18n.errors import fill, suggested_action_label, transfer_failure_message
from omix_desktop.i18n.format import format_eta, format_size, format_speed
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

REFRESH_MS = 250
LISTS = ("queued", "failed", "successful")
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 1
ITEM_ID_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    NAME = 0
    SIZE = 1
    PROGRESS = 2
    SPEED = 3
    TIME_LEFT = 4
    STATE = 5
    DETAIL = 6
    """Failed: the reason; Successful: what the server says; Queued: notes."""
    ACTION = 7


@dataclass
class Row:
    """One item and its live progress (memory only; the store has the rest)."""

    item: QueueItem
    sent: int = 0
    speed: float = 0.0
    eta: float | None = None
    phase: str = "upload"
    note: str | None = None
    connections: int = 1
    """Connections sending the file now (a segmented upload uses several)."""

    @property
    def fraction(self) -> float:
        if self.item.state is ItemState.VERIFIED:
            return 1.0
        size = self.item.size
        return min(1.0, self.sent / size) if size else 0.0


class TransferModel(QAbstractTableModel):
    """One of the three lists."""

    def __init__(self, lists: TransferLists, name: str) -> None:
        super().__init__(lists)
        self.lists = lists
        self.name = name
        self.ids: list[int] = []
        self.row_of: dict[int, int] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(Column)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        _ = self.lists.tr_.gettext
        detail = {"failed": _("Reason"), "successful": _("On the server")}.get(self.name, _("Note"))
        return {
            Column.NAME: _("Name"),
            Column.SIZE: _("Size"),
            Column.PROGRESS: _("Progress"),
            Column.SPEED: _("Speed"),
            Column.TIME_LEFT: _("Time left"),
            Column.STATE: _("State"),
            Column.DETAIL: detail,
            Column.ACTION: _("Suggested action"),
        }[Column(section)]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.lists.rows[self.ids[index.row()]]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self.lists.text(row, column)
        if role == PROGRESS_ROLE:
            return row.fraction
        if role == ITEM_ID_ROLE:
            return row.item.id
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == Column.NAME:
                return str(row.item.local_path)
            if column in (Column.DETAIL, Column.ACTION):
                return self.lists.text(row, Column.DETAIL) or None
        if role == Qt.ItemDataRole.ForegroundRole and column in (Column.STATE, Column.DETAIL):
            if row.item.state is ItemState.FAILED:
                return QBrush(QColor("#b00020"))
            check = self.lists.server_check(row.item.id)
            if self.name == "successful" and check is not None and check.state == "mismatch":
                return QBrush(QColor("#b00020"))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            Column.SIZE,
            Column.SPEED,
            Column.TIME_LEFT,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # -- membership (called by TransferLists only) -------------------------------------

    def reset(self, ids: list[int]) -> None:
        self.beginResetModel()
        self.ids = ids
        self.row_of = {item_id: row for row, item_id in enumerate(ids)}
        self.endResetModel()

    def append(self, ids: list[int]) -> None:
        if not ids:
            return
        start = len(self.ids)
        self.beginInsertRows(QModelIndex(), start, start + len(ids) - 1)
        for offset, item_id in enumerate(ids):
            self.row_of[item_id] = start + offset
        self.ids.extend(ids)
        self.endInsertRows()

    def drop(self, ids: set[int]) -> None:
        """Remove rows, one signal per contiguous block."""
        rows = sorted((self.row_of[i] for i in ids if i in self.row_of), reverse=True)
        if not rows:
            return
        block_end = block_start = rows[0]
        for row in [*rows[1:], None]:
            if row is not None and row == block_start - 1:
                block_start = row
                continue
            self.beginRemoveRows(QModelIndex(), block_start, block_end)
            del self.ids[block_start : block_end + 1]
            self.endRemoveRows()
            if row is not None:
                block_end = block_start = row
        self.row_of = {item_id: row for row, item_id in enumerate(self.ids)}

    def changed(self, ids: set[int] | None = None) -> None:
        """dataChanged over the smallest range holding ``ids`` (all rows if None)."""
        if not self.ids:
            return
        if ids is None:
            first, last = 0, len(self.ids) - 1
        else:
            rows = [self.row_of[i] for i in ids if i in self.row_of]
            if not rows:
                return
            first, last = min(rows), max(rows)
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))


class TransferLists(QObject):
    """The three models plus totals, updated from engine events in batches.

    Signals:
        refreshed(): after each batch (counts and totals may have changed).

    Attributes:
        rows: ``{item_id: Row}`` of every item; models: ``{list name: TransferModel}``;
        totals: the last :class:`QueueProgress`.
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
        self._server_check = server_check
        self.rows: dict[int, Row] = {}
        self.models = {name: TransferModel(self, name) for name in LISTS}
        self.where: dict[int, str] = {}
        self.totals: QueueProgress | None = None
        self._changed_items: dict[int, QueueItem] = {}
        self._progress: dict[int, ItemProgress] = {}
        self._removed: set[int] = set()
        self._notes: dict[int, str] = {}
        self._server_dirty = False
        self.flushes = 0
        self.flush_seconds = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.flush)

    def server_check(self, item_id: int) -> Any:
        return self._server_check(item_id) if self._server_check else None

    # -- input --------------------------------------------------------------------------

    def load(self, items: list[QueueItem]) -> None:
        """Replace everything with the queue's items (a queue was opened or closed)."""
        self._changed_items.clear()
        self._progress.clear()
        self._removed.clear()
        self.rows = {item.id: Row(item, sent=item.sent) for item in items}
        self.where = {item.id: item.list_name for item in items}
        for name, model in self.models.items():
            model.reset([i for i, where in self.where.items() if where == name])
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

    def server_changed(self) -> None:
        self._server_dirty = True
        if not self._timer.isActive():
            self._timer.start()

    # -- batch --------------------------------------------------------------------------

    def flush(self) -> None:
        """Apply everything recorded since the last refresh."""
        started = time.thread_time()
        moved_out: dict[str, set[int]] = {name: set() for name in LISTS}
        moved_in: dict[str, list[int]] = {name: [] for name in LISTS}
        touched: dict[str, set[int]] = {name: set() for name in LISTS}

        for item_id in self._removed:
            where = self.where.pop(item_id, None)
            self.rows.pop(item_id, None)
            if where is not None:
                moved_out[where].add(item_id)
        self._removed.clear()

        for item_id, item in self._changed_items.items():
            row = self.rows.get(item_id)
            if row is None:
                row = self.rows[item_id] = Row(item, sent=item.sent)
            else:
                row.item = item
                if item.state is not ItemState.UPLOADING:
                    row.speed, row.eta = 0.0, None
                if item.state in (ItemState.UPLOADED, ItemState.VERIFIED):
                    row.sent = item.size
                elif item.state is ItemState.QUEUED:
                    row.sent = item.sent
            target = item.list_name
            where = self.where.get(item_id)
            if where != target:
                if where is not None:
                    moved_out[where].add(item_id)
                moved_in[target].append(item_id)
                self.where[item_id] = target
            else:
                touched[target].add(item_id)
        self._changed_items.clear()

        for item_id, progress in self._progress.items():
            row = self.rows.get(item_id)
            if row is None:
                continue
            row.sent, row.speed, row.eta, row.phase, row.connections = (
                progress.sent,
                progress.speed,
                progress.eta,
                progress.phase,
                progress.connections,
            )
            touched[self.where[item_id]].add(item_id)
        self._progress.clear()

        for item_id, note in self._notes.items():
            row = self.rows.get(item_id)
            if row is not None:
                row.note = note
                touched[self.where[item_id]].add(item_id)
        self._notes.clear()

        for name, model in self.models.items():
            model.drop(moved_out[name])
            model.append(sorted(moved_in[name]))
            model.changed(touched[name] - moved_out[name])
        if self._server_dirty:
            self._server_dirty = False
            self.models["successful"].changed()
        self.flushes += 1
        self.flush_seconds += time.thread_time() - started
        self.refreshed.emit()

    def retranslate(self) -> None:
        for model in self.models.values():
            model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(Column) - 1)
            model.changed()

    # -- texts --------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {name: model.rowCount() for name, model in self.models.items()}

    def text(self, row: Row, column: Column) -> str:
        _ = self.tr_.gettext
        locale = self.tr_.locale
        item = row.item
        state = item.state
        if column == Column.NAME:
            return str(item.remote_path)
        if column == Column.SIZE:
            return format_size(item.size, locale)
        if column == Column.PROGRESS:
            return f"{round(row.fraction * 100)} %"
        running = state is ItemState.UPLOADING and not item.paused
        if column == Column.SPEED:
            return format_speed(row.speed, locale) if running and row.speed else ""
        if column == Column.TIME_LEFT:
            return format_eta(row.eta, locale) if running else ""
        if column == Column.STATE:
            return self.state_text(row)
        if column == Column.DETAIL:
            if state is ItemState.FAILED and item.reason:
                return transfer_failure_message(item.reason, item.reason_params or {}, self.tr_)
            if state is ItemState.VERIFIED:
                return self.server_text(item.id)
            if item.reason and state is ItemState.QUEUED:
                return transfer_failure_message(item.reason, item.reason_params or {}, self.tr_)
            return ""
        if column == Column.ACTION:
            if state is ItemState.FAILED and item.action:
                return suggested_action_label(item.action, self.tr_)
            return ""
        return ""

    def state_text(self, row: Row) -> str:
        _ = self.tr_.gettext
        item = row.item
        if item.paused:
            return _("Paused")
        match item.state:
            case ItemState.QUEUED:
                if item.next_attempt_at > time.time():
                    return _("Waiting to retry")
                return _("Queued")
            case ItemState.UPLOADING:
                if row.phase == "check":
                    return _("Checking the part on the server")
                if row.connections > 1:
                    return fill(_("Uploading over {count} connections"), {"count": row.connections})
                return _("Uploading")
            case ItemState.UPLOADED:
                return _("Verifying")
            case ItemState.VERIFIED:
                if row.note == "already_on_server":
                    return _("Already on the server (same size and MD5): not sent again")
                return _("Uploaded and verified")
            case ItemState.FAILED:
                return _("Failed")
        return str(item.state)

    def server_text(self, item_id: int) -> str:
        _ = self.tr_.gettext
        check = self.server_check(item_id)
        if check is None or check.state == "waiting":
            return _("Waiting for the server's MD5…")
        if check.state == "mismatch":
            return fill(
                _("The server's MD5 {md5} differs: requeue the file."), {"md5": check.md5 or ""}
            )
        if check.state == "gone":
            return _("Moved into its dataset on the server")
        if check.state == "selected":
            return _("Verified by the server; selected in a dataset")
        return _("Verified by the server (MD5 matches)")

    def total_text(self) -> str:
        locale = self.tr_.locale
        counts = self.counts()
        files = sum(counts.values())
        total_bytes = sum(row.item.size for row in self.rows.values())
        busy = self.totals is not None and counts["queued"] > 0
        speed = self.totals.speed if busy else 0.0  # type: ignore[union-attr]
        eta = self.totals.eta if self.totals is not None else None
        return fill(
            self.tr_.gettext(
                "{files} files, {size} in all; {queued} queued, {failed} failed, "
                "{done} successful; {speed}, {left} left"
            ),
            {
                "files": files,
                "size": format_size(total_bytes, locale),
                "queued": counts["queued"],
                "failed": counts["failed"],
                "done": counts["successful"],
                "speed": format_speed(speed, locale),
                "left": format_eta(eta, locale) if counts["queued"] else format_eta(0, locale),
            },
        )
