"""Status and error lines that switch language with the rest of the screen.

A line shown with :func:`show_live` keeps its :class:`~omix_desktop.i18n.message.Message`
(key and arguments, or any renderer) on the label; :func:`rerender` renders every
such line under a widget again, and the screens' base class calls it after each
language switch. A line set with a plain string (``show_message``) drops what
was kept, so an old message never comes back over a newer one.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from omix_desktop.i18n.message import render
from omix_desktop.i18n.translator import Translator

LIVE_ATTRIBUTE = "_omix_live_text"
"""The label's Python attribute holding ``(text, error)``; ``None`` once a plain string is
set. (An attribute, not a Qt property: a QVariant does not carry a Python object.)"""


def show_live(label: QLabel, text: Any, tr: Translator, *, error: bool = False) -> None:
    """Show ``text`` (a Message, Term, renderer or string) now and after every switch."""
    from omix_desktop.ui.base import show_message  # base imports this module

    show_message(label, render(text, tr), error=error)
    setattr(label, LIVE_ATTRIBUTE, None if isinstance(text, str) else (text, error))


def forget(label: QLabel) -> None:
    """The label shows a plain string from now on: nothing to render again."""
    if getattr(label, LIVE_ATTRIBUTE, None) is not None:
        setattr(label, LIVE_ATTRIBUTE, None)


def rerender(root: QWidget, tr: Translator) -> None:
    """Render every kept line under ``root`` in ``tr``'s current language."""
    for label in [root, *root.findChildren(QLabel)]:
        kept = getattr(label, LIVE_ATTRIBUTE, None) if isinstance(label, QLabel) else None
        if kept is not None:
            text, error = kept
            show_live(label, text, tr, error=error)
