"""Qt date editors in the user's locale, with Babel's date pattern.

``QDateEdit`` shows dates in Qt's default format ("1 06 2027" under the C
locale); the app writes dates with Babel's medium format everywhere else
(:func:`omix_desktop.i18n.format.format_date`). :func:`localize_date_edit`
gives an editor the same pattern, translated from CLDR to Qt's syntax, and
the matching ``QLocale`` for month names.
"""

from __future__ import annotations

import re

from babel import Locale
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QDateEdit

from omix_desktop.i18n.format import LocaleLike

_FIELD = re.compile(r"'[^']*'|y+|M+|L+|d+|E+|G+|[A-Za-z]+")


def qt_date_format(locale: LocaleLike) -> str:
    """Babel's medium date pattern in Qt's syntax (``MMM d, yyyy`` / ``yyyy年M月d日``)."""
    pattern = str(Locale.parse(locale).date_formats["medium"].pattern)

    def field(match: re.Match[str]) -> str:
        token = match.group(0)
        letter = token[0]
        if letter == "'":
            return token
        if letter == "y":
            return "yy" if len(token) == 2 else "yyyy"
        if letter in "ML":
            return "M" * min(len(token), 4)
        if letter == "d":
            return "d" * min(len(token), 2)
        if letter == "E":
            return "ddd" if len(token) < 4 else "dddd"
        return ""  # eras and other fields have no Qt equivalent

    return _FIELD.sub(field, pattern).strip(" ,")


def localize_date_edit(edit: QDateEdit, locale: LocaleLike) -> None:
    """Show ``edit``'s date as the rest of the app writes dates, in ``locale``."""
    edit.setLocale(QLocale(str(Locale.parse(locale))))
    edit.setDisplayFormat(qt_date_format(locale))
