"""Combo boxes over the server's vocabulary: items shown translated, the server's value as data.

A data type combo used to show (and hand back) the server's English names, so
it stayed English after a switch to Chinese. Here each item's text is the
term in the user's language (:mod:`omix_desktop.i18n.server_terms`) and its
data the value the server knows; :func:`term_value` reads the value back,
:func:`retranslate_terms` follows a language switch without changing the choice.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QComboBox

from omix_desktop.i18n.server_terms import term
from omix_desktop.i18n.translator import Translator


def fill_terms(combo: QComboBox, values: Iterable[str], tr: Translator) -> None:
    """Replace the items by ``values``, each shown in ``tr``'s language; keep the choice."""
    chosen = term_value(combo)
    combo.clear()
    for value in values:
        combo.addItem(term(value, tr), value)
    index = combo.findData(chosen)
    if index >= 0:
        combo.setCurrentIndex(index)


def retranslate_terms(combo: QComboBox, tr: Translator) -> None:
    """Every item's text in ``tr``'s language; the choice and its value stay."""
    for index in range(combo.count()):
        value = combo.itemData(index)
        if isinstance(value, str):
            combo.setItemText(index, term(value, tr))


def term_value(combo: QComboBox) -> str:
    """The server's value of the chosen item (what is typed, for an editable combo)."""
    value = combo.currentData()
    if isinstance(value, str) and combo.currentText() == combo.itemText(combo.currentIndex()):
        return value
    return combo.currentText()


def choose_term(combo: QComboBox, value: str) -> None:
    """Choose the item whose value is ``value`` (a draft's, the server's); else nothing."""
    index = combo.findData(value)
    combo.setCurrentIndex(index)
