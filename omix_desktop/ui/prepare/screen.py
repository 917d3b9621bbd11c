"""Prepare files: pick files and folders, hash them, check them, send them to Transfers.

Everything that touches the disk (walking folders, hashing, pre-flight's
``stat`` calls, copying, manifests) runs in worker threads; the Qt thread only
updates the table. MD5s go through the shared hash cache, so a file hashed
here is not hashed again by the upload queue.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.message import Joined, Message
from omix_desktop.i18n.translator import N_, Translator
from omix_desktop.transfer import (
    HashCancelled,
    IssueCode,
    hash_files,
    plan_uploads,
    preflight_check,
)
from omix_desktop.ui import dialogs
from omix_desktop.ui.base import message_label
from omix_desktop.ui.context import AppContext
from omix_desktop.ui.prepare.disk import copy_new
from omix_desktop.ui.prepare.disk import stamp as stamp_of
from omix_desktop.ui.prepare.folder import FolderField, rebase
from omix_desktop.ui.prepare.manifests import ManifestActions
from omix_desktop.ui.prepare.model import Column, PreparedFile, PrepareModel
from omix_desktop.ui.toolbar import ActionBar
from omix_wire.naming import safe_name, safe_path

REHASH_LIMIT = 3
"""Times a file that changed while it was hashed is hashed again before giving up."""
HASH_WORKERS = max(1, min(4, os.cpu_count() or 1))


class PrepareScreen(ManifestActions):
    """Attributes: model (PrepareModel), table (QTableView), message, and the buttons."""

    key = "prepare"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.model = PrepareModel(context.translator, self)
        self._hash_tasks: dict[Path, asyncio.Task[None]] = {}
        self._rehashes: dict[Path, int] = {}
        self._hash_slots = asyncio.Semaphore(HASH_WORKERS)
        self._cancel = threading.Event()
        self._check_task: asyncio.Task[None] | None = None
        self._check_again = False
        """Asked for while a check ran: that one may have read the rows before the change."""
        self.setAcceptDrops(True)

        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.add_files_button = QPushButton()
        self.add_folder_button = QPushButton()
        self.remove_button = QPushButton()
        self.rename_button = QPushButton()
        self.import_button = QPushButton()
        self.export_button = QPushButton()
        self.send_button = QPushButton()
        self.send_button.setDefault(True)
        self.folder = FolderField(context.translator)
        self.remote_edit = self.folder.edit
        self.folder.folder_changed.connect(self._folder_changed)

        self.table = QTableView()
        self.table.setObjectName("prepare_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.resizeSection(Column.NAME, 260)
        header.resizeSection(Column.SIZE, 90)
        header.resizeSection(Column.MD5, 270)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.message = message_label(self)

        self.add_files_button.clicked.connect(self.choose_files)
        self.add_folder_button.clicked.connect(self.choose_folder)
        self.remove_button.clicked.connect(self.remove_selected)
        self.rename_button.clicked.connect(self.rename_selected)
        self.import_button.clicked.connect(self.choose_manifest)
        self.export_button.clicked.connect(self.choose_export)
        self.send_button.clicked.connect(self.send_selected)

        buttons = QHBoxLayout()
        bar = ActionBar("prepare_actions", self)  # icons; wraps when the window is narrow
        for button, icon in (
            (self.add_files_button, "add_files"),
            (self.add_folder_button, "prepare"),
            (self.remove_button, "remove"),
            (self.rename_button, "edit"),
        ):
            bar.add(button, icon)
        buttons.addWidget(bar, 1)
        manifest_buttons = QHBoxLayout()
        manifest_bar = ActionBar("manifest_actions", self)
        manifest_bar.add(self.import_button, "download")
        manifest_bar.add(self.export_button, "upload")
        manifest_buttons.addWidget(manifest_bar, 1)
        send_row = QHBoxLayout()
        send_row.addWidget(self.folder, 1)
        send_row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        layout.addLayout(manifest_buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addLayout(send_row)
        self._selection_changed()
        self.retranslate()

    def nav_title(self) -> str:
        return self.i18n.gettext("Prepare files")

    def retranslate(self) -> None:
        _ = self.i18n.gettext
        self.heading.setText(_("Prepare files"))
        self.hint.setText(
            _(
                "Add files or folders (or drop them here). Their MD5 checksums are computed "
                "in the background and each file is checked against the archive's rules "
                "before it is sent."
            )
        )
        self.add_files_button.setText(_("Add files…"))
        self.add_folder_button.setText(_("Add folder…"))
        self.remove_button.setText(_("Remove from list"))
        self.rename_button.setText(_("Rename a copy"))
        self.rename_button.setToolTip(
            _("Upload a copy with a safe name; the original file is left untouched.")
        )
        self.import_button.setText(_("Compare with MD5 file…"))
        self.export_button.setText(_("Save MD5 file…"))
        self.send_button.setText(_("Send to transfers"))
        self.send_button.setToolTip(_("Queue the selected files (all files if none is selected)."))
        self.folder.retranslate()
        self.table.setAccessibleName(_("Files to upload"))
        self.model.retranslate()
        self._update_summary()

    # -- adding -------------------------------------------------------------------------

    def choose_files(self) -> None:
        self.spawn(self._choose_files())

    async def _choose_files(self) -> None:
        paths = await dialogs.open_file_names(self, self.i18n.gettext("Add files"))
        if paths:
            self.add_paths([Path(p) for p in paths])

    def choose_folder(self) -> None:
        self.spawn(self._choose_folder())

    async def _choose_folder(self) -> None:
        folder = await dialogs.existing_directory(self, self.i18n.gettext("Add folder"))
        if folder:
            self.add_paths([Path(folder)])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    def add_paths(self, paths: Iterable[Path]) -> asyncio.Task[None]:
        """Add files and folders (walked in a thread); hashing starts at once."""
        return self.spawn(self._add(list(paths)))

    async def _add(self, paths: list[Path]) -> None:
        _ = self.i18n.gettext
        base = self.folder.folder  # the last valid one; the field says when the typed one is not
        planned = await asyncio.to_thread(plan_uploads, paths, remote_base=base)
        added = self.model.add([PreparedFile(p.local, p.remote, base=base) for p in planned])
        if not planned:
            self.say(self.message, Message(N_("The folder holds no files to upload.")), error=True)
            return
        for file in added:
            self._hash_tasks[file.local] = self.spawn(self._hash(file.local))
        self._update_summary()
        self.schedule_check()

    def _folder_changed(self, folder: str) -> None:
        """A new valid folder: every file in the list goes there (shown at once)."""
        for file in self.model.rows:
            rebase(file, folder)
        self.model.retranslate()
        self.schedule_check()

    # -- hashing ------------------------------------------------------------------------

    async def _hash(self, local: Path) -> None:
        """MD5 of one file in a worker thread (or from the cache), with progress."""
        cache = self.context.uploads.hash_cache if self.context.uploads else None
        try:
            async with self._hash_slots:
                row = self.model.row_of(local)
                if row is None:
                    return
                file = self.model.rows[row]
                file.hashing, file.error, file.md5 = True, None, None
                stamp = await asyncio.to_thread(stamp_of, local)
                file.size = stamp.size if stamp else None

                def progress(report: object) -> None:
                    index = self.model.row_of(local)
                    if index is not None:
                        self.model.rows[index].hashed = report.file_done  # type: ignore[attr-defined]
                        self.model.touch(index)

                errors: dict[Path, OSError] = {}
                result = await hash_files(
                    [local],
                    concurrency=1,
                    on_progress=progress,
                    cancel=self._cancel,
                    cache=cache,
                    errors=errors,
                )
                after = await asyncio.to_thread(stamp_of, local)
        except HashCancelled:
            return
        finally:
            self._hash_tasks.pop(local, None)
        row = self.model.row_of(local)
        if row is None:
            return
        file = self.model.rows[row]
        file.hashing = False
        if local in errors:
            error = errors[local]
            file.error = error.strerror or str(error)
        elif after is not None and cache is not None:
            # the digest is valid for the stamp the cache stored it with
            if cache.lookup(local, after.size, after.mtime_ns) == result.get(local):
                file.md5, file.size, file.mtime_ns = result[local], after.size, after.mtime_ns
                self._rehashes.pop(local, None)
            elif self._rehashes.get(local, 0) < REHASH_LIMIT:
                self._rehashes[local] = self._rehashes.get(local, 0) + 1
                self._hash_tasks[local] = self.spawn(self._hash(local))
                return
            else:  # written to all the time: a file still being produced
                file.error = self.i18n.gettext(
                    "The file keeps changing. Add it again once it is complete."
                )
        elif after is not None:
            file.md5, file.size, file.mtime_ns = result.get(local), after.size, after.mtime_ns
        self.model.touch(row)
        self._update_summary()
        self.schedule_check()

    def hashing(self) -> bool:
        return bool(self._hash_tasks)

    # -- pre-flight ---------------------------------------------------------------------

    def schedule_check(self) -> None:
        """Run pre-flight over the whole list soon (once, however many files finish).

        A request while a check is running runs one more check after it: the
        running one may have read the rows before this change (a duplicate
        found only when the second MD5 arrives would be missed).
        """
        if self._check_task is None or self._check_task.done():
            self._check_task = self.spawn(self._check())
        else:
            self._check_again = True

    async def _check(self) -> None:
        again = True
        while again:  # ends when no change came in during the last check
            self._check_again = False
            await asyncio.sleep(0.05)  # let a burst of finished hashes arrive first
            await self.check_now()
            again = self._check_again

    async def check_now(self) -> None:
        """Pre-flight in a thread; rows whose file changed since hashing are hashed again."""
        files = list(self.model.rows)
        sidecars = {f.local: f.manifest_md5 for f in files if f.manifest_md5}
        queue = self.context.uploads.queue if self.context.uploads else None
        queued = [str(item.remote_path) for item in queue.items()] if queue else []  # memory
        report = await asyncio.to_thread(
            preflight_check, [f.planned() for f in files], sidecars=sidecars, queued=queued
        )
        for file in files:
            row = self.model.row_of(file.local)
            if row is None or self.model.rows[row] is not file:
                continue
            issues = report.for_file(file.local)
            file.issues = issues
            if any(i.code is IssueCode.CHANGED_SINCE_HASHING for i in issues):
                file.md5 = None
                if file.local not in self._hash_tasks:
                    self._hash_tasks[file.local] = self.spawn(self._hash(file.local))
        self.model.retranslate()
        self._selection_changed()
        self._update_summary()

    # -- selection and actions ----------------------------------------------------------

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def _selection_changed(self, *_args: object) -> None:
        rows = self.selected_rows()
        self.remove_button.setEnabled(bool(rows))
        self.rename_button.setEnabled(
            any(i.code is IssueCode.BAD_NAME for row in rows for i in self.model.rows[row].issues)
        )
        self.export_button.setEnabled(any(f.md5 for f in self.model.rows))
        self.send_button.setEnabled(bool(self.model.rows))

    def remove_selected(self) -> None:
        for file in self.model.remove(self.selected_rows()):
            task = self._hash_tasks.pop(file.local, None)
            if task is not None:
                task.cancel()
        self._update_summary()
        self.schedule_check()

    def rename_selected(self) -> asyncio.Task[None]:
        return self.spawn(self._rename([self.model.rows[r] for r in self.selected_rows()]))

    async def _rename(self, files: list[PreparedFile]) -> None:
        """Each badly named file is copied beside itself under a safe name; folders
        with bad names are uploaded under a safe folder name. Originals stay as they are."""
        _ = self.i18n.gettext
        done: list[str] = []
        for file in files:
            if not any(i.code is IssueCode.BAD_NAME for i in file.issues):
                continue
            remote = safe_path(file.remote)
            local = file.local
            new_name = safe_name(file.local.name)
            if new_name != file.local.name:
                local = file.local.with_name(new_name)
                try:
                    await asyncio.to_thread(copy_new, file.local, local)
                except FileExistsError:
                    self.say(
                        self.message,
                        Message(
                            N_("Cannot make the copy: “{name}” already exists. Rename it first."),
                            name=str(local),
                        ),
                        error=True,
                    )
                    continue
                except OSError as error:
                    self.say(
                        self.message,
                        Message(
                            N_("Cannot copy the file ({error}). Check the folder's permissions."),
                            error=error.strerror or str(error),
                        ),
                        error=True,
                    )
                    continue
            row = self.model.row_of(file.local)
            if row is None:
                continue
            copy = PreparedFile(local, remote, manifest_md5=file.manifest_md5, base=file.base)
            if local == file.local:  # only the folder's name changed: same file, same MD5
                copy.size, copy.mtime_ns, copy.md5 = file.size, file.mtime_ns, file.md5
            elif file.md5 and self.context.uploads is not None:
                stamp = await asyncio.to_thread(stamp_of, local)
                if stamp is not None and stamp.size == file.size:
                    self.context.uploads.hash_cache.store(
                        local, stamp.size, stamp.mtime_ns, file.md5
                    )
            self.model.replace(row, copy)
            if copy.md5 is None:
                self._hash_tasks[local] = self.spawn(self._hash(local))
            done.append(f"{file.remote} → {remote}")
        if done:
            renamed = N_("Renamed copies will be uploaded; the original files are untouched:")
            self.say(self.message, Joined((Message(renamed), "; ".join(done))))
        await self.check_now()

    # -- sending ------------------------------------------------------------------------

    def send_selected(self) -> asyncio.Task[None]:
        rows = self.selected_rows() or list(range(len(self.model.rows)))
        return self.spawn(self._send([self.model.rows[r] for r in rows]))

    async def _send(self, files: list[PreparedFile]) -> None:
        _ = self.i18n.gettext
        uploads = self.context.uploads
        queue = uploads.queue if uploads is not None else None
        if queue is None:
            self.say(
                self.message,
                Message(
                    N_("Sign in first: files are uploaded with your account. Nothing was lost.")
                ),
                error=True,
            )
            return
        if not self.folder.valid:
            self.say(self.message, lambda _tr: self.folder.error_text(), error=True)
            self.remote_edit.setFocus()
            return
        await self.check_now()
        ready = [f for f in files if not f.blocked and self.model.row_of(f.local) is not None]
        blocked = len(files) - len(ready)
        if ready:
            queue.add(f.planned() for f in ready)
            sent = {f.local for f in ready}
            self.model.remove([r for r, f in enumerate(self.model.rows) if f.local in sent])
        count = len(ready)

        def text(tr: Translator) -> str:  # rendered again after a language switch
            line = fill(
                tr.ngettext(
                    "{count} file sent to Transfers.", "{count} files sent to Transfers.", count
                ),
                {"count": count},
            )
            if blocked:
                line += " " + fill(
                    tr.ngettext(
                        "{count} file was kept here: fix what its Check column says.",
                        "{count} files were kept here: fix what their Check column says.",
                        blocked,
                    ),
                    {"count": blocked},
                )
            return line

        self.say(self.message, text, error=bool(blocked))
        self._update_summary()
        self._selection_changed()

    # -- summary ------------------------------------------------------------------------

    def _update_summary(self) -> None:
        from omix_desktop.i18n.format import format_size

        rows = self.model.rows
        total = sum(f.size or 0 for f in rows)
        hashed = sum(1 for f in rows if f.md5)
        blocked = sum(1 for f in rows if f.blocked)
        self.folder.set_count(len(rows))
        self.summary.setText(
            fill(
                self.i18n.gettext(
                    "{files} files, {size}; {hashed} hashed; {blocked} cannot be sent."
                ),
                {
                    "files": len(rows),
                    "size": format_size(total, self.i18n.locale),
                    "hashed": hashed,
                    "blocked": blocked,
                },
            )
        )
        self._selection_changed()
