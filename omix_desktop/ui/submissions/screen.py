"""My submissions: follow datasets through checking, curation and release, and act on them.

The table is the guide's (ID, title, organism, access, last edit, status,
curation), searchable and sortable. Choosing a dataset shows its summary and
files; the actions are those the guide allows until release (basic info, fix
an MD5, delete a file, early release, reviewer link) and the MOST number
after it. Updates arrive by themselves: the list is polled, fast while files
are being checked and slowly otherwise (:mod:`omix_desktop.status_watch`),
and a change worth knowing becomes a notification.

Signals:
    notified(str): a translated notification (archived, MD5 failed, released…).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, ClassVar

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSystemTrayIcon,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from omix_desktop import status_watch
from omix_desktop.api.archive_models import Dataset, FileDiagnosis
from omix_desktop.api.errors import ApiError
from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.format import format_date, format_number, format_size
from omix_desktop.status_watch import ChangeKind
from omix_desktop.ui.base import (
    list_and_detail,
    message_label,
    rows_view,
)
from omix_desktop.ui.context import AppContext
from omix_desktop.ui.submissions.actions import DatasetActions
from omix_desktop.ui.submissions.file_notes import CHECKING, computed_md5, file_note
from omix_desktop.ui.submissions.model import (
    COLUMNS,
    DatasetsModel,
    access_label,
    files_and_size,
    status_label,
)
from omix_desktop.ui.toolbar import ActionBar
from omix_desktop.ui.uploads_service import local_uploads

DIAGNOSE_EVERY = 5.0
"""Seconds between two diagnoses of the open dataset's Checking files while polling."""
FILE_COLUMNS = ("file_id", "title", "size", "md5", "md5_server", "status", "downloads", "note")


