"""New dataset: the user guide's submission form, section by section.

Data info, files (picked from the pre-upload area, MD5s filled in from this
computer's transfer engine), BioProject, release date, MOST numbers and the
terms. Problems show next to their field as the user types; the server's
answer lands on the same fields. Everything typed is kept in a local draft
(saved a moment after each change, off the Qt thread) and restored after a
restart; a successful submission clears it.

Signals:
    submitted(str): the new dataset's accession.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from omix_desktop.api.errors import ApiError
from omix_desktop.drafts import DraftStore
from omix_desktop.i18n.errors import field_errors
from omix_desktop.i18n.message import Message
from omix_desktop.i18n.translator import N_
from omix_desktop.transfer import md5_file
from omix_desktop.ui import dialogs
from omix_desktop.ui.base import FieldError, message_label, with_error
from omix_desktop.ui.context import AppContext
from omix_desktop.ui.dataset_form.fields import (
    DataTypeChoice,
    OrganismHints,
    bound_release_date,
    info_texts,
)
from omix_desktop.ui.dataset_form.files_table import FilesTable
from omix_desktop.ui.dataset_form.values import DRAFT, FormValues
from omix_desktop.ui.dates import localize_date_edit
from omix_desktop.ui.layout import row_of, single_shot
from omix_desktop.ui.uploads_service import local_md5s

log = logging.getLogger(__name__)

TEXT_FIELDS = ("title", "organism", "most_registration_number")


class NewDatasetScreen(FormValues):
    key: ClassVar[str] = "new_dataset"
    submitted = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.drafts = DraftStore(context.paths.data_dir)
        self.errors: dict[str, FieldError] = {}
        self.labels: dict[str, QLabel] = {}
        self._server_errors: dict[str, str] = {}
        self._loaded = False
        self._restoring = False

        self.intro = QLabel()
        self.intro.setWordWrap(True)
        body = QWidget()
        column = QVBoxLayout(body)
        for box in (self._build_info_box(), self._build_files_box(), self._build_project_box()):
            column.addWidget(box)
        self.submit_button = QPushButton()
        self.submit_button.setObjectName("submit_dataset")
        self.submit_button.setDefault(True)
        self.message = message_label()
        self.message.setObjectName("message")
        column.addWidget(self.message)
        column.addWidget(self.submit_button, 0, Qt.AlignmentFlag.AlignRight)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(scroll, 1)

        self._save_timer = single_shot(self, 500, self._save_draft)
        self._connect_signals()
        self.retranslate()

    def _build_info_box(self) -> QGroupBox:
        """Data info: title, description, organism with its hints, type, access."""
        self.info_box = QGroupBox()
        info = QFormLayout(self.info_box)
        self.title = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(90)
        self.organism = QLineEdit()
        self.hints = OrganismHints(self.organism, self.context, self)  # shared with Edit basic info
        self.organism_hints = self.hints.model
        self.human = QCheckBox()
        self.human_note = QLabel()
        self.human_note.setWordWrap(True)
        self.data_type = QComboBox()
        self.data_subtype = QComboBox()
        self.types = DataTypeChoice(self.data_type, self.data_subtype, self.i18n, follow=False)
        self.open_access = QRadioButton()
        self.controlled_access = QRadioButton()
        self.open_access.setChecked(True)
        self.access_group = QButtonGroup(self)
        self.access_group.addButton(self.open_access)
        self.access_group.addButton(self.controlled_access)
        self.access_note = QLabel()
        self.access_note.setWordWrap(True)
        access_row = row_of(
            self.open_access, self.controlled_access, self.access_note, vertical=True
        )
        for name, widget in (
            ("title", self.title),
            ("description", self.description),
            ("organism", self.organism),
            ("human_genetic_resource", self.human),
            ("data_type", self.data_type),
            ("data_subtype", self.data_subtype),
            ("access", access_row),
        ):
            self._row(info, name, widget)
        info.addRow("", self.human_note)
        return self.info_box

    def _build_files_box(self) -> QGroupBox:
        """The files to submit: pre-uploaded or uploaded online, with their details."""
        self.files_box = QGroupBox()
        files_layout = QVBoxLayout(self.files_box)
        self.files_intro = QLabel()
        self.files_intro.setWordWrap(True)
        self.files = FilesTable(self.i18n)
        self.files.setMinimumHeight(180)
        self.refresh_files = QPushButton()
        self.refresh_files.setObjectName("refresh_files")
        self.files_error = FieldError(self.files)
        self.errors["files"] = self.files_error
        self.add_online = QPushButton()
        self.add_online.setObjectName("add_online")
        files_layout.addWidget(self.files_intro)
        files_layout.addWidget(self.files)
        files_layout.addWidget(self.files_error)
        files_layout.addWidget(row_of(self.refresh_files, self.add_online, stretch=True))
        return self.files_box

    def _build_project_box(self) -> QGroupBox:
        """BioProject, release date, MOST number and the terms."""
        self.project_box = QGroupBox()
        project = QFormLayout(self.project_box)
        self.bioproject = QComboBox()
        self.new_bioproject = QPushButton()
        project_row = row_of(self.bioproject, self.new_bioproject)
        project_row.layout().setStretch(0, 1)  # type: ignore[union-attr]
        self._row(project, "bioproject", project_row)
        self.release_now = QRadioButton()
        self.release_on = QRadioButton()
        self.release_now.setChecked(True)
        self.release_date = QDateEdit()
        bound_release_date(self.release_date)  # the server refuses a past or too late date
        self.release_date.setDate(QDate.currentDate().addMonths(6))
        self.release_date.setEnabled(False)
        release_row = row_of(self.release_now, self.release_on, self.release_date, stretch=True)
        self._row(project, "release_date", release_row)
        self.most_registration_number = QLineEdit()
        self._row(project, "most_registration_number", self.most_registration_number)
        self.terms = QCheckBox()
        self._row(project, "terms_accepted", self.terms)
        return self.project_box

    def _connect_signals(self) -> None:
        for edit in (self.title, self.organism, self.most_registration_number):
            edit.textChanged.connect(self._changed)
        self.description.textChanged.connect(self._changed)
        self.human.toggled.connect(self._changed)
        self.open_access.toggled.connect(self._changed)
        self.data_type.currentIndexChanged.connect(self._type_chosen)
        self.data_subtype.currentIndexChanged.connect(self._changed)
        self.bioproject.currentIndexChanged.connect(self._changed)
        self.release_on.toggled.connect(self.release_date.setEnabled)
        self.release_on.toggled.connect(self._changed)
        self.release_date.dateChanged.connect(self._changed)
        self.terms.toggled.connect(self._changed)
        self.files.changed.connect(self._changed)
        self.refresh_files.clicked.connect(lambda: self.spawn(self.load_files()))
        self.add_online.clicked.connect(self._choose_online)
        self.new_bioproject.clicked.connect(self._create_bioproject)
        self.submit_button.clicked.connect(lambda: self.spawn(self.submit()))

    def _row(self, form: QFormLayout, name: str, widget: QWidget) -> None:
        box, error = with_error(widget)
        if not widget.objectName():
            widget.setObjectName(name)
        label = QLabel()
        label.setBuddy(widget)
        form.addRow(label, box)
        self.errors[name] = error
        self.labels[name] = label

    # -- language ---------------------------------------------------------------------

    def nav_title(self) -> str:
        return self.i18n.gettext("New dataset")

    def retranslate(self) -> None:
        _ = self.i18n.gettext
        self.types.retranslate()
        self.intro.setText(
            _(
                "Describe the dataset, pick its files from your pre-upload area and submit. "
                "Fields marked with * are required; your draft is saved as you type."
            )
        )
        self.info_box.setTitle(_("Data information"))
        self.files_box.setTitle(_("Files"))
        self.project_box.setTitle(_("BioProject and release"))
        labels, organism_hint = info_texts(self.i18n)
        labels |= {
            "release_date": _("Release *"),
            "terms_accepted": _("Terms *"),
        }
        for name, text in labels.items():
            self.labels[name].setText(text)
        self.organism.setPlaceholderText(organism_hint)
        self.human.setText(_("The data are human genetic resources"))
        self.human_note.setText(
            _(
                "Human genetic resource data must have the organism Homo sapiens and be "
                "submitted as controlled access."
            )
        )
        self.open_access.setText(_("Open access"))
        self.controlled_access.setText(_("Controlled access"))
        self.access_note.setText(
            _(
                "Open access: anyone can download the files after release. Controlled access: "
                "users request access and you decide who may download."
            )
        )
        self.files_intro.setText(
            _(
                "Tick the files of this dataset and give each a title, the number of samples "
                "or files it covers, its data type and its MD5. MD5s computed on this computer "
                "are filled in for you."
            )
        )
        self.refresh_files.setText(_("Refresh the file list"))
        self.add_online.setText(_("Add files from this computer (online, under 100 MB in all)…"))
        self.new_bioproject.setText(_("New BioProject…"))
        self.release_now.setText(_("On submission"))
        self.release_on.setText(_("On a date"))
        self.terms.setText(_("I accept the archive's terms of data submission"))
        self.submit_button.setText(_("Submit dataset"))
        self.files.retranslate()
        localize_date_edit(self.release_date, self.i18n.locale)
        self._validate()

    # -- loading ----------------------------------------------------------------------

    def activated(self) -> None:
        if not self._loaded and self.context.session.api is not None:
            self._loaded = True
            self.spawn(self.load())

    async def load(self) -> None:
        """Reference lists, BioProjects and files from the server; the draft from disk."""
        api = self.context.session.api
        if api is None:
            return
        draft = await asyncio.to_thread(self.drafts.load, DRAFT)
        try:
            types = await asyncio.to_thread(api.data_types)
            projects = await asyncio.to_thread(api.bioprojects)
        except ApiError as error:
            self.say_api_error(self.message, error)
            return
        self._restoring = True
        try:
            self.types.set_types({item.name: list(item.subtypes) for item in types})
            self.files.set_data_types(list(self.types.types.items()))
            self.bioproject.clear()
            for item in projects:
                self.bioproject.addItem(f"{item.accession} — {item.title}", item.accession)
            if draft:
                self._apply_draft(draft)
        finally:
            self._restoring = False
        await self.load_files()

    async def load_files(self) -> None:
        api = self.context.session.api
        if api is None:
            return
        try:
            listing = await asyncio.to_thread(api.preupload_files)
        except ApiError as error:
            self.say_api_error(self.message, error)
            return
        self.files.set_listing(listing, local_md5s(self.context))
        self._validate()

    def _choose_online(self) -> None:
        self.spawn(self._pick_online())

    async def _pick_online(self) -> None:
        names = await dialogs.open_file_names(self, self.i18n.gettext("Add files online"))
        if names:
            await self.add_local_files([Path(name) for name in names])

    async def add_local_files(self, paths: list[Path]) -> None:
        """Hash small local files here (off the Qt thread); they are sent at submission."""
        for path in paths:
            try:
                size = (await asyncio.to_thread(path.stat)).st_size
                md5 = await asyncio.to_thread(md5_file, path)
            except OSError as error:
                problem = error.strerror or str(error)
                text = Message(N_("Cannot read {path}: {error}"), path=str(path), error=problem)
                self.say(self.message, text, error=True)
                continue
            self.files.add_local(path, size, md5)
        self._validate()

    def _type_chosen(self) -> None:
        self.types.follow_type()
        self._changed()

    def _create_bioproject(self) -> None:
        self.spawn(self._ask_bioproject())

    async def _ask_bioproject(self) -> None:
        _ = self.i18n.gettext
        title = await dialogs.ask_text(
            self, _("New BioProject"), _("Title of the new BioProject:"), min_chars=60
        )  # wide enough for a project's title
        if title and title.strip():
            await self._add_bioproject(title.strip())

    async def _add_bioproject(self, title: str) -> None:
        api = self.context.session.api
        assert api is not None
        try:
            project = await asyncio.to_thread(api.create_bioproject, title)
        except ApiError as error:
            self.errors["bioproject"].show_error(self.api_error_text(error))
            return
        self.bioproject.addItem(f"{project.accession} — {project.title}", project.accession)
        self.bioproject.setCurrentIndex(self.bioproject.count() - 1)

    # -- submit -----------------------------------------------------------------------

    async def submit(self) -> str | None:
        """Send the form; returns the accession, or None with the problems shown."""
        _ = self.i18n.gettext
        self._submitting_tried = True
        self._server_errors.clear()
        if self._validate():
            text = Message(N_("Some fields need attention; see the messages."))
            self.say(self.message, text, error=True)
            return None
        api = self.context.session.api
        if api is None:
            self.say(self.message, Message(N_("Sign in first.")), error=True)
            return None
        body = self.values()
        self.submit_button.setEnabled(False)
        self.say(self.message, Message(N_("Submitting…")))
        try:
            for item in body["files"]:
                local = item.pop("local", None)
                if local:  # online files go first; the dataset then names their uploads
                    upload = await asyncio.to_thread(api.upload_online, Path(local))
                    item["upload"] = upload.token
            dataset = await asyncio.to_thread(api.create_dataset, body)
        except OSError as error:
            problem = error.strerror or str(error)
            text = Message(
                N_("Cannot read {path}: {error}"), path=str(error.filename), error=problem
            )
            self.say(self.message, text, error=True)
            return None
        except ApiError as error:
            self._server_errors = self._by_form_field(field_errors(error, self.i18n), body)
            self._validate()
            self.say_api_error(self.message, error)
            return None
        finally:
            self.submit_button.setEnabled(True)
        await asyncio.to_thread(self.drafts.discard, DRAFT)
        self._reset()
        self.say(
            self.message,
            Message(
                N_(
                    "Submitted {accession}. Its files are being checked; follow it in "
                    "My submissions."
                ),
                accession=dataset.accession,
            ),
        )
        self.submitted.emit(dataset.accession)
        return str(dataset.accession)

    def _reset(self) -> None:
        self._restoring = True
        try:
            for edit in (self.title, self.organism, self.most_registration_number):
                edit.clear()
            self.description.clear()
            self.human.setChecked(False)
            self.terms.setChecked(False)
            self.release_now.setChecked(True)
            self.files.entries.clear()
            self.files.render()
        finally:
            self._restoring = False
        self._submitting_tried = False
        self._validate()
        self.spawn(self.load_files())
