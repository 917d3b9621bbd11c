"""The tray (Windows) or menu bar (macOS) icon: overall progress, a menu, notifications.

Why: an upload of a night's sequencing runs for hours with the window out of
sight. The icon's tooltip and its menu's first line say how far the queue is,
the menu shows the window, pauses or resumes everything, and quits; when
uploads finish or fail the system shows a notification (unless turned off in
Settings). The icon exists only where the system has a tray
(``QSystemTrayIcon.isSystemTrayAvailable()``); elsewhere notifications go to
the main window's status bar.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from omix_desktop.ui.context import AppContext
from omix_desktop.ui.look import APP_TITLE, look_for
from omix_desktop.ui.transfer_summary import Notification, TransferSummary

NOTIFICATION_MS = 8000


class Tray(QObject):
    """The tray icon and its menu, over a :class:`TransferSummary`.

    Attributes (for tests): icon (QSystemTrayIcon, shown only when the system has a
    tray), menu, progress_action (disabled: the progress line), show_action,
    pause_action, resume_action, quit_action, shown (the last notification sent).
    """

    def __init__(
        self,
        context: AppContext,
        summary: TransferSummary,
        window: QWidget,
        quit_app: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.summary = summary
        self.window = window
        self.shown: Notification | None = None
        look = look_for()
        self.menu = QMenu(window)
        self.menu.setObjectName("tray_menu")
        self.progress_action = QAction(self)
        self.progress_action.setEnabled(False)
        self.show_action = QAction(self)
        look.bind(self.show_action, "show")
        self.show_action.triggered.connect(self.show_window)
        self.pause_action = QAction(self)
        look.bind(self.pause_action, "pause")
        self.pause_action.triggered.connect(self.pause_all)
        self.resume_action = QAction(self)
        look.bind(self.resume_action, "resume")
        self.resume_action.triggered.connect(self.resume_all)
        self.quit_action = QAction(self)
        look.bind(self.quit_action, "quit")
        self.quit_action.triggered.connect(quit_app)
        self.menu.addAction(self.progress_action)
        self.menu.addSeparator()
        for action in (self.show_action, self.pause_action, self.resume_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.menu.aboutToShow.connect(self._update_actions)

        self.icon = QSystemTrayIcon(look.app_icon(), self)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon.show()

        summary.changed.connect(self._update_progress)
        summary.notify.connect(self.show_notification)
        uploads = context.uploads
        if uploads is not None:
            uploads.queue_changed.connect(self._update_actions)
        context.language.changed.connect(self.retranslate)
        self.retranslate()

    @property
    def available(self) -> bool:
        """The system has a tray and the icon is in it."""
        return QSystemTrayIcon.isSystemTrayAvailable() and self.icon.isVisible()

    def retranslate(self) -> None:
        _ = self.context.translator.gettext
        self.show_action.setText(_("Show OMIX Desktop"))
        self.pause_action.setText(_("Pause all transfers"))
        self.resume_action.setText(_("Resume all transfers"))
        self.quit_action.setText(_("Quit"))
        self._update_progress()
        self._update_actions()

    # -- progress -------------------------------------------------------------------------

    def _update_progress(self) -> None:
        text = self.summary.text()
        self.progress_action.setText(text)
        self.icon.setToolTip(f"{APP_TITLE}\n{text}")

    def _update_actions(self) -> None:
        uploads = self.context.uploads
        queue = uploads.queue if uploads is not None else None
        self.pause_action.setEnabled(queue is not None and not queue.paused)
        self.resume_action.setEnabled(queue is not None and queue.paused)

    # -- commands -------------------------------------------------------------------------

    def show_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def pause_all(self) -> None:
        queue = self.context.uploads.queue if self.context.uploads is not None else None
        if queue is not None:
            queue.pause_all()
        self._update_actions()

    def resume_all(self) -> None:
        queue = self.context.uploads.queue if self.context.uploads is not None else None
        if queue is not None:
            queue.resume_all()
        self._update_actions()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.show_window()

    # -- notifications ----------------------------------------------------------------------

    def show_notification(self, notification: Notification) -> None:
        """The system's notification where there is a tray; the status bar otherwise."""
        self.shown = notification
        if self.available and self.icon.supportsMessages():
            kind = (
                QSystemTrayIcon.MessageIcon.Warning
                if notification.kind == "failed"
                else QSystemTrayIcon.MessageIcon.Information
            )
            self.icon.showMessage(notification.title, notification.body, kind, NOTIFICATION_MS)
        status = getattr(self.window, "statusBar", None)
        if callable(status):
            status().showMessage(f"{notification.title}: {notification.body}", NOTIFICATION_MS)

    def close(self) -> None:
        self.icon.hide()
        self.summary.close()
