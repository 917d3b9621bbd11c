"""What the Transfers lists say about a row, in the user's language.

Kept apart from the models so the words can be read (and translated) in one
place; the models cache what this returns per row, because Babel's number and
size formatting allocates a good deal and a repaint asks for every visible cell.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from omix_desktop.i18n.errors import fill, suggested_action_label, transfer_failure_message
from omix_desktop.i18n.format import format_eta, format_size, format_speed
from omix_desktop.i18n.translator import Translator
from omix_desktop.transfer import ItemState, QueueItem, QueueProgress

LISTS = ("queued", "failed", "successful")


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


@dataclass(slots=True)
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
    texts: list[str | None] = field(default_factory=lambda: [None] * len(Column))
    """Display texts by column, made on first paint, dropped when the row changes."""

    @property
    def fraction(self) -> float:
        if self.item.state is ItemState.VERIFIED:
            return 1.0
        size = self.item.size
        return min(1.0, self.sent / size) if size else 0.0

    def changed(self, columns: tuple[Column, ...] = ()) -> None:
        """Forget the cached texts of ``columns`` (all when empty)."""
        texts = self.texts
        for column in columns or range(len(texts)):
            texts[column] = None


PROGRESS_COLUMNS = (Column.PROGRESS, Column.SPEED, Column.TIME_LEFT, Column.STATE)
"""What a progress event changes (name, size and detail stay)."""


class TransferTexts:
    """Cell, state and total texts; ``server_check(item_id)`` says what the server said."""

    def __init__(self, translator: Translator, server_check: Callable[[int], Any] | None) -> None:
        self.tr_ = translator
        self._server_check = server_check

    def server_check(self, item_id: int) -> Any:
        return self._server_check(item_id) if self._server_check else None

    def detail_header(self, list_name: str) -> str:
        _ = self.tr_.gettext
        return {"failed": _("Reason"), "successful": _("On the server")}.get(list_name, _("Note"))

    def header(self, column: Column) -> str:
        _ = self.tr_.gettext
        return {
            Column.NAME: _("Name"),
            Column.SIZE: _("Size"),
            Column.PROGRESS: _("Progress"),
            Column.SPEED: _("Speed"),
            Column.TIME_LEFT: _("Time left"),
            Column.STATE: _("State"),
            Column.DETAIL: _("Note"),
            Column.ACTION: _("Suggested action"),
        }[column]

    def cell(self, row: Row, column: Column) -> str:
        """The display text, from the row's cache when it has one."""
        text = row.texts[column]
        if text is None:
            text = self.text(row, column)
            item = row.item
            waiting = item.state is ItemState.QUEUED and item.next_attempt_at > 0
            if not (waiting and column == Column.STATE):  # "Waiting to retry" ends by the clock
                row.texts[column] = text
        return text

    def text(self, row: Row, column: Column) -> str:
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

    def total_text(
        self, counts: Mapping[str, int], total_bytes: int, totals: QueueProgress | None
    ) -> str:
        locale = self.tr_.locale
        files = sum(counts.values())
        busy = totals is not None and counts["queued"] > 0
        speed = totals.speed if busy else 0.0  # type: ignore[union-attr]
        eta = totals.eta if totals is not None else None
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
