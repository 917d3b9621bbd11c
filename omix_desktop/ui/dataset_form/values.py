"""The new dataset form's values: the request body, the local draft, and what is wrong.

:class:`FormValues` is the part of
:class:`~omix_desktop.ui.dataset_form.NewDatasetScreen` that reads its
widgets: the body sent to the server, the draft kept on disk, the problems
shown as the user types, and the server's file errors placed on the file list.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
)

from omix_desktop.drafts import DraftStore
from omix_desktop.i18n.errors import fill
from omix_desktop.ui.base import FieldError, Screen
from omix_desktop.ui.dataset_form.data_type_editor import unknown_type_text
from omix_desktop.ui.dataset_form.fields import info_problems
from omix_desktop.ui.dataset_form.files_table import FilesTable
from omix_desktop.ui.term_combo import choose_term, term_value
from omix_wire.md5 import normalize_md5

DRAFT = "new_dataset"
FILE_FIELD = re.compile(r"^files(?:\[(\d+)\]|\.(\d+))?")


class FormValues(Screen):
    """Values, draft and validation of the new dataset form (its widgets are the screen's)."""

    drafts: DraftStore
    errors: dict[str, FieldError]
    files: FilesTable
    title: QLineEdit
    description: QPlainTextEdit
    organism: QLineEdit
    human: QCheckBox
    data_type: QComboBox
    data_subtype: QComboBox
    open_access: QRadioButton
    controlled_access: QRadioButton
    bioproject: QComboBox
    release_on: QRadioButton
    release_date: QDateEdit
    most_registration_number: QLineEdit
    terms: QCheckBox
    _server_errors: dict[str, str]
    _restoring: bool
    _save_timer: QTimer

    def _type_chosen(self) -> None:  # pragma: no cover - provided by the screen
        raise NotImplementedError

    # -- values, drafts, validation ---------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The request body, as the server's API takes it."""
        release = None
        if self.release_on.isChecked():
            release = self.release_date.date().toPython().isoformat()
        return {
            "title": self.title.text().strip(),
            "description": self.description.toPlainText().strip(),
            "organism": self.organism.text().strip(),
            "human_genetic_resource": self.human.isChecked(),
            "data_type": term_value(self.data_type),
            "data_subtype": term_value(self.data_subtype),
            "access": "open" if self.open_access.isChecked() else "controlled",
            "bioproject": self.bioproject.currentData() or "",
            "release_date": release,
            "most_registration_number": self.most_registration_number.text().strip(),
            "terms_accepted": self.terms.isChecked(),
            "files": [
                {
                    **(
                        {"source": "http", "upload": "", "local": entry.local}
                        if entry.local
                        else {"source": "ftp", "path": entry.path}
                    ),
                    "title": entry.title,
                    "samples": int(entry.samples) if entry.samples.isdigit() else 0,
                    "data_type": entry.data_type or term_value(self.data_type),
                    "md5": (normalize_md5(entry.md5) or entry.md5),
                }
                for entry in self.files.selected()
            ],
        }

    def _apply_draft(self, draft: dict[str, Any]) -> None:
        self.title.setText(str(draft.get("title", "")))
        self.description.setPlainText(str(draft.get("description", "")))
        self.organism.setText(str(draft.get("organism", "")))
        self.human.setChecked(bool(draft.get("human_genetic_resource")))
        choose_term(self.data_type, str(draft.get("data_type", "")))
        self._type_chosen()
        choose_term(self.data_subtype, str(draft.get("data_subtype", "")))
        self.controlled_access.setChecked(draft.get("access") == "controlled")
        index = self.bioproject.findData(draft.get("bioproject"))
        if index >= 0:
            self.bioproject.setCurrentIndex(index)
        if draft.get("release_date"):
            self.release_on.setChecked(True)
            chosen = QDate.fromString(str(draft["release_date"]), Qt.DateFormat.ISODate)
            if chosen.isValid():
                self.release_date.setDate(chosen)
        self.most_registration_number.setText(str(draft.get("most_registration_number", "")))
        self.terms.setChecked(bool(draft.get("terms_accepted")))
        self.files.restore(list(draft.get("file_entries", [])))

    def draft(self) -> dict[str, Any]:
        values = self.values()
        values.pop("files")
        values["file_entries"] = [entry.draft() for entry in self.files.entries.values()]
        return values

    def _changed(self, *_args: object) -> None:
        self._server_errors.clear()
        self._validate()
        if not self._restoring:
            self._save_timer.start()

    def _save_draft(self) -> None:
        draft = self.draft()
        self.spawn(asyncio.to_thread(self.drafts.save, DRAFT, draft))

    def problems(self) -> dict[str, str]:
        """What is wrong now, by field, in the current language (empty when all is fine)."""
        _ = self.i18n.gettext
        values = self.values()
        found = info_problems(values, self.i18n)  # the rules Edit basic info checks too
        if not values["terms_accepted"]:
            found["terms_accepted"] = _("Accept the terms to submit.")
        selected = self.files.selected()
        if not selected:
            found["files"] = _("Tick at least one file.")
        for entry in selected:
            if not entry.title or not entry.samples.isdigit() or int(entry.samples) < 1:
                found["files"] = fill(
                    _("{path}: give a title and the number of samples or files (1 or more)."),
                    {"path": entry.path},
                )
            elif normalize_md5(entry.md5) is None:
                found["files"] = fill(
                    _("{path}: the MD5 must be 32 hexadecimal characters."), {"path": entry.path}
                )
            elif not self.files.type_known(entry):
                found["files"] = f"{entry.path}: {unknown_type_text(entry.data_type, self.i18n)}"
            elif not entry.present:
                found["files"] = fill(
                    _("{path} is no longer in your pre-upload area: untick it or upload it again."),
                    {"path": entry.path},
                )
        return found

    def _validate(self) -> dict[str, str]:
        found = {**self.problems(), **self._server_errors}
        for name, error in self.errors.items():
            error.show_error(found.get(name, "") if self._shown(name) else "")
        return found

    def _shown(self, name: str) -> bool:
        """Say nothing about an untouched empty form: problems appear once typed or submitted."""
        return self._submitting_tried or bool(self.title.text() or self.files.selected())

    _submitting_tried = False

    def _by_form_field(self, errors: dict[str, str], body: dict[str, Any]) -> dict[str, str]:
        """The server names file problems ``files[2].md5``: they land on the file list."""
        result: dict[str, str] = {}
        for field, text in errors.items():
            match = FILE_FIELD.match(field)
            if match:
                index = match.group(1) or match.group(2)
                files = body["files"]
                if index is not None and int(index) < len(files):
                    text = f"{files[int(index)]['path']}: {text}"
                result.setdefault("files", text)
            else:
                result[field if field in self.errors else "title"] = text
        return result
