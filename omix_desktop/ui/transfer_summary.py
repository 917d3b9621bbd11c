"""The whole upload queue in one line, and what is worth a notification.

Why separate from the Transfers screen: the tray icon, the main window's
status bar (a progress bar that screen readers announce) and the
notifications all need the queue's overall progress while the Transfers
screen may not be shown. :class:`TransferSummary` subscribes to the app's
upload events once and keeps what they need.

Notifications are coalesced: failures within a short moment make one
notification ("3 uploads failed"), and completion is told once, when the
queue has nothing left to send, rather than once per file of a 10,000-file
run. A cancelled upload is the user's own doing and is not notified.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from omix_desktop.i18n.errors import fill, transfer_failure_message
from omix_desktop.i18n.format import format_percent_value, format_size, format_speed
from omix_desktop.keep_awake import MOVING_STATES
from omix_desktop.transfer import ItemRemoved, ItemState, QueueProgress, StateChanged
from omix_desktop.transfer.events import Event

if TYPE_CHECKING:
    from omix_desktop.ui.context import AppContext

COALESCE_MS = 1500
"""Events this close together make one notification."""


@dataclass(frozen=True, slots=True)
class Notification:
    """One notification, already in the user's language. ``kind``: ``done`` or ``failed``."""

    kind: str
    title: str
    body: str


class TransferSummary(QObject):
    """Overall progress of the app's upload queue, and its notifications.

    Signals:
        changed(): :meth:`percent` or :meth:`text` changed.
        notify(Notification): something finished or failed (sent only while
            the user's notifications setting is on).

    Attributes:
        progress: the queue's last :class:`QueueProgress`, or None before any.
    """

    changed = Signal()
    notify = Signal(object)

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.progress: QueueProgress | None = None
        self._moving: set[int] = set()
        self._done = 0
        self._failed: list[tuple[str, str]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COALESCE_MS)
        self._timer.timeout.connect(self._flush)
        self._unsubscribe: Callable[[], None] | None = None
        uploads = context.uploads
        if uploads is not None:
            self._unsubscribe = uploads.events.subscribe(self.on_event)
            uploads.queue_changed.connect(self._queue_changed)
        context.language.changed.connect(lambda _code: self.changed.emit())

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._timer.stop()

    # -- events -------------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        if isinstance(event, QueueProgress):
            self.progress = event
            self.changed.emit()
        elif isinstance(event, StateChanged):
            item = event.item
            if item.state in MOVING_STATES:
                self._moving.add(item.id)
            else:
                self._moving.discard(item.id)
            if item.state is ItemState.VERIFIED and event.previous is not ItemState.VERIFIED:
                self._done += 1
                self._timer.start()
            elif (
                item.state is ItemState.FAILED
                and event.previous is not ItemState.FAILED
                and item.reason != "cancelled"
            ):
                reason = transfer_failure_message(
                    item.reason or "", item.reason_params or {}, self.context.translator
                )
                self._failed.append((item.remote_path.name, reason))
                self._timer.start()
        elif isinstance(event, ItemRemoved):
            self._moving.discard(event.item_id)

    def _queue_changed(self) -> None:
        uploads = self.context.uploads
        if uploads is None or uploads.queue is None:
            self.progress = None
            self._moving.clear()
            self._done = 0
            self._failed.clear()
            self._timer.stop()
        self.changed.emit()

    # -- what is shown --------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Some upload is sending or being verified."""
        return bool(self._moving)

    def percent(self) -> int | None:
        """0-100 of the bytes of the queue (not failed) done, None when there is nothing."""
        progress = self.progress
        if progress is None or progress.total <= 0:
            return None
        return max(0, min(100, int(progress.done * 100 / progress.total)))

    def text(self) -> str:
        """E.g. "Uploading: 45 % of 1.2 GB, 3 files left, 12 MB/s" (or that all is done)."""
        _ = self.context.translator.gettext
        locale = self.context.translator.locale
        progress = self.progress
        if progress is None or progress.total <= 0:
            return _("No transfers")
        counts = progress.counts
        left = sum(counts.get(state.value, 0) for state in (ItemState.QUEUED, *MOVING_STATES))
        params = {
            "percent": format_percent_value(progress.done / progress.total, locale),
            "size": format_size(progress.total, locale),
            "files": left,
            "failed": counts.get(ItemState.FAILED.value, 0),
            "speed": format_speed(progress.speed, locale),
        }
        if self.busy:
            template = _("Uploading: {percent} of {size}, {files} files left, {speed}")
        elif left:
            template = _("Waiting: {percent} of {size} done, {files} files left")
        else:
            template = _("Uploads done: {percent} of {size}")
        text = fill(template, params)
        if params["failed"]:
            text += fill(_("; {failed} failed"), params)
        return text

    # -- notifications ----------------------------------------------------------------------

    def _flush(self) -> None:
        """Send what piled up; completion waits until nothing is left to send."""
        tr = self.context.translator
        failed, self._failed = self._failed, []
        if failed:
            if len(failed) == 1:
                name, reason = failed[0]
                title = fill(tr.gettext("Upload failed: {name}"), {"name": name})
                body = reason
            else:
                title = fill(tr.gettext("{count} uploads failed"), {"count": len(failed)})
                body = fill(
                    tr.gettext("{names}. See the Failed list in Transfers for what to do."),
                    {"names": ", ".join(name for name, _reason in failed[:5])},
                )
            self._send(Notification("failed", title, body))
        if self._done and not self._busy_or_waiting():
            done, self._done = self._done, 0
            body = fill(
                tr.gettext("{count} files uploaded and verified by their MD5."), {"count": done}
            )
            self._send(Notification("done", tr.gettext("Uploads finished"), body))

    def _busy_or_waiting(self) -> bool:
        if self._moving:
            return True
        uploads = self.context.uploads
        queue = uploads.queue if uploads is not None else None
        if queue is None or queue.paused:
            return False
        counts = self.progress.counts if self.progress is not None else {}
        return counts.get(ItemState.QUEUED.value, 0) - counts.get("paused", 0) > 0

    def _send(self, notification: Notification) -> None:
        if self.context.settings.notifications:
            self.notify.emit(notification)
