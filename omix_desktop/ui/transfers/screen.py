"""Transfers: FileZilla's Queued / Failed / Successful lists over the app's upload queue.

The screen never polls the engine: :class:`TransferLists` subscribes to its
events and refreshes in batches. Commands (retry, pause, resume, cancel,
remove) go straight to :class:`~omix_desktop.transfer.UploadQueue`; their
effects come back as events like everything else.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from omix_desktop.i18n.message import Message
from omix_desktop.i18n.translator import N_
from omix_desktop.transfer import ItemState, UploadQueue
from omix_desktop.transfer.throttle import SpeedSchedule
from omix_desktop.ui.base import Screen, message_label, show_message
from omix_desktop.ui.context import AppContext
from omix_desktop.ui.toolbar import ActionBar
from omix_desktop.ui.transfers.delegate import ProgressDelegate
from omix_desktop.ui.transfers.model import ITEM_ID_ROLE, LISTS, Column, TransferLists

MAX_PARALLEL = 8
MAX_CONNECTIONS_PER_FILE = 32


class TransfersScreen(Screen):
    """Attributes: lists (TransferLists), tabs, views ({list: QTableView}), buttons,
    total_label, and the connection panel (tls_combo, speed_spin, parallel_spin)."""

    key = "transfers"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        uploads = context.uploads
        self.lists = TransferLists(
            context.translator,
            (lambda item_id: uploads.server_checks.get(item_id)) if uploads else None,
            self,
        )
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.status = message_label(self)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("transfer_lists")
        self.views: dict[str, QTableView] = {}
        self._delegate = ProgressDelegate(self)
        for name in LISTS:
            view = self._make_view(name)
            self.views[name] = view
            self.tabs.addTab(view, "")
        self.tabs.currentChanged.connect(self._selection_changed)

        self.retry_button = QPushButton()
        self.pause_button = QPushButton()
        self.resume_button = QPushButton()
        self.cancel_button = QPushButton()
        self.remove_button = QPushButton()
        self.pause_all_button = QPushButton()
        self.resume_all_button = QPushButton()
        self.retry_all_button = QPushButton()
        self.clear_button = QPushButton()
        self.retry_button.clicked.connect(lambda: self.act("retry"))
        self.pause_button.clicked.connect(lambda: self.act("pause"))
        self.resume_button.clicked.connect(lambda: self.act("resume"))
        self.cancel_button.clicked.connect(lambda: self.act("cancel"))
        self.remove_button.clicked.connect(lambda: self.act("remove"))
        self.pause_all_button.clicked.connect(self.pause_all)
        self.resume_all_button.clicked.connect(self.resume_all)
        self.retry_all_button.clicked.connect(self.retry_all)
        self.clear_button.clicked.connect(self.clear_list)
        row_buttons = QHBoxLayout()
        row_bar = ActionBar("transfer_actions", self)  # icons; wraps when the window is narrow
        for button, icon in (
            (self.retry_button, "retry"),
            (self.pause_button, "pause"),
            (self.resume_button, "resume"),
            (self.cancel_button, "cancel"),
            (self.remove_button, "remove"),
        ):
            row_bar.add(button, icon)
        row_buttons.addWidget(row_bar, 1)
        all_buttons = QHBoxLayout()
        all_bar = ActionBar("queue_actions", self)
        for button, icon in (
            (self.retry_all_button, "retry"),
            (self.pause_all_button, "pause"),
            (self.resume_all_button, "resume"),
            (self.clear_button, "remove"),
        ):
            all_bar.add(button, icon)
        all_buttons.addWidget(all_bar, 1)
        self.total_label = QLabel()
        self.total_label.setObjectName("transfer_totals")
        self.total_label.setWordWrap(True)

        self.connection_box = QGroupBox()
        self.connection_box.setVisible(False)
        self.connection_button = QPushButton()
        self.connection_button.setCheckable(True)
        self.connection_button.toggled.connect(self.connection_box.setVisible)
        self.passive_label = QLabel()
        self.passive_label.setWordWrap(True)
        self.tls_label = QLabel()
        self.tls_combo = QComboBox()
        for mode in ("auto", "on", "off"):
            self.tls_combo.addItem("", mode)
        self.tls_label.setBuddy(self.tls_combo)
        self.speed_label = QLabel()
        self.speed_spin = QSpinBox()
        self.speed_spin.setRange(0, 10_000_000)
        self.speed_spin.setSingleStep(512)
        self.speed_label.setBuddy(self.speed_spin)
        self.schedule_label = QLabel()
        self.schedule_edit = QLineEdit()
        self.schedule_edit.textChanged.connect(self._check_schedule)
        self.schedule_label.setBuddy(self.schedule_edit)
        self.parallel_label = QLabel()
        self.parallel_spin = QSpinBox()
        self.parallel_spin.setRange(1, MAX_PARALLEL)
        self.parallel_label.setBuddy(self.parallel_spin)
        self.connections_label = QLabel()
        self.connections_spin = QSpinBox()
        self.connections_spin.setRange(0, MAX_CONNECTIONS_PER_FILE)
        self.connections_label.setBuddy(self.connections_spin)
        self.save_button = QPushButton()
        self.save_button.clicked.connect(self.save_connection)
        form = QFormLayout(self.connection_box)
        form.addRow(self.passive_label)
        form.addRow(self.tls_label, self.tls_combo)
        form.addRow(self.speed_label, self.speed_spin)
        form.addRow(self.schedule_label, self.schedule_edit)
        form.addRow(self.parallel_label, self.parallel_spin)
        form.addRow(self.connections_label, self.connections_spin)
        form.addRow(self.save_button)
        self.connection_message = message_label(self.connection_box)
        form.addRow(self.connection_message)
        self._load_connection()

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.status)
        layout.addLayout(row_buttons)
        layout.addLayout(all_buttons)
        layout.addWidget(self.tabs, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.total_label, 1)
        bottom.addWidget(self.connection_button)
        layout.addLayout(bottom)
        layout.addWidget(self.connection_box)

        self.lists.refreshed.connect(self._refreshed)
        if uploads is not None:
            self._unsubscribe: Callable[[], None] | None = uploads.events.subscribe(
                self.lists.on_event
            )
            self.destroyed.connect(lambda *_a, u=self._unsubscribe: u())
            uploads.queue_changed.connect(self.reload)
            uploads.server_checked.connect(self._server_checked)
        self.reload()
        self.retranslate()

    def _make_view(self, name: str) -> QTableView:
        view = QTableView()
        view.setObjectName(f"transfers_{name}")
        view.setModel(self.lists.models[name])
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setWordWrap(False)
        view.setItemDelegateForColumn(Column.PROGRESS, self._delegate)
        view.verticalHeader().setVisible(False)
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        view.verticalHeader().setDefaultSectionSize(24)
        header = view.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in (
            (Column.NAME, 240),
            (Column.SIZE, 80),
            (Column.PROGRESS, 110),
            (Column.SPEED, 90),
            (Column.TIME_LEFT, 90),
            (Column.STATE, 150),
            (Column.DETAIL, 260),
        ):
            header.resizeSection(column, width)
        if name != "failed":
            view.setColumnHidden(Column.ACTION, True)
        if name == "successful":
            view.setColumnHidden(Column.SPEED, True)
            view.setColumnHidden(Column.TIME_LEFT, True)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(lambda point, v=view: self._context_menu(v, point))
        view.selectionModel().selectionChanged.connect(self._selection_changed)
        return view

    def nav_title(self) -> str:
        return self.i18n.gettext("Transfers")

    def retranslate(self) -> None:
        _ = self.i18n.gettext
        self.heading.setText(_("Transfers"))
        self.retry_button.setText(_("Retry"))
        self.pause_button.setText(_("Pause"))
        self.resume_button.setText(_("Resume"))
        self.cancel_button.setText(_("Cancel"))
        self.remove_button.setText(_("Remove"))
        for button in (
            self.retry_button,
            self.pause_button,
            self.resume_button,
            self.cancel_button,
            self.remove_button,
        ):
            button.setToolTip(_("Applies to the selected rows of the list shown."))
        self.retry_all_button.setText(_("Retry all failed"))
        self.pause_all_button.setText(_("Pause all"))
        self.resume_all_button.setText(_("Resume all"))
        self.clear_button.setText(_("Remove all in this list"))
        self.connection_box.setTitle(_("Connection"))
        self.connection_button.setText(_("Connection settings"))
        self.passive_label.setText(
            _(
                "Passive mode: the app opens every connection to the server, which "
                "works behind firewalls and NAT. It is the only mode."
            )
        )
        self.tls_label.setText(_("Encryption (TLS):"))
        for index, text in enumerate(
            (_("Automatic (when the server offers it)"), _("Always"), _("Never"))
        ):
            self.tls_combo.setItemText(index, text)
        self.speed_label.setText(_("Speed limit (KiB/s):"))
        self.speed_spin.setSpecialValueText(_("No limit"))
        self.schedule_label.setText(_("Speed by time of day:"))
        self.schedule_edit.setPlaceholderText(_("e.g. 08:00,2M 19:00,off"))
        self.schedule_edit.setToolTip(
            _(
                "Limits that change by the clock, over all transfers: 08:00,2M 19:00,off is "
                "2 MiB/s from 8:00 and no limit from 19:00. It replaces the fixed limit."
            )
        )
        self.parallel_label.setText(_("Parallel transfers:"))
        self.connections_label.setText(_("Connections per file:"))
        self.connections_spin.setSpecialValueText(_("Automatic"))
        self.connections_spin.setToolTip(
            _(
                "A large file is sent over several connections at once when the server "
                "supports it; automatic adds connections while the speed still grows."
            )
        )
        self.save_button.setText(_("Apply"))
        for name, view in self.views.items():
            view.setAccessibleName(self._list_title(name))
        for button in self.tabs.tabBar().findChildren(QToolButton):  # Qt's scroll arrows
            if button.objectName() == "ScrollLeftButton":
                button.setAccessibleName(_("Scroll left"))
            elif button.objectName() == "ScrollRightButton":
                button.setAccessibleName(_("Scroll right"))
        self.lists.retranslate()
        self._refreshed()

    def _list_title(self, name: str) -> str:
        _ = self.i18n.gettext
        return {"queued": _("Queued"), "failed": _("Failed"), "successful": _("Successful")}[name]

    # -- data ---------------------------------------------------------------------------

    @property
    def queue(self) -> UploadQueue | None:
        uploads = self.context.uploads
        return uploads.queue if uploads is not None else None

    def reload(self) -> None:
        """Show the current queue's items (after sign-in, or when it closed)."""
        queue = self.queue
        self.lists.load(queue.items() if queue is not None else [])

    def _server_checked(self) -> None:
        uploads = self.context.uploads
        if uploads is not None:
            self.lists.server_changed(uploads.changed_checks)  # those rows only

    def _refreshed(self) -> None:
        _ = self.i18n.gettext
        counts = self.lists.counts()
        for index, name in enumerate(LISTS):
            self.tabs.setTabText(index, f"{self._list_title(name)} ({counts[name]})")
        self.total_label.setText(self.lists.total_text())
        queue = self.queue
        save_error = getattr(queue.store, "save_error", None) if queue is not None else None
        if queue is None:
            self.say(self.status, Message(N_("Sign in to upload: transfers use your account.")))
        elif save_error:
            self.say(
                self.status,
                Message(
                    N_(
                        "The upload queue could not be saved on this computer ({error}). "
                        "Transfers go on and saving is tried again every few seconds: free "
                        "some disk space, or close the program that holds {path}."
                    ),
                    error=save_error,
                    path=str(queue.store.path),  # type: ignore[union-attr]
                ),
                error=True,
            )
        elif queue.paused:
            show_message(
                self.status,
                _("All transfers are paused. Fix what the Failed list says, then Resume all."),
                error=True,
            )
        else:
            show_message(self.status, "")
        self._selection_changed()

    # -- commands -----------------------------------------------------------------------

    def current_list(self) -> str:
        return LISTS[self.tabs.currentIndex()]

    def selected_ids(self) -> list[int]:
        view = self.views[self.current_list()]
        return [int(index.data(ITEM_ID_ROLE)) for index in view.selectionModel().selectedRows()]

    def _selection_changed(self, *_args: object) -> None:
        has_queue = self.queue is not None
        ids = self.selected_ids() if has_queue else []
        rows = [self.lists.rows[i].item for i in ids if i in self.lists.rows]
        active = [
            i for i in rows if i.state is not ItemState.VERIFIED and i.state is not ItemState.FAILED
        ]
        self.retry_button.setEnabled(any(i.state is ItemState.FAILED for i in rows))
        self.pause_button.setEnabled(any(not i.paused for i in active))
        self.resume_button.setEnabled(any(i.paused for i in active))
        self.cancel_button.setEnabled(bool(active))
        self.remove_button.setEnabled(bool(rows))
        counts = self.lists.counts()
        self.retry_all_button.setEnabled(has_queue and counts["failed"] > 0)
        self.pause_all_button.setEnabled(has_queue and not self.queue.paused)  # type: ignore[union-attr]
        self.resume_all_button.setEnabled(has_queue and bool(self.queue and self.queue.paused))
        self.clear_button.setEnabled(has_queue and counts[self.current_list()] > 0)

    def act(self, command: str, ids: list[int] | None = None) -> None:
        """``retry``, ``pause``, ``resume``, ``cancel`` or ``remove`` the given (selected) rows."""
        queue = self.queue
        if queue is None:
            return
        ids = self.selected_ids() if ids is None else ids
        if command == "retry":
            if queue.paused:
                queue.resume_all()
            queue.retry(ids)
            return
        for item_id in ids:
            item = queue.get(item_id)
            if item is None:
                continue
            if command == "pause" and item.state not in (ItemState.VERIFIED, ItemState.FAILED):
                queue.pause(item_id)
            elif command == "resume" and item.paused:
                queue.resume(item_id)
            elif command == "cancel":
                queue.cancel(item_id)
            elif command == "remove":
                queue.remove(item_id)

    def pause_all(self) -> None:
        if self.queue is not None:
            self.queue.pause_all()
            self._refreshed()

    def resume_all(self) -> None:
        queue = self.queue
        if queue is not None:
            queue.resume_all()
            for item in queue.items([ItemState.QUEUED, ItemState.UPLOADING]):
                if item.paused:
                    queue.resume(item.id)
            self._refreshed()

    def retry_all(self) -> None:
        queue = self.queue
        if queue is not None:
            if queue.paused:
                queue.resume_all()
            queue.retry()

    def clear_list(self) -> None:
        name = self.current_list()
        self.act("remove", list(self.lists.models[name].ids))

    def _context_menu(self, view: QTableView, point: QPoint) -> None:
        _ = self.i18n.gettext
        index = view.indexAt(point)
        if not index.isValid():
            return
        item_id = int(index.data(ITEM_ID_ROLE))
        menu = QMenu(self)
        for command, label in (
            ("retry", _("Retry")),
            ("pause", _("Pause")),
            ("resume", _("Resume")),
            ("cancel", _("Cancel")),
            ("remove", _("Remove")),
        ):
            action = menu.addAction(label)
            action.triggered.connect(lambda _c=False, c=command: self.act(c, [item_id]))
        menu.popup(view.viewport().mapToGlobal(point))

    # -- connection settings ------------------------------------------------------------

    def _load_connection(self) -> None:
        settings = self.context.settings
        index = self.tls_combo.findData(settings.tls_mode)
        self.tls_combo.setCurrentIndex(max(0, index))
        self.speed_spin.setValue(max(0, settings.speed_limit_kib))
        self.schedule_edit.setText(settings.speed_schedule)
        self.parallel_spin.setValue(min(MAX_PARALLEL, max(1, settings.parallel_transfers)))
        self.connections_spin.setValue(
            min(MAX_CONNECTIONS_PER_FILE, max(0, settings.connections_per_file))
        )

    def _check_schedule(self, _text: str = "") -> bool:
        """Checked as typed: an entry the timetable cannot read is named at once."""
        _ = self.i18n.gettext
        text = self.schedule_edit.text().strip()
        try:
            if text:
                SpeedSchedule.parse(text)
        except ValueError:
            self.say(
                self.connection_message,
                Message(
                    N_(
                        "The timetable is not readable: write times and speeds like "
                        "08:00,2M 19:00,off (speeds in K, M or G per second, or off)."
                    )
                ),
                error=True,
            )
            return False
        show_message(self.connection_message, "")
        return True

    def activated(self) -> None:
        self._load_connection()  # the settings screen may have changed the TLS mode

    def save_connection(self) -> None:
        """Save the panel in the settings and apply it to the running queue now."""
        _ = self.i18n.gettext
        settings = self.context.settings
        settings.tls_mode = str(self.tls_combo.currentData())
        if not self._check_schedule():
            return
        settings.speed_limit_kib = self.speed_spin.value()
        settings.speed_schedule = self.schedule_edit.text().strip()
        settings.parallel_transfers = self.parallel_spin.value()
        settings.connections_per_file = self.connections_spin.value()
        self.context.save_settings()
        if self.context.uploads is not None:
            self.spawn(self.context.uploads.apply_settings())
        self.say(self.connection_message, Message(N_("Saved. New connections use these settings.")))
