"""Languages of the desktop app: gettext catalogs (Babel) and locale formatting (no Qt).

:class:`Translator` translates and switches language at run time;
:mod:`omix_desktop.i18n.format` formats sizes, speeds, durations, dates and
numbers; :mod:`omix_desktop.i18n.errors` turns error codes into sentences.
"""

from omix_desktop.i18n.translator import LANGUAGES, N_, Language, Translator

__all__ = ["LANGUAGES", "N_", "Language", "Translator"]
