"""Edit basic info: one form with every field a submitter may change before release.

It replaces two small chained input dialogs (title, then description). The
fields are those ``PATCH /datasets/{accession}`` takes before release
(``server_stub/api/dataset_schemas.py``: ``DatasetUpdate``): title,
description, organism (with the server's hint list), human genetic resource,
data type and sub-type (the server's list), access, BioProject (one of the
user's, or a new one), release date and MOST registration number. The form
opens filled in with the dataset's values, checks what is typed with the
server's rules (:func:`~omix_desktop.ui.dataset_form.fields.info_problems`
and the server's lengths), sends only what changed, and keeps itself open
with the server's refusal shown at the field it concerns.

It is opened with :func:`omix_desktop.ui.dialogs.accepted` (``open()``, never
``exec()``); Save runs the request as a task and accepts the dialog only once
the server took the changes.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from omix_desktop.api.archive_models import Dataset
from omix_desktop.api.errors import ApiError
from omix_desktop.i18n.errors import api_error_message, field_errors, fill
from omix_desktop.i18n.message import Message
from omix_desktop.i18n.translator import N_
from omix_desktop.ui import dialogs
from omix_desktop.ui.base import FieldError, Retranslatable, message_label, with_error
from omix_desktop.ui.context import AppContext
from omix_desktop.ui.dataset_form.fields import (
    DataTypeChoice,
    OrganismHints,
    bound_release_date,
    info_problems,
    info_texts,
)
from omix_desktop.ui.dates import localize_date_edit

FIELDS = (
    "title", "description", "organism", "human_genetic_resource", "data_type", "data_subtype",
    "access", "bioproject", "release_date", "most_registration_number",
)  # fmt: skip
"""What the archive lets a submitter change until release, in the form's order."""
MAX_LENGTH = {
    "title": 500, "description": 20000, "organism": 255, "bioproject": 32,
    "most_registration_number": 100,
}  # fmt: skip
"""The server's limits (``DatasetUpdate``), checked as typed."""
MOST_SAMPLE = "2026YFC2500000-00 / 2026YFA0900000"
"""As wide as the MOST numbers people type (one or two project numbers)."""