class SubmissionsScreen(DatasetActions):
    key: ClassVar[str] = "submissions"
    notified = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.model = DatasetsModel(self.i18n)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.current: Dataset | None = None
        self._snapshot: dict[str, Any] = {}
        self._watch: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        """Set to look at the list now (a dataset was just made, the screen was shown)."""
        self.diagnoses: dict[str, FileDiagnosis] = {}
        """The server's diagnosis of the open dataset's ``Checking`` files, by file id."""
        self._diagnosed_at = 0.0
        self.watch_delay = status_watch.FAST
        """The watch's current pause between two looks at the list (seconds)."""

        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.refresh_button = QPushButton()
        self.refresh_button.clicked.connect(lambda: self.spawn(self.refresh()))
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.refresh_button)

        self.table = QTableView()
        self.table.setObjectName("datasets")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMNS.index("updated_at"), Qt.SortOrder.DescendingOrder)
        rows_view(self.table)
        self.table.selectionModel().currentRowChanged.connect(self._chosen)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.files = QTableWidget(0, len(FILE_COLUMNS))
        self.files.setObjectName("dataset_files")
        rows_view(self.files)
        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        bar = ActionBar("dataset_actions", self)  # icons; wraps when the window is narrow
        for name, handler in (
            ("edit", self._edit_info),
            ("release", self._release_early),
            ("fix_md5", self._fix_md5),
            ("delete_file", self._delete_file),
            ("review_link", self._review_link),
            ("new_link", self._new_review_link),
            ("close_link", self._close_link),
            ("add_ftp", self._add_from_preupload),
            ("add_online", self._add_online),
            ("most", self._most_number),
        ):
            button = QPushButton()
            button.setObjectName(name)
            button.clicked.connect(handler)
            bar.add(button)
            self.buttons[name] = button
        actions.addWidget(bar, 1)
        self.message = message_label()
        self.message.setObjectName("message")

        list_and_detail(
            self, heading=self.heading, top=top, table=self.table, summary=self.summary,
            files=self.files, actions=actions, message=self.message,
        )  # fmt: skip
        context.session.changed.connect(self._session_changed)
        self.retranslate()
        self._update_buttons()

    # -- language ---------------------------------------------------------------------

    def nav_title(self) -> str:
        return self.i18n.gettext("My submissions")

    def retranslate(self) -> None:
        _ = self.i18n.gettext
        self.heading.setText(_("My submissions"))
        self.search.setPlaceholderText(_("Search by ID, title or organism"))
        self.refresh_button.setText(_("Refresh"))
        texts = {
            "edit": _("Edit basic info…"),
            "release": _("Release early…"),
            "fix_md5": _("Fix MD5…"),
            "delete_file": _("Delete file…"),
            "review_link": _("Reviewer link"),
            "new_link": _("New reviewer link…"),
            "close_link": _("Close reviewer link"),
            "add_ftp": _("Add pre-uploaded files…"),
            "add_online": _("Add files online…"),
            "most": _("MOST registration number…"),
        }
        for name, text in texts.items():
            self.buttons[name].setText(text)
        self.files.setHorizontalHeaderLabels(
            [_("File ID"), _("Title"), _("Size"), _("MD5 (yours)"), _("MD5 (archive)"),
             _("Status"), _("Downloads"), _("Note")]
        )  # fmt: skip
        self.model.retranslate()
        self._show_dataset()

    # -- data -------------------------------------------------------------------------

    def activated(self) -> None:
        self._start_watching()
        self.wake()

    def wake(self) -> None:
        """Look at the list now instead of at the end of the current pause (e.g. after
        the New dataset form submitted one)."""
        self._wake.set()
        self._start_watching()

    def _session_changed(self) -> None:
        if self.context.session.api is None or self.context.session.user is None:
            self._stop_watching()
            self._snapshot = {}
            self.model.set_rows([])
            self.current = None
            self._show_dataset()
        else:  # signed in: follow the datasets (and notify) whichever screen is shown
            self._start_watching()

    def _start_watching(self) -> None:
        if self._watch is None or self._watch.done():
            self._watch = self.spawn(self._watch_loop())

    def _stop_watching(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None

    async def _watch_loop(self) -> None:
        self.watch_delay = status_watch.FAST
        while self.context.session.api is not None:
            self._wake.clear()
            changed = await self.refresh()
            self.watch_delay = status_watch.next_delay(self.watch_delay, self.model.rows, changed)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.watch_delay)

    async def refresh(self) -> bool:
        """Reload the list (and the open dataset); True when something changed.

        The model is updated row by row, so the selection and the scroll position
        survive; a dataset that appeared counts as a change (look again soon).
        """
        api = self.context.session.api
        if api is None:
            return False
        try:
            rows = await asyncio.to_thread(api.my_datasets)
        except ApiError as error:
            self.say_api_error(self.message, error)
            return False
        events = status_watch.changes(self._snapshot, rows)
        moved = status_watch.differs(self._snapshot, rows)
        chosen = self.current.accession if self.current else None
        # the open dataset's row changed without a status event (a curator approved it,
        # another client edited it): its pane is read again, else it shows the old values
        edited = chosen is not None and self._snapshot.get(chosen) != next(
            (row for row in rows if row.accession == chosen), None
        )
        self._snapshot = {row.accession: row for row in rows}
        top = self._top_row()
        self.model.set_rows(rows)
        if not self.table.selectionModel().hasSelection():
            self._reselect(chosen)
        self._keep_top(top)
        for event in events:
            self._notify(event.accession, event.kind)
        if chosen is not None and (events or edited or self.current is None):
            await self.open(chosen)
        elif chosen and self._checking() and time.monotonic() - self._diagnosed_at > DIAGNOSE_EVERY:
            await self.open(chosen)  # what is still Checking may have moved on
        return bool(events) or moved

    def _top_row(self) -> str | None:
        """The dataset at the top of the scrolled list (None when not scrolled)."""
        if self.table.verticalScrollBar().value() == 0:
            return None  # at the top: stay there, so new datasets are seen
        index = self.table.indexAt(self.table.viewport().rect().topLeft())
        return str(index.siblingAtColumn(0).data()) if index.isValid() else None

    def _keep_top(self, accession: str | None) -> None:
        """Scroll back to the row that was at the top when rows came or went above it."""
        if accession is None or self._top_row() == accession:
            return
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data() == accession:
                self.table.scrollTo(index, QTableView.ScrollHint.PositionAtTop)
                return

    def _reselect(self, accession: str | None) -> None:
        if accession is None:
            return
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data() == accession:
                self.table.selectionModel().blockSignals(True)
                self.table.selectRow(row)
                self.table.selectionModel().blockSignals(False)

    def _chosen(self, current: Any, _previous: Any) -> None:
        if current.isValid():
            accession = self.proxy.index(current.row(), 0).data()
            self.spawn(self.open(accession))

    async def open(self, accession: str) -> None:
        api = self.context.session.api
        if api is None:
            return
        try:
            self.current = await asyncio.to_thread(api.dataset, accession)
        except ApiError as error:
            self.say_api_error(self.message, error)
            return
        self._show_dataset()
        await self._diagnose(self.current)

    def _checking(self) -> list[str]:
        files = self.current.files if self.current is not None else []
        return [item.file_id for item in files if item.status == CHECKING]

    async def _diagnose(self, dataset: Dataset) -> None:
        """Ask the server why each file still Checking waits (off the Qt thread)."""
        api = self.context.session.api
        checking = self._checking()
        self._diagnosed_at = time.monotonic()
        found: dict[str, FileDiagnosis] = {}
        for file_id in checking:
            if api is None:
                return
            try:
                found[file_id] = await asyncio.to_thread(
                    api.file_diagnosis, dataset.accession, file_id
                )
            except ApiError:
                continue  # the note falls back to the reason the dataset carries
        if self.current is dataset:
            self.diagnoses = found
            self._show_dataset()

    def _show_dataset(self) -> None:
        _ = self.i18n.gettext
        dataset = self.current
        self._update_buttons()
        if dataset is None:
            self.summary.setText(_("Choose a dataset to see its files and what you can do."))
            self.files.setRowCount(0)
            return
        locale = self.i18n.locale
        lines = [
            f"<b>{dataset.accession}</b> — {dataset.title}",
            fill(
                _("{organism} · {access} · BioProject {bioproject} · release {date}"),
                {
                    "organism": dataset.organism,
                    "access": access_label(dataset.access, self.i18n),
                    "bioproject": dataset.bioproject,
                    "date": format_date(dataset.release_date, locale),
                },
            ),
            fill(
                _("Status: {status} · Curation: {curation} · {files}"),
                {
                    "status": status_label(dataset.status, self.i18n),
                    "curation": status_label(dataset.curation_status, self.i18n),
                    "files": files_and_size(dataset.file_count, dataset.total_size, self.i18n),
                },
            ),
        ]
        if dataset.curation_message:
            lines.append(
                fill(_("Curator's message: {message}"), {"message": dataset.curation_message})
            )
        self.summary.setText("<br>".join(lines))
        self.files.setRowCount(len(dataset.files))
        computed = local_uploads(self.context)
        for row, item in enumerate(dataset.files):
            diagnosis = self.diagnoses.get(item.file_id)
            note = file_note(item, computed_md5(item, computed), self.i18n, diagnosis)
            values = (
                item.file_id, item.title, format_size(item.size, locale), item.md5,
                item.md5_server or "", status_label(item.status, self.i18n),
                format_number(item.download_count, locale), note,
            )  # fmt: skip
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if FILE_COLUMNS[column] == "note" and value:
                    cell.setToolTip(value)
                self.files.setItem(row, column, cell)

    def _update_buttons(self) -> None:
        dataset = self.current
        open_ = dataset is not None and dataset.released_at is None
        archived = open_ and dataset is not None and dataset.status == "Archived"
        self.buttons["edit"].setEnabled(open_)
        self.buttons["release"].setEnabled(open_)
        self.buttons["fix_md5"].setEnabled(open_)
        self.buttons["delete_file"].setEnabled(open_)
        self.buttons["review_link"].setEnabled(archived)
        self.buttons["new_link"].setEnabled(archived)
        self.buttons["close_link"].setEnabled(open_)
        self.buttons["add_ftp"].setEnabled(open_)
        self.buttons["add_online"].setEnabled(open_)
        self.buttons["most"].setEnabled(dataset is not None)

    def selected_file_id(self) -> str | None:
        row = self.files.currentRow()
        item = self.files.item(row, 0) if row >= 0 else None
        return item.text() if item is not None else None

    # -- notifications ----------------------------------------------------------------

    def _notice(self, accession: str, kind: ChangeKind) -> str:
        """What changed, in the current language."""
        _ = self.i18n.gettext
        texts = {
            ChangeKind.ARCHIVED: _("{accession}: every file is verified and archived."),
            ChangeKind.MD5_FAILED: _(
                "{accession}: a file's MD5 does not match. Open it and fix the MD5."
            ),
            ChangeKind.RELEASED: _("{accession} has been released."),
            ChangeKind.RETURNED: _("{accession} was sent back by a curator; see the message."),
        }
        return fill(texts[kind], {"accession": accession})

    def _notify(self, accession: str, kind: ChangeKind) -> None:
        text = self._notice(accession, kind)
        self.say(self.message, lambda _tr: self._notice(accession, kind))  # follows a switch
        self.notified.emit(text)
        if QSystemTrayIcon.isSystemTrayAvailable():
            tray = QSystemTrayIcon(self.windowIcon(), self)
            tray.show()
            tray.showMessage("OMIX Desktop", text)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self._stop_watching()
        with contextlib.suppress(RuntimeError):
            super().closeEvent(event)
