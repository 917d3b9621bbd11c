"""The pattern every screen follows.

A screen is a :class:`Screen`: it is built with the :class:`AppContext` (never
reaching for globals), creates its widgets in ``__init__`` without any text,
and sets every user-visible text in :meth:`Screen.retranslate`, which it calls
at the end of ``__init__``; the base class connects it to the language
signal, so switching languages re-runs it (Qt drops the connection with the
widget). Strings are translated with ``_ = self.i18n.gettext`` inside
``retranslate`` or at the moment they are shown, never at import, and never
with an f-string inside ``_()``: use ``{name}`` placeholders and
:func:`omix_desktop.i18n.errors.fill`.

Long work goes through :meth:`Screen.spawn` (a coroutine on the qasync loop;
blocking calls inside it via ``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from omix_desktop.api.errors import ApiError, AuthenticationError
from omix_desktop.i18n.errors import api_error_message
from omix_desktop.i18n.translator import Translator
from omix_desktop.ui.context import AppContext
from omix_desktop.ui.fit import fit_headers
from omix_desktop.ui.live_text import forget, rerender, show_live
from omix_desktop.ui.look import readable_now

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"


class Retranslatable:
    """Mixin for widgets that are not screens (dialogs, panels) but follow the pattern."""

    context: AppContext

    def _follow_language(self) -> None:
        self.context.language.changed.connect(self.retranslate)
        self.context.language.changed.connect(self._rerender_lines)

    def _rerender_lines(self) -> None:
        """Status lines shown with :meth:`say`, in the new language (after ``retranslate``),
        and column headers widened to their new titles."""
        if isinstance(self, QWidget):
            rerender(self, self.i18n)
            fit_headers(self)

    def say(self, label: QLabel, text: Any, *, error: bool = False) -> None:
        """Show a :class:`~omix_desktop.i18n.message.Message` (or renderer) on ``label``,
        kept as key and arguments so a language switch renders it again."""
        show_live(label, text, self.i18n, error=error)

    @property
    def i18n(self) -> Translator:
        return self.context.translator

    def retranslate(self) -> None:
        raise NotImplementedError


class Screen(QWidget, Retranslatable):
    """Base of the main window's screens.

    Subclasses set :attr:`key`, build widgets, then call ``self.retranslate()``.

    Attributes:
        key: stable identifier (settings, tests, navigation).
    """

    key: ClassVar[str] = ""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName(f"screen_{self.key}")
        self._follow_language()

    def nav_title(self) -> str:
        """The screen's name in the navigation, in the current language."""
        raise NotImplementedError

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        return self.context.spawn(coro, owner=self)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """Column headers as wide as their titles (Qt gives every column 100 px)."""
        super().showEvent(event)
        fit_headers(self)

    def api_error_text(self, error: ApiError) -> str:
        """Translate an API error; an ended session also asks to sign in again."""
        if isinstance(error, AuthenticationError) and error.code in {
            "session_expired",
            "not_authenticated",
        }:
            self.context.session.session_lost(error.code)
        return api_error_message(error, self.i18n)

    def say_api_error(self, label: QLabel, error: ApiError) -> None:
        """An API error on ``label``, in the user's language now and after a switch
        (an ended session asks to sign in again once, not at every switch)."""
        self.api_error_text(error)
        self.say(label, lambda tr: api_error_message(error, tr), error=True)

    def activated(self) -> None:
        """Called when the screen is shown in the main window."""


def message_label(parent: QWidget | None = None) -> QLabel:
    """A wrapping label for status and error messages (hidden while empty)."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    label.setVisible(False)
    return label


def show_message(label: QLabel, text: str, *, error: bool = False) -> None:
    """A plain string that stays as it is (use ``say`` for one that follows the language)."""
    forget(label)
    label.setText(text)
    label.setStyleSheet(readable_now(ERROR_STYLE) if error else "")  # dark mode too
    label.setVisible(bool(text))
    label.setAccessibleDescription(text)


class FieldError(QLabel):
    """The message shown under one form field; empty and hidden while the field is fine."""

    def __init__(self, field: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.setWordWrap(True)
        self.setStyleSheet(readable_now(ERROR_STYLE))
        self.setVisible(False)

    def show_error(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))
        self.field.setAccessibleDescription(text)
        self.field.setProperty("invalid", bool(text))

    def clear_error(self) -> None:
        self.show_error("")


def with_error(field: QWidget) -> tuple[QWidget, FieldError]:
    """A field stacked over its error label, for a form row."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    error = FieldError(field, box)
    layout.addWidget(error)
    return box, error


def rows_view(view: QAbstractItemView, *, multiple: bool = False) -> None:
    """A read-only list of whole rows with resizable columns, the last one stretched.

    The first column (an accession or a file id: ``OMIX000001-01``) is sized to its
    content, so an id is never shown cut ("OMIX000001…").
    """
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection
        if multiple
        else QAbstractItemView.SelectionMode.SingleSelection
    )
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    header = view.horizontalHeader()  # type: ignore[attr-defined]
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)  # ids never cut
    header.setStretchLastSection(True)


def list_and_detail(
    owner: QWidget,
    *,
    heading: QWidget,
    top: QHBoxLayout,
    table: QWidget,
    summary: QWidget,
    files: QWidget,
    actions: QHBoxLayout,
    message: QWidget,
) -> None:
    """The list above, the chosen item below (its summary, files and actions).

    The layout of My submissions and Released data.
    """
    detail = QWidget()
    detail_layout = QVBoxLayout(detail)
    detail_layout.setContentsMargins(0, 0, 0, 0)
    detail_layout.addWidget(summary)
    detail_layout.addWidget(files, 1)
    detail_layout.addLayout(actions)
    split = QSplitter(Qt.Orientation.Vertical)
    split.addWidget(table)
    split.addWidget(detail)
    layout = QVBoxLayout(owner)
    layout.addWidget(heading)
    layout.addLayout(top)
    layout.addWidget(split, 1)
    layout.addWidget(message)
