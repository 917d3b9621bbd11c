"""Released data: browse and search the public archive, download files, request access.

Open data needs no account; controlled data is requested with a stated
purpose and downloaded once the submitter approves (signed in). Downloads
run in worker threads (:mod:`omix_desktop.transfer.segmented_download`: a
large file over several connections), two at a time, into a folder the app
remembers; each ends MD5-verified, and a cut download resumes from its
``.part`` the next time, fetching only what is missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from omix_desktop.api.archive_models import PublicDatasetDetail, PublicDatasetSummary
from omix_desktop.api.client import ApiClient
from omix_desktop.api.errors import ApiError
from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.format import format_datetime, format_percent_value, format_size
from omix_desktop.i18n.message import Message, render
from omix_desktop.i18n.server_terms import term
from omix_desktop.i18n.translator import N_
from omix_desktop.transfer.http_download import Download, DownloadError
from omix_desktop.transfer.segmented_download import fetch_segmented
from omix_desktop.ui import dialogs
from omix_desktop.ui.base import (
    Screen,
    list_and_detail,
    message_label,
    rows_view,
    show_message,
)
from omix_desktop.ui.context import AppContext
from omix_desktop.ui.submissions.model import access_label, files_and_size

PAGE_SIZE = 50
PARALLEL_DOWNLOADS = 2
Index = QModelIndex | QPersistentModelIndex
FILE_COLUMNS = ("file_id", "title", "samples", "data_type", "size", "suffix", "downloads", "state")


class ReleasedModel(QAbstractTableModel):
    """One page of the public list (the server sorts and pages: 100,000 rows stay cheap)."""

    def __init__(self, screen: ReleasedScreen) -> None:
        super().__init__()
        self.screen = screen
        self.rows: list[PublicDatasetSummary] = []

    def set_rows(self, rows: list[PublicDatasetSummary]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else 6

    def headerData(  # noqa: N802 - Qt's name
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        _ = self.screen.i18n.gettext
        return (_("ID"), _("BioProject"), _("Title"), _("Organism"), _("Access"),
                _("Released"))[section]  # fmt: skip

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        tr = self.screen.i18n
        values = (
            row.accession, row.bioproject or "", row.title, row.organism,
            access_label(row.access, tr), format_datetime(row.released_at, tr.locale),
        )  # fmt: skip
        return values[index.column()]

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 5)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 5))


class ReleasedScreen(Screen):
    key: ClassVar[str] = "released"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.model = ReleasedModel(self)
        self.page = 1
        self.pages = 1
        self.total = 0
        self.current: PublicDatasetDetail | None = None
        self.access_state: dict[str, Any] = {}
        self._states: dict[str, Any] = {}
        """A file's download state, kept as a Message (or a percent) to show in any language."""
        self._limit = asyncio.Semaphore(PARALLEL_DOWNLOADS)
        self._cancel = threading.Event()

        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setClearButtonEnabled(True)
        self.sort = QComboBox()
        self.sort.setObjectName("sort")
        self.previous_page = QPushButton()
        self.next_page = QPushButton()
        self.page_label = QLabel()
        top = QHBoxLayout()
        for widget, stretch in ((self.search, 1), (self.sort, 0), (self.previous_page, 0),
                                (self.page_label, 0), (self.next_page, 0)):  # fmt: skip
            top.addWidget(widget, stretch)

        self.table = QTableView()
        self.table.setObjectName("released_datasets")
        self.table.setModel(self.model)
        rows_view(self.table)
        self.table.selectionModel().currentRowChanged.connect(self._chosen)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.files = QTableWidget(0, len(FILE_COLUMNS))
        self.files.setObjectName("public_files")
        rows_view(self.files, multiple=True)
        self.download_button = QPushButton()
        self.download_button.setObjectName("download")
        self.request_button = QPushButton()
        self.request_button.setObjectName("request_access")
        self.access_label = QLabel()
        self.access_label.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.download_button)
        actions.addWidget(self.request_button)
        actions.addWidget(self.access_label, 1)
        self.message = message_label()
        self.message.setObjectName("message")

        list_and_detail(
            self, heading=self.heading, top=top, table=self.table, summary=self.summary,
            files=self.files, actions=actions, message=self.message,
        )  # fmt: skip

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(300)
        self._search_timer.timeout.connect(lambda: self._go(1))
        self.search.textEdited.connect(lambda _text: self._search_timer.start())
        self.sort.currentIndexChanged.connect(lambda _index: self._go(1))
        self.previous_page.clicked.connect(lambda: self._go(self.page - 1))
        self.next_page.clicked.connect(lambda: self._go(self.page + 1))
        self.download_button.clicked.connect(self._download_clicked)
        self.request_button.clicked.connect(self._request_clicked)
        self._loaded = False
        self.retranslate()

    # -- language ---------------------------------------------------------------------

    def nav_title(self) -> str:
        return self.i18n.gettext("Released data")

    def retranslate(self) -> None:
        _ = self.i18n.gettext
        self.heading.setText(_("Released data"))
        self.search.setPlaceholderText(_("Search titles, descriptions, organisms and IDs"))
        choices = [("released", "desc", _("Newest first")), ("released", "asc", _("Oldest first")),
                   ("accession", "asc", _("By ID")), ("title", "asc", _("By title"))]  # fmt: skip
        chosen = max(self.sort.currentIndex(), 0)
        self.sort.blockSignals(True)
        self.sort.clear()
        for key, order, label in choices:
            self.sort.addItem(label, (key, order))
        self.sort.setCurrentIndex(chosen)
        self.sort.blockSignals(False)
        self.previous_page.setText(_("Previous"))
        self.next_page.setText(_("Next"))
        self.download_button.setText(_("Download selected files…"))
        self.request_button.setText(_("Request access…"))
        self.files.setHorizontalHeaderLabels(
            [_("File ID"), _("Title"), _("Samples / files"), _("Data type"), _("Size"),
             _("Suffix"), _("Downloads"), _("Download")]
        )  # fmt: skip
        self.model.retranslate()
        self._show_page_label()
        self._show_dataset()

    # -- the list ---------------------------------------------------------------------

    def activated(self) -> None:
        if not self._loaded:
            self._loaded = True
            self._go(1)

    def _go(self, page: int) -> None:
        self.spawn(self.load(max(1, min(page, self.pages if page > self.page else page))))

    async def load(self, page: int = 1) -> None:
        api = await self._api()
        if api is None:
            return
        key, order = self.sort.currentData() or ("released", "desc")
        query = self.search.text().strip()
        try:
            result = await asyncio.to_thread(
                api.public_datasets, query, key, order, page, PAGE_SIZE
            )
        except ApiError as error:
            self.say_api_error(self.message, error)
            return
        self.page, self.pages, self.total = result.page, max(result.pages, 1), result.total
        self.model.set_rows(list(result.items))
        self._show_page_label()

    def _show_page_label(self) -> None:
        _ = self.i18n.gettext
        self.page_label.setText(
            fill(
                _("Page {page} of {pages} · {total} datasets"),
                {"page": self.page, "pages": self.pages, "total": self.total},
            )
        )
        self.previous_page.setEnabled(self.page > 1)
        self.next_page.setEnabled(self.page < self.pages)

    async def _api(self) -> ApiClient | None:
        """The signed-in client, or one for the configured server when signed out."""
        session = self.context.session
        if session.api is None:
            try:
                await session.ensure_server()
            except Exception as error:  # noqa: BLE001 - shown, not raised
                show_message(self.message, str(error), error=True)
                return None
        return session.api

    def _chosen(self, current: Any, _previous: Any) -> None:
        if current.isValid():
            self.spawn(self.open(self.model.rows[current.row()].accession))

    async def open(self, accession: str) -> None:
        api = await self._api()
        if api is None:
            return
        try:
            self.current = await asyncio.to_thread(api.public_dataset, accession)
        except ApiError as error:
            self.say_api_error(self.message, error)
            return
        await self.refresh_access()
        self._show_dataset()

    async def refresh_access(self) -> None:
        """The answer to my access request for the open dataset (signed in only)."""
        api = self.context.session.api
        if api is None or self.context.session.user is None or self.current is None:
            return
        try:
            mine = await asyncio.to_thread(api.my_access_requests)
        except ApiError:
            return
        self.access_state = {item.accession: item for item in mine}
        self._show_dataset()

    def _show_dataset(self) -> None:
        _ = self.i18n.gettext
        dataset = self.current
        controlled = dataset is not None and dataset.access == "controlled"
        self.download_button.setEnabled(dataset is not None)
        self.request_button.setVisible(controlled)
        self.access_label.setText(self._access_text() if controlled else "")
        if dataset is None:
            self.summary.setText(_("Choose a dataset to see its files."))
            self.files.setRowCount(0)
            return
        locale = self.i18n.locale
        lines = [
            f"<b>{dataset.accession}</b> — {dataset.title}",
            dataset.description,
            " · ".join(  # no words of its own: nothing to translate
                [
                    dataset.organism,
                    access_label(dataset.access, self.i18n),
                    files_and_size(dataset.file_count, dataset.total_size, self.i18n),
                ]
            ),
        ]
        if dataset.ftp_folder_url:
            lines.append(fill(_("FTP: {url}"), {"url": dataset.ftp_folder_url}))
        self.summary.setText("<br>".join(lines))
        self.files.setRowCount(len(dataset.files))
        for row, item in enumerate(dataset.files):
            values = (
                item.file_id, item.title, str(item.samples), term(item.data_type, self.i18n),
                format_size(item.size, locale), item.suffix, str(item.download_count),
                render(self._states.get(item.file_id, ""), self.i18n),
            )  # fmt: skip
            for column, value in enumerate(values):
                self.files.setItem(row, column, QTableWidgetItem(value))

    def _access_text(self) -> str:
        _ = self.i18n.gettext
        if self.current is None:
            return ""
        if self.context.session.user is None:
            return _("Controlled access: sign in to request access to these files.")
        request = self.access_state.get(self.current.accession)
        if request is None:
            return _("Controlled access: request access, stating your purpose.")
        texts = {
            "pending": _("Your request is waiting for the submitter's decision."),
            "approved": _("Your request was approved: you can download the files."),
            "rejected": _("Your request was rejected."),
        }
        text = texts.get(request.status, request.status)
        if request.decision_message:
            text += " " + fill(_("Message: {message}"), {"message": request.decision_message})
        return text

    # -- access -----------------------------------------------------------------------

    def _request_clicked(self) -> None:
        self.spawn(self._ask_purpose())

    async def _ask_purpose(self) -> None:
        _ = self.i18n.gettext
        purpose = await dialogs.ask_text(
            self, _("Request access"), _("What will you use these data for?"), multiline=True
        )
        if purpose and purpose.strip():
            await self.request_access(purpose.strip())

    async def request_access(self, purpose: str) -> None:
        _ = self.i18n.gettext
        api = self.context.session.api
        if api is None or self.current is None or self.context.session.user is None:
            self.say(self.message, Message(N_("Sign in to request access.")), error=True)
            return
        try:
            await asyncio.to_thread(api.request_access, self.current.accession, purpose)
        except ApiError as error:
            self.say_api_error(self.message, error)
            return
        self.say(self.message, Message(N_("Request sent; the submitter will decide.")))
        await self.refresh_access()

    # -- downloads --------------------------------------------------------------------

    def _download_clicked(self) -> None:
        self.spawn(self._choose_download())

    async def _choose_download(self) -> None:
        _ = self.i18n.gettext
        if self.current is None:
            return
        rows = sorted({index.row() for index in self.files.selectedIndexes()})
        ids = [self.current.files[row].file_id for row in rows] or [
            item.file_id for item in self.current.files
        ]
        start = self.context.settings.download_folder or str(Path.home())
        folder = await dialogs.existing_directory(self, _("Download into"), start)
        if folder and self.current is not None:
            self.context.settings.download_folder = folder
            self.context.save_settings()
            await self.download(ids, Path(folder))

    async def download(self, file_ids: list[str], folder: Path) -> dict[str, str]:
        """Fetch files into ``folder``; returns ``{file id: md5}`` of those that ended well."""
        api = await self._api()
        if api is None or self.current is None:
            return {}
        wanted = [item for item in self.current.files if item.file_id in file_ids]
        keeper = self.context.keep_awake  # no sleep while the files come in
        with keeper.awake(f"download:{id(wanted)}") if keeper else contextlib.nullcontext():
            results = await asyncio.gather(
                *(self._download_one(api, item, folder) for item in wanted)
            )
        done = {file_id: md5 for file_id, md5 in results if md5}
        await self._reread(api)
        self.say(
            self.message,
            Message(
                N_("{done} of {count} files downloaded and verified into {folder}."),
                done=len(done), count=len(wanted), folder=str(folder),
            ),
            error=len(done) < len(wanted),
        )  # fmt: skip
        return done

    async def _reread(self, api: ApiClient) -> None:
        """Read the open dataset again after downloads: the server counted them, and the
        Downloads column showed the count from before (0 while the web page said 1)."""
        if self.current is None:
            return
        try:
            self.current = await asyncio.to_thread(api.public_dataset, self.current.accession)
        except ApiError:
            return  # the files are downloaded; only the counts stay as they were
        self._show_dataset()

    async def _download_one(self, api: ApiClient, item: Any, folder: Path) -> tuple[str, str]:
        _ = self.i18n.gettext
        url = api.on_this_server(item.download_url)
        expected = await self._archive_md5(api, item)
        job = Download(url, folder / item.name, expected, item.size)
        loop = asyncio.get_running_loop()

        def progress(done: int, total: int) -> None:
            locale = self.i18n.locale
            percent = (
                format_percent_value(done / total, locale) if total else format_size(done, locale)
            )
            loop.call_soon_threadsafe(self._set_state, item.file_id, percent)

        async with self._limit:
            self._set_state(item.file_id, Message(N_("Downloading…")))
            try:
                md5 = await asyncio.to_thread(
                    fetch_segmented, api.http, job, progress=progress, cancel=self._cancel
                )
            except DownloadError as error:
                self._set_state(item.file_id, lambda _tr, e=error: self._download_error(e))
                return item.file_id, ""
        self._set_state(item.file_id, Message(N_("Verified, MD5 {md5}"), md5=md5))
        return item.file_id, md5

    async def _archive_md5(self, api: ApiClient, item: Any) -> str | None:
        """The MD5 of the file's ``.md5`` companion, the one ``md5sum -c`` users check.

        Falls back to the file list's MD5 when the ``.md5`` cannot be read,
        so a hiccup there does not stop a download that can still be verified.
        """
        try:
            md5 = await asyncio.to_thread(api.file_md5, item.file_id, item.md5_url)
        except ApiError:
            md5 = ""
        return md5 or item.md5

    def _download_error(self, error: DownloadError) -> str:
        _ = self.i18n.gettext
        texts = {
            "not_approved": _("Not allowed: request access and wait for approval."),
            "not_found": _("The archive no longer has this file."),
            "disk_full": _("The disk is full: free some space and download again to resume."),
            "permission_denied": _("Cannot write into this folder: choose another one."),
            "md5_mismatch": _("The file did not match the archive's MD5; download it again."),
            "connection": _("The connection failed; download again to resume."),
            "cancelled": _("Stopped; download again to resume."),
        }
        return texts.get(error.code, _("The download failed; try again."))

    @property
    def file_states(self) -> dict[str, str]:
        """Each file's download state as shown now, in the current language."""
        return {file_id: render(text, self.i18n) for file_id, text in self._states.items()}

    def _set_state(self, file_id: str, text: Any) -> None:
        self._states[file_id] = text
        if self.current is None:
            return
        for row, item in enumerate(self.current.files):
            if item.file_id == file_id:
                cell = QTableWidgetItem(render(text, self.i18n))
                self.files.setItem(row, FILE_COLUMNS.index("state"), cell)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self._cancel.set()
        super().closeEvent(event)
