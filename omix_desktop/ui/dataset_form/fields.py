"""A dataset's descriptive fields, shared by the New dataset form and Edit basic info.

Both forms ask for the same things under the same server rules, so the parts
that would otherwise be written twice live here: the organism field's hints
(the server's list, asked a moment after three letters are typed, off the Qt
thread), the data type / sub-type pair (the server's list; the sub-types
follow the type), the release date editor's bounds (today to the archive's
horizon), and the checks made as the user types (:func:`info_problems`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QObject, QStringListModel, Qt, QTimer
from PySide6.QtWidgets import QComboBox, QCompleter, QDateEdit, QLineEdit, QWidget

from omix_desktop.api.errors import ApiError
from omix_desktop.i18n.translator import Translator
from omix_desktop.ui.context import AppContext
from omix_desktop.ui.term_combo import choose_term, fill_terms, retranslate_terms, term_value
from omix_wire.limits import latest_release_date

HINT_AFTER = 3
"""Letters typed before the organism hint list is asked for (the guide's rule)."""
MIXED_SAMPLE = "mixed sample"
HOMO_SAPIENS = "Homo sapiens"
REQUIRED = ("title", "description", "organism", "data_type", "data_subtype")


class OrganismHints(QObject):
    """The hint list under an organism field: names from the server for what is typed."""

    def __init__(self, edit: QLineEdit, context: AppContext, owner: QWidget) -> None:
        super().__init__(owner)  # destroyed with the form (no reference back to it kept)
        self.edit = edit
        self.context = context
        self.model = QStringListModel(self)
        completer = QCompleter(self.model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        edit.setCompleter(completer)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(250)
        self.timer.timeout.connect(self._ask)
        edit.textEdited.connect(lambda _text: self.timer.start())

    def _ask(self) -> None:
        text = self.edit.text().strip()
        if len(text) >= HINT_AFTER and self.context.session.api is not None:
            self.context.spawn(self.hints(text), owner=self)

    async def hints(self, text: str) -> list[str]:
        """Ask the server (off the Qt thread) and show the names under the field."""
        api = self.context.session.api
        if api is None:
            return []
        try:
            found = await asyncio.to_thread(api.organisms, text)
        except ApiError:
            return []  # hints are a help, not a requirement
        if self.edit.text().strip() != text:
            return []  # typed on meanwhile
        names = [item.name for item in found]
        if MIXED_SAMPLE.startswith(text.lower()):
            names.append(MIXED_SAMPLE)
        self.model.setStringList(names)
        if names and self.edit.hasFocus():
            self.edit.completer().complete()
        return names


class DataTypeChoice:
    """A data type combo box and its sub-type combo box over the server's list.

    Items show the term in the user's language and carry the server's value
    (:mod:`omix_desktop.ui.term_combo`), which is what :meth:`values` hands back.
    ``follow``: the sub-types follow the type by themselves (else the owner calls
    :meth:`follow_type` from its own slot).
    """

    def __init__(
        self, data_type: QComboBox, data_subtype: QComboBox, tr: Translator, *, follow: bool = True
    ) -> None:
        self.data_type = data_type
        self.data_subtype = data_subtype
        self.tr = tr
        self.types: dict[str, list[str]] = {}
        for combo in (data_type, data_subtype):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        if follow:
            data_type.currentIndexChanged.connect(lambda _index: self.follow_type())

    def set_types(self, types: Mapping[str, list[str]]) -> None:
        """The server's list (name → sub-types); the choice stays when still in it."""
        self.types = {name: list(subtypes) for name, subtypes in types.items()}
        fill_terms(self.data_type, list(self.types), self.tr)
        self.follow_type()

    def values(self) -> tuple[str, str]:
        """The server's names of the chosen type and sub-type ("" when none)."""
        return term_value(self.data_type), term_value(self.data_subtype)

    def follow_type(self) -> None:
        """Offer the chosen type's sub-types, keeping the sub-type when it still fits."""
        fill_terms(self.data_subtype, self.types.get(term_value(self.data_type), []), self.tr)

    def choose(self, data_type: str, data_subtype: str) -> None:
        """Choose by the server's names (nothing chosen for an unknown one)."""
        choose_term(self.data_type, data_type)
        self.follow_type()
        choose_term(self.data_subtype, data_subtype)

    def retranslate(self) -> None:
        """Every item in the current language; the choice stays."""
        retranslate_terms(self.data_type, self.tr)
        retranslate_terms(self.data_subtype, self.tr)


def bound_release_date(editor: QDateEdit, today: date | None = None) -> None:
    """Today at the earliest, the archive's horizon at the latest (the server's rule)."""
    today = today or date.today()
    latest = latest_release_date(today)
    editor.setCalendarPopup(True)
    editor.setMinimumDate(QDate(today.year, today.month, today.day))
    editor.setMaximumDate(QDate(latest.year, latest.month, latest.day))


def info_problems(
    values: Mapping[str, Any], tr: Translator, today: date | None = None
) -> dict[str, str]:
    """What is wrong with the descriptive fields, by field, in the user's language.

    ``values`` as the request body names them; a field absent from it is not
    checked (Edit basic info checks what it shows). The same rules the server
    applies (``server_stub/api/dataset_schemas.py``, ``datasets/service.py``).
    """
    _ = tr.gettext
    found: dict[str, str] = {}
    for name in REQUIRED:
        if name in values and not str(values[name] or "").strip():
            found[name] = _("This field is required.")
    if values.get("human_genetic_resource") and "organism" in values:
        if str(values["organism"]).strip().casefold() != HOMO_SAPIENS.casefold():
            found["organism"] = _(
                "Human genetic resource data must have the organism Homo sapiens."
            )
    if "bioproject" in values and not values["bioproject"]:
        found["bioproject"] = _("Choose a BioProject or create one.")
    release = values.get("release_date")
    if isinstance(release, str) and release:
        release = date.fromisoformat(release)
    if isinstance(release, date) and release < (today or date.today()):
        found["release_date"] = _("The release date cannot be in the past.")
    return found


def info_texts(i18n: Translator) -> tuple[dict[str, str], str]:
    """The labels of the descriptive fields both forms show, and the organism's placeholder.

    One wording for the new dataset form and Edit basic info, so the two
    forms never name the same field differently.
    """
    _ = i18n.gettext
    labels = {
        "title": _("Title *"),
        "description": _("Description *"),
        "organism": _("Organism *"),
        "human_genetic_resource": _("Human genetic resource"),
        "data_type": _("Data type *"),
        "data_subtype": _("Sub-type *"),
        "access": _("Access *"),
        "bioproject": _("BioProject *"),
        "most_registration_number": _("MOST registration number"),
    }
    placeholder = _("Type {count} letters for suggestions, or “mixed sample”")
    return labels, placeholder.format(count=HINT_AFTER)
