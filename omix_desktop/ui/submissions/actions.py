"""What a submitter can do to a dataset from My submissions, as coroutines.

Each action that asks something opens its dialog through
:mod:`omix_desktop.ui.dialogs` (``open()`` and a future, never ``exec()``), so
the list keeps being polled while the dialog is open. The buttons' slots only
spawn the coroutines.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QDate
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDateEdit, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from omix_desktop.api.archive_models import Dataset
from omix_desktop.api.errors import ApiError
from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.message import Message
from omix_desktop.i18n.translator import N_, Translator
from omix_desktop.ui import dialogs
from omix_desktop.ui.base import Screen
from omix_desktop.ui.dates import localize_date_edit
from omix_desktop.ui.submissions import review_link
from omix_desktop.ui.submissions.add_files import (
    PreuploadPicker,
    addable,
    ftp_entries,
    online_entries,
)
from omix_desktop.ui.submissions.edit_basic_info import MOST_SAMPLE, BasicInfoDialog
from omix_desktop.ui.submissions.file_notes import computed_md5
from omix_desktop.ui.uploads_service import local_md5s, local_uploads


class DatasetActions(Screen):
    """The actions of :class:`~omix_desktop.ui.submissions.SubmissionsScreen`."""

    current: Dataset | None
    message: QLabel

    async def open(self, accession: str) -> None:
        raise NotImplementedError

    async def refresh(self) -> bool:
        raise NotImplementedError

    def selected_file_id(self) -> str | None:
        raise NotImplementedError

    async def _apply(self, call: Any, *args: Any, done: Any = "") -> Any:
        """Run one API call off the Qt thread; show its error or ``done`` (a Message, kept
        for a language switch); refresh."""
        api = self.context.session.api
        if api is None or self.current is None:
            return None
        try:
            result = await asyncio.to_thread(call, *args)
        except ApiError as error:
            self.say_api_error(self.message, error)
            return None
        if done:
            self.say(self.message, done)
        await self.open(self.current.accession)
        await self.refresh()
        return result

    def _still(self, accession: str) -> bool:
        """The dataset a dialog was opened for is still the one shown."""
        return self.current is not None and self.current.accession == accession

    def _chosen_file(self) -> str | None:
        file_id = self.selected_file_id()
        if file_id is None:
            self.say(self.message, Message(N_("Choose a file in the list first.")), error=True)
        return file_id

    # -- basic info -------------------------------------------------------------------

    def _edit_info(self) -> None:
        self.spawn(self.ask_edit_info())

    async def ask_edit_info(self) -> Dataset | None:
        """Open the Edit basic info form (every field changeable before release)."""
        dataset = self.current
        if dataset is None:
            return None
        form = BasicInfoDialog(self, self.context, dataset)
        try:
            self.context.spawn(form.load(), owner=form)  # lists arrive while it is open
            if not await dialogs.accepted(form) or form.saved is None:
                return None
            if self._still(dataset.accession):
                self.say(self.message, Message(N_("Basic information saved.")))
                await self.open(dataset.accession)
                await self.refresh()
            return form.saved
        finally:
            if shiboken6.isValid(form):  # else gone with the screen
                form.deleteLater()

    async def edit_info(self, changes: dict[str, Any]) -> None:
        """Send ``changes`` to the basic information (as the form does on Save)."""
        assert self.current is not None and self.context.session.api is not None
        api = self.context.session.api
        await self._apply(
            api.update_dataset, self.current.accession, changes,
            done=Message(N_("Basic information saved.")),
        )  # fmt: skip

    def _most_number(self) -> None:
        self.spawn(self.ask_most_number())

    async def ask_most_number(self) -> None:
        _ = self.i18n.gettext
        dataset = self.current
        if dataset is None or self.context.session.api is None:
            return
        number = await dialogs.ask_text(
            self, _("MOST registration number"), _("MOST registration number:"),
            dataset.most_registration_number, min_chars=len(MOST_SAMPLE) + 6,
        )  # fmt: skip
        api = self.context.session.api
        if number is not None and api is not None:
            changes = {"most_registration_number": number.strip()}
            done = Message(N_("MOST registration number saved."))
            await self._apply(api.update_dataset, dataset.accession, changes, done=done)

    # -- release ----------------------------------------------------------------------

    def _release_early(self) -> None:
        self.spawn(self.ask_release_early())

    async def ask_release_early(self) -> None:
        _ = self.i18n.gettext
        if self.current is None:
            return
        dialog = ReleaseDialog(self, self.current.release_date)
        localize_date_edit(dialog.date, self.i18n.locale)
        dialog.setWindowTitle(_("Release early"))
        dialog.caution.setText(
            _(
                "Early release makes the dataset public once it is curated; after release "
                "its files and information can no longer be changed. Reviewer links close."
            )
        )
        try:
            if await dialogs.accepted(dialog) and self.current is not None:
                await self.release_early(dialog.chosen())
        finally:
            dialog.deleteLater()

    async def release_early(self, when: date) -> None:
        assert self.current is not None and self.context.session.api is not None
        api = self.context.session.api
        changes = {"release_date": when}
        await self._apply(
            api.update_dataset, self.current.accession, changes,
            done=Message(N_("Release date changed.")),
        )  # fmt: skip

    # -- files ------------------------------------------------------------------------

    def _fix_md5(self) -> None:
        self.spawn(self.ask_fix_md5())

    async def ask_fix_md5(self) -> None:
        _ = self.i18n.gettext
        file_id = self._chosen_file()
        if file_id is None:
            return
        label = fill(_("Correct MD5 of {file}:"), {"file": file_id})
        item = self.current.file(file_id) if self.current is not None else None
        computed = computed_md5(item, local_uploads(self.context)) if item is not None else None
        if computed:
            label += "\n" + _("Filled in with the MD5 this computer computed before the upload.")
        md5 = await dialogs.ask_text(self, _("Fix MD5"), label, computed or "")
        if md5 and md5.strip() and self.current is not None:
            await self.fix_md5(file_id, md5.strip())

    async def fix_md5(self, file_id: str, md5: str) -> None:
        assert self.current is not None and self.context.session.api is not None
        api = self.context.session.api
        await self._apply(
            api.update_file, self.current.accession, file_id, {"md5": md5},
            done=Message(N_("MD5 saved; the archive checked it again.")),
        )  # fmt: skip

    def _delete_file(self) -> None:
        self.spawn(self.ask_delete_file())

    async def ask_delete_file(self) -> None:
        _ = self.i18n.gettext
        file_id = self._chosen_file()
        if file_id is None:
            return
        question = fill(_("Delete {file} from the dataset?"), {"file": file_id})
        if await dialogs.ask_yes_no(self, _("Delete file"), question) and self.current:
            await self.delete_file(file_id)

    async def delete_file(self, file_id: str) -> None:
        assert self.current is not None and self.context.session.api is not None
        api = self.context.session.api
        await self._apply(
            api.delete_file, self.current.accession, file_id,
            done=Message(N_("File deleted.")),
        )  # fmt: skip

    def _add_from_preupload(self) -> None:
        self.spawn(self._pick_preuploaded())

    async def _pick_preuploaded(self) -> None:
        api = self.context.session.api
        if api is None or self.current is None:
            return
        try:
            listing = await asyncio.to_thread(api.preupload_files)
        except ApiError as error:
            self.say_api_error(self.message, error)
            return
        picker = PreuploadPicker(self, self.i18n, addable(listing))
        picker.setObjectName("preupload_picker")
        try:
            if await dialogs.accepted(picker) and picker.chosen() and self.current is not None:
                await self.add_from_preupload(picker.chosen())
        finally:
            picker.deleteLater()

    async def add_from_preupload(self, paths: list[str]) -> None:
        """Add pre-uploaded files whose MD5 this computer computed when uploading them."""
        _ = self.i18n.gettext
        assert self.current is not None and self.context.session.api is not None
        entries, unknown = ftp_entries(paths, local_md5s(self.context), self.current.data_type)
        if unknown:
            self.say(
                self.message,
                Message(
                    N_(
                        "No MD5 from this computer for {files}: upload them with OMIX Desktop "
                        "(Prepare files) or add them in the New dataset form with their MD5."
                    ),
                    files=", ".join(unknown),
                ),
                error=True,
            )
            if not entries:
                return
        api = self.context.session.api
        done = self._added(len(entries))
        await self._apply(api.add_files, self.current.accession, entries, done=done)

    def _added(self, count: int) -> Callable[[Translator], str]:
        def text(tr: Translator) -> str:
            added = tr.ngettext(
                "{count} file added; it is being checked.",
                "{count} files added; they are being checked.",
                count,
            )
            return fill(added, {"count": count})

        return text

    def _add_online(self) -> None:
        self.spawn(self.ask_add_online())

    async def ask_add_online(self) -> None:
        names = await dialogs.open_file_names(self, self.i18n.gettext("Add files online"))
        if names and self.current is not None:
            await self.add_online([Path(name) for name in names])

    async def add_online(self, files: list[Path]) -> None:
        """Hash, send over HTTPS and add small files (under 100 MB in all)."""
        _ = self.i18n.gettext
        api = self.context.session.api
        if api is None or self.current is None:
            return
        self.say(self.message, Message(N_("Sending the files…")))
        try:
            entries = await online_entries(api, files, self.current.data_type)
        except ApiError as error:
            self.say_api_error(self.message, error)
            return
        except OSError as error:
            text = Message(
                N_("Cannot read {path}: {error}"), path=error.filename, error=error.strerror
            )
            self.say(self.message, text, error=True)
            return
        done = self._added(len(entries))
        await self._apply(api.add_files, self.current.accession, entries, done=done)

    # -- reviewer links ---------------------------------------------------------------

    def _review_link(self) -> None:
        self.spawn(self.make_review_link())

    def _new_review_link(self) -> None:
        self.spawn(self.ask_new_review_link())

    async def ask_new_review_link(self) -> None:
        title, question = review_link.replace_question(self.i18n)
        if await dialogs.ask_yes_no(self, title, question) and self.current is not None:
            await self.make_review_link(replace=True)

    async def make_review_link(self, replace: bool = False) -> str | None:
        """Make a reviewer link and copy its address, or say that one is open.

        The server gives a link's address only when it makes it (it keeps a
        hash), see :mod:`.review_link`; ``replace`` makes a new one anyway.
        """
        api = self.context.session.api
        if api is None or self.current is None:
            return None
        try:
            outcome = await review_link.show_or_make(
                api, self.current.accession, self.i18n, replace=replace
            )
        except ApiError as error:
            self.say_api_error(self.message, error)
            return None
        if outcome.url:
            QGuiApplication.clipboard().setText(outcome.url)
        self.say(self.message, outcome.again or outcome.text)
        return outcome.url

    def _close_link(self) -> None:
        if self.current is not None and self.context.session.api is not None:
            api = self.context.session.api
            done = Message(N_("Reviewer link closed."))
            self.spawn(self._apply(api.close_review_link, self.current.accession, done=done))


class ReleaseDialog(QDialog):
    """Choose the new, earlier release date (today at the earliest)."""

    def __init__(self, parent: QWidget, current: date) -> None:
        super().__init__(parent)
        self.setObjectName("release_dialog")
        self.caution = QLabel()
        self.caution.setWordWrap(True)
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setMinimumDate(QDate.currentDate())
        self.date.setMaximumDate(QDate(current.year, current.month, current.day))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caution)
        layout.addWidget(self.date)
        layout.addWidget(buttons)

    def chosen(self) -> date:
        return self.date.date().toPython()  # type: ignore[no-any-return]
