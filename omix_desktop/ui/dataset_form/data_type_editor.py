"""A data file's data type, chosen from the archive's list and checked as it is typed.

The server accepts for a file any data type or sub-type of its reference list
(``GET /api/v1/reference/data-types``), in any case and spacing. The cell's
editor is an editable combo box over that list, with a completer that matches
anywhere in the name; what is typed is marked as soon as it is not in the
list, and a known name is stored in the list's spelling.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.server_terms import from_display, term
from omix_desktop.i18n.translator import Translator

INVALID_STYLE = "QComboBox { border: 1px solid #b00020; }"
Index = QModelIndex | QPersistentModelIndex


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


class DataTypeChoices:
    """The names a data file may have as its type (types, then their sub-types).

    ``names`` are the server's; the editor offers them in the user's language
    (:meth:`shown`), and :meth:`canonical` takes a name typed in either language.
    """

    def __init__(self, tr: Translator | None = None) -> None:
        self.tr = tr
        self.names: list[str] = []
        self._by_fold: dict[str, str] = {}

    def set(self, types: Iterable[tuple[str, Iterable[str]]]) -> None:
        names: list[str] = []
        for name, subtypes in types:
            names.append(name)
            names.extend(subtypes)
        self.names = list(dict.fromkeys(names))
        self._by_fold = {_fold(name): name for name in reversed(self.names)}

    @property
    def loaded(self) -> bool:
        return bool(self.names)

    def canonical(self, text: str) -> str | None:
        """The list's spelling of ``text`` (typed in English or in the user's language);
        ``None`` when it is not in the list."""
        found = self._by_fold.get(_fold(text))
        if found is None and self.tr is not None:
            value = from_display(text, self.tr)
            found = self._by_fold.get(_fold(value))
        return found

    def shown(self, name: str) -> str:
        """A server's name as the user reads it."""
        return name if self.tr is None else term(name, self.tr)

    def accepts(self, text: str) -> bool:
        """Empty (the dataset's type applies), a known name, or no list to check against."""
        return not text.strip() or not self.loaded or self.canonical(text) is not None


def unknown_type_text(text: str, tr: Translator) -> str:
    return fill(
        tr.gettext(
            "“{type}” is not one of the archive's data types: choose one from the list, "
            "or leave it empty to use the dataset's data type."
        ),
        {"type": text.strip()},
    )


class DataTypeDelegate(QStyledItemDelegate):
    """The editor of the files table's data type column."""

    def __init__(self, choices: DataTypeChoices, tr: Translator, parent: QWidget) -> None:
        super().__init__(parent)
        self.choices = choices
        self.tr = tr

    def createEditor(  # noqa: N802 - Qt's name
        self, parent: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> QWidget:
        editor = QComboBox(parent)
        editor.setObjectName("file_data_type")
        editor.setEditable(True)
        editor.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        shown = [self.choices.shown(name) for name in self.choices.names]
        editor.addItems(shown)
        completer = QCompleter(shown, editor)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        editor.setCompleter(completer)
        editor.setAccessibleName(self.tr.gettext("Data type"))
        line = editor.lineEdit()
        line.textChanged.connect(lambda text: self._check(editor, text))
        return editor

    def _check(self, editor: QComboBox, text: str) -> None:
        ok = self.choices.accepts(text)
        editor.setProperty("invalid", not ok)
        editor.setStyleSheet("" if ok else INVALID_STYLE)
        message = "" if ok else unknown_type_text(text, self.tr)
        editor.setToolTip(message)
        editor.setAccessibleDescription(message)

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        text = str(index.data(Qt.ItemDataRole.EditRole) or "")
        editor.setCurrentIndex(-1)
        editor.setEditText(text)
        self._check(editor, text)

    def setModelData(  # noqa: N802
        self, editor: QWidget, model: QAbstractItemModel, index: Index
    ) -> None:
        assert isinstance(editor, QComboBox)
        text = editor.currentText().strip()
        known = self.choices.canonical(text)
        model.setData(index, text if known is None else self.choices.shown(known))