class BasicInfoDialog(QDialog, Retranslatable):
    """The basic information of one unreleased dataset, to review and change.

    Attributes (for tests): one widget per field (``title``, ``organism``…),
    ``errors`` (a :class:`FieldError` per field), ``save_button``, ``saved``
    (the dataset as the server answered after Save).
    """

    def __init__(self, parent: QWidget, context: AppContext, dataset: Dataset) -> None:
        super().__init__(parent)
        self.context = context
        self.dataset = dataset
        self.saved: Dataset | None = None
        self.errors: dict[str, FieldError] = {}
        self.labels: dict[str, QLabel] = {}
        self._server_errors: dict[str, str] = {}
        self._refusal: ApiError | None = None
        """The server's last refusal, shown again in the new language after a switch."""
        self._saving = False
        self.setObjectName("edit_basic_info")
        self.setModal(True)

        self.title = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setMinimumHeight(self.fontMetrics().lineSpacing() * 6)
        self.organism = QLineEdit()
        self.hints = OrganismHints(self.organism, context, self)
        self.human = QCheckBox()
        self.data_type = QComboBox()
        self.data_subtype = QComboBox()
        self.types = DataTypeChoice(self.data_type, self.data_subtype, self.i18n)
        self.open_access = QRadioButton()
        self.controlled_access = QRadioButton()
        self.access_group = QButtonGroup(self)
        self.access_group.addButton(self.open_access)
        self.access_group.addButton(self.controlled_access)
        access_row = _row(self.open_access, self.controlled_access)
        self.bioproject = QComboBox()
        self.bioproject.setObjectName("bioproject")
        self.bioproject.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.new_bioproject = QPushButton()
        self.new_bioproject.setObjectName("new_bioproject")
        project_row = _row(self.bioproject, self.new_bioproject)
        self.release_date = QDateEdit()
        bound_release_date(self.release_date, min(date.today(), dataset.release_date))
        self.release_note = QLabel()
        self.release_note.setWordWrap(True)
        self.most_registration_number = QLineEdit()
        self.most_registration_number.setMinimumWidth(
            self.fontMetrics().horizontalAdvance(MOST_SAMPLE) + 24
        )
        for name, edit in (
            ("title", self.title), ("organism", self.organism),
            ("most_registration_number", self.most_registration_number),
        ):  # fmt: skip
            edit.setMaxLength(MAX_LENGTH[name])

        form = QFormLayout()
        for name, widget in (
            ("title", self.title), ("description", self.description),
            ("organism", self.organism), ("human_genetic_resource", self.human),
            ("data_type", self.data_type), ("data_subtype", self.data_subtype),
            ("access", access_row), ("bioproject", project_row),
            ("release_date", self.release_date),
            ("most_registration_number", self.most_registration_number),
        ):  # fmt: skip
            box, error = with_error(widget)
            if not widget.objectName():
                widget.setObjectName(name)
            label = QLabel()
            label.setBuddy(widget)
            form.addRow(label, box)
            self.errors[name], self.labels[name] = error, label
        form.addRow("", self.release_note)
        self.message = message_label()
        self.message.setObjectName("message")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("save")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        self._prefill()
        for signal in (
            self.title.textChanged, self.organism.textChanged, self.description.textChanged,
            self.most_registration_number.textChanged, self.human.toggled,
            self.open_access.toggled, self.data_type.currentIndexChanged,
            self.data_subtype.currentIndexChanged, self.bioproject.currentIndexChanged,
            self.release_date.dateChanged,
        ):  # fmt: skip
            signal.connect(self._edited)
        self.new_bioproject.clicked.connect(
            lambda: self.context.spawn(self.ask_new_bioproject(), owner=self)
        )
        self.save_button.clicked.connect(lambda: self.context.spawn(self.save(), owner=self))
        self.buttons.rejected.connect(self.reject)
        self._follow_language()
        self.retranslate()
        self.resize(max(self.sizeHint().width(), 640), self.sizeHint().height())

    # -- language -----------------------------------------------------------------------

    def retranslate(self) -> None:
        _ = self.i18n.gettext
        self.setWindowTitle(
            fill(_("Edit basic info of {accession}"), {"accession": self.dataset.accession})
        )
        labels, organism_hint = info_texts(self.i18n)
        labels |= {
            "release_date": _("Release date *"),
        }
        for name, text in labels.items():
            self.labels[name].setText(text)
        self.organism.setPlaceholderText(organism_hint)
        self.human.setText(_("The data are human genetic resources"))
        self.open_access.setText(_("Open access"))
        self.controlled_access.setText(_("Controlled access"))
        self.new_bioproject.setText(_("New BioProject…"))
        self.release_note.setText(
            _(
                "An earlier date is an early release: the dataset becomes public on that day "
                "once it is curated. After release only the MOST number can be changed."
            )
        )
        self.save_button.setText(_("Save"))
        self.cancel_button.setText(_("Cancel"))
        self.types.retranslate()
        localize_date_edit(self.release_date, self.i18n.locale)
        if self._refusal is not None:
            self._show_refusal(self._refusal)
        self._validate()

    # -- values -------------------------------------------------------------------------

    def _prefill(self) -> None:
        dataset = self.dataset
        self.title.setText(dataset.title)
        self.description.setPlainText(dataset.description)
        self.organism.setText(dataset.organism)
        self.human.setChecked(dataset.human_genetic_resource)
        (self.controlled_access if dataset.access == "controlled" else self.open_access).setChecked(
            True
        )
        self.types.set_types({dataset.data_type: [dataset.data_subtype]})
        self.types.choose(dataset.data_type, dataset.data_subtype)
        self.bioproject.addItem(dataset.bioproject, dataset.bioproject)
        when = dataset.release_date
        self.release_date.setDate(QDate(when.year, when.month, when.day))
        self.most_registration_number.setText(dataset.most_registration_number)

    async def load(self) -> None:
        """The server's data types and the user's BioProjects (off the Qt thread)."""
        api = self.context.session.api
        if api is None:
            return
        try:
            types = await asyncio.to_thread(api.data_types)
            projects = await asyncio.to_thread(api.bioprojects)
        except ApiError as error:
            self.say(self.message, lambda tr, e=error: api_error_message(e, tr), error=True)
            return
        self.types.set_types({item.name: list(item.subtypes) for item in types})
        self.types.choose(self.dataset.data_type, self.dataset.data_subtype)
        chosen = self.bioproject.currentData()
        self.bioproject.clear()
        for item in projects:
            self.bioproject.addItem(f"{item.accession} — {item.title}", item.accession)
        if self.bioproject.findData(chosen) < 0:
            self.bioproject.addItem(str(chosen), chosen)
        self.bioproject.setCurrentIndex(self.bioproject.findData(chosen))
        self._validate()

    def values(self) -> dict[str, Any]:
        """Every field as the form shows it, as the request body names it."""
        data_type, data_subtype = self.types.values()
        return {
            "title": self.title.text().strip(),
            "description": self.description.toPlainText().strip(),
            "organism": self.organism.text().strip(),
            "human_genetic_resource": self.human.isChecked(),
            "data_type": data_type,
            "data_subtype": data_subtype,
            "access": "controlled" if self.controlled_access.isChecked() else "open",
            "bioproject": str(self.bioproject.currentData() or ""),
            "release_date": self.release_date.date().toPython(),
            "most_registration_number": self.most_registration_number.text().strip(),
        }

    def changes(self) -> dict[str, Any]:
        """Only what differs from the dataset as it was opened (what Save sends)."""
        current = self.dataset.model_dump()
        return {name: value for name, value in self.values().items() if value != current[name]}

    def problems(self) -> dict[str, str]:
        """What is wrong now, by field, in the user's language (the server's rules)."""
        _ = self.i18n.gettext
        changed = self.changes()
        values = self.values()
        if "release_date" not in changed:
            values.pop("release_date")  # an unchanged date is the server's business
        found = info_problems(values, self.i18n)
        for name, limit in MAX_LENGTH.items():
            if len(str(values.get(name, ""))) > limit and name not in found:
                found[name] = fill(
                    _("Too long: use at most {max_length} characters."), {"max_length": limit}
                )
        return found

    def _edited(self, *_args: object) -> None:
        self._server_errors.clear()  # the server's answer was about the value before
        self._refusal = None
        self._validate()

    def _show_refusal(self, error: ApiError) -> None:
        self._refusal = error
        self._server_errors = self._at_fields(error)
        self.say(self.message, lambda tr, e=error: api_error_message(e, tr), error=True)

    def _validate(self) -> dict[str, str]:
        found = {**self.problems(), **self._server_errors}
        for name, error in self.errors.items():
            error.show_error(found.get(name, ""))
        self.save_button.setEnabled(not self._saving and not self.problems())
        return found

    # -- actions ------------------------------------------------------------------------

    async def ask_new_bioproject(self) -> None:
        _ = self.i18n.gettext
        title = await dialogs.ask_text(
            self, _("New BioProject"), _("Title of the new BioProject:"), min_chars=60
        )
        api = self.context.session.api
        if not title or not title.strip() or api is None:
            return
        try:
            project = await asyncio.to_thread(api.create_bioproject, title.strip())
        except ApiError as error:
            self.errors["bioproject"].show_error(api_error_message(error, self.i18n))
            return
        self.bioproject.addItem(f"{project.accession} — {project.title}", project.accession)
        self.bioproject.setCurrentIndex(self.bioproject.count() - 1)

    async def save(self) -> Dataset | None:
        """Send what changed; accept once the server took it, else show why at the field."""
        _ = self.i18n.gettext
        api = self.context.session.api
        if self._validate() or api is None or self._saving:
            return None
        changes = self.changes()
        if not changes:
            self.accept()  # nothing to send
            return self.dataset
        self._saving = True
        self.save_button.setEnabled(False)
        self.say(self.message, Message(N_("Saving…")))
        try:
            self.saved = await asyncio.to_thread(
                api.update_dataset, self.dataset.accession, changes
            )
        except ApiError as error:
            self._show_refusal(error)
            return None
        finally:
            self._saving = False
            self._validate()
        self.accept()
        return self.saved

    def _at_fields(self, error: ApiError) -> dict[str, str]:
        """The server's refusals by field, in the user's language (form fields only)."""
        texts = server_field_texts(self.i18n)
        found: dict[str, str] = {}
        for problem in error.problems:
            field = (problem.field or "").split(".")[-1]
            if field in self.errors and field not in found:
                text = texts.get(problem.code)
                found[field] = fill(text, problem.params) if text else ""
        for field, text in field_errors(error, self.i18n).items():
            name = field.split(".")[-1]
            if name in found and not found[name]:
                found[name] = text
        return {name: text for name, text in found.items() if text}


def server_field_texts(tr: Any) -> dict[str, str]:
    """The dataset rules' error codes (``datasets/service.py``) in the user's language."""
    _ = tr.gettext
    return {
        "unknown_organism": _(
            "This organism is not in the archive's list: type at least three letters and "
            "choose a name from the hints, or use “mixed sample”."
        ),
        "human_requires_homo_sapiens": _(
            "Human genetic resource data must have the organism Homo sapiens."
        ),
        "unknown_data_type": _("This data type is not in the archive's list: choose one."),
        "unknown_data_subtype": _(
            "This sub-type does not belong to the chosen data type: choose one of its list."
        ),
        "release_date_in_past": _("The release date cannot be in the past."),
        "bioproject_not_found": _(
            "This BioProject is not in your account: choose one of yours or create one."
        ),
    }


def _row(*widgets: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    return row
