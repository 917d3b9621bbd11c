"""The app's translator: gettext catalogs (Babel), switched while the app runs.

One :class:`Translator` is made at start and passed to whatever needs it;
nothing here is global or computed at import. Listeners registered with
:meth:`Translator.add_listener` are called after every language change, so
the UI can retranslate itself (the Qt side wraps this in a signal).

Catalogs are ``locale/<lang>/LC_MESSAGES/omix.mo``, compiled from the
committed ``omix.po`` by ``make catalogs`` (``pybabel compile``). If a ``.mo``
is missing (a source checkout that skipped the build) the ``.po`` is compiled
in memory instead, with a warning in the log, so the app still speaks Chinese.
"""

from __future__ import annotations

import io
import locale as pylocale
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

log = logging.getLogger(__name__)

DOMAIN = "omix"
LOCALE_DIR = Path(__file__).parent / "locale"


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    """What the settings store and :meth:`Translator.set_language` takes."""
    babel_locale: str
    """Babel locale used for numbers, sizes and dates."""
    native_name: str
    """The language's own name, shown untranslated in the language menu."""
    catalog: str | None
    """Folder under ``locale/``; ``None`` for English, the source language."""


ENGLISH = Language("en", "en", "English", None)
CHINESE = Language("zh_CN", "zh_Hans_CN", "简体中文", "zh_CN")
LANGUAGES: Mapping[str, Language] = {lang.code: lang for lang in (ENGLISH, CHINESE)}
DEFAULT_LANGUAGE = ENGLISH.code

Listener = Callable[[str], None]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a string for extraction without translating it (translate later)."""
    return message


def match_language(tag: str) -> str | None:
    """Our language code for a locale tag (``zh-Hans-CN``, ``zh_CN.UTF-8``, ``en_US``)."""
    cleaned = tag.strip().split(".")[0].split("@")[0].replace("-", "_").lower()
    if not cleaned or cleaned in {"c", "posix"}:
        return None
    parts = cleaned.split("_")
    if parts[0] == "zh":
        # Traditional Chinese users (zh_TW, zh_HK, zh_Hant) read English or
        # Simplified equally well; Simplified is the closer of our two.
        return CHINESE.code
    if parts[0] == "en":
        return ENGLISH.code
    return None


def negotiate(candidates: Iterable[str]) -> str:
    """The first of our languages among the user's preferred locale tags, else English."""
    for tag in candidates:
        code = match_language(tag)
        if code is not None:
            return code
    return DEFAULT_LANGUAGE


def system_language(environ: Mapping[str, str] | None = None) -> str:
    """The OS language as one of ours: ``LANGUAGE``/``LC_ALL``/``LC_MESSAGES``/``LANG``, then
    the process locale. The Qt front end passes ``QLocale.system().uiLanguages()`` to
    :func:`negotiate` first, which also covers Windows and macOS settings."""
    env = os.environ if environ is None else environ
    candidates: list[str] = []
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            candidates.extend(value.split(":"))
            break
    try:
        current = pylocale.getlocale(
            pylocale.LC_MESSAGES if hasattr(pylocale, "LC_MESSAGES") else pylocale.LC_CTYPE
        )[0]
    except ValueError:
        current = None
    if current:
        candidates.append(current)
    return negotiate(candidates)


def load_catalog(language: Language, locale_dir: Path = LOCALE_DIR) -> NullTranslations:
    """The compiled catalog of a language; the ``.po`` compiled in memory if no ``.mo``."""
    if language.catalog is None:
        return NullTranslations()
    folder = locale_dir / language.catalog / "LC_MESSAGES"
    mo_path = folder / f"{DOMAIN}.mo"
    if mo_path.exists():
        with mo_path.open("rb") as source:
            return Translations(source, domain=DOMAIN)
    po_path = folder / f"{DOMAIN}.po"
    if not po_path.exists():
        log.error("no catalog for %s in %s; showing English", language.code, folder)
        return NullTranslations()
    log.warning("%s is not compiled (run `make catalogs`); compiling it in memory", po_path)
    with po_path.open("rb") as source:
        catalog = read_po(source, locale=language.catalog, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class Translator:
    """Translates messages into the current language and tells listeners when it changes.

    Attributes:
        language: the current language code (``"en"`` or ``"zh_CN"``).
        locale: the Babel :class:`~babel.Locale` for formatting in that language.
    """

    def __init__(self, language: str = DEFAULT_LANGUAGE, locale_dir: Path = LOCALE_DIR) -> None:
        self._locale_dir = locale_dir
        self._catalogs: dict[str, NullTranslations] = {}
        self._listeners: list[Listener] = []
        self._language = LANGUAGES[DEFAULT_LANGUAGE]
        self._catalog: NullTranslations = NullTranslations()
        self._activate(language)

    @property
    def language(self) -> str:
        return self._language.code

    @property
    def language_info(self) -> Language:
        return self._language

    @property
    def locale(self) -> Locale:
        return Locale.parse(self._language.babel_locale)

    def _activate(self, code: str) -> None:
        if code not in LANGUAGES:
            raise ValueError(f"unsupported language {code!r}; choose one of {sorted(LANGUAGES)}")
        if code not in self._catalogs:
            self._catalogs[code] = load_catalog(LANGUAGES[code], self._locale_dir)
        self._language = LANGUAGES[code]
        self._catalog = self._catalogs[code]

    def set_language(self, code: str) -> None:
        """Switch catalogs and notify every listener (even if the language is the same)."""
        self._activate(code)
        log.info("language set to %s", code)
        for listener in list(self._listeners):
            listener(code)

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(code)`` after each change; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self.remove_listener(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message)

    def in_every_language(self, message: str) -> list[str]:
        """``message`` as each of our languages says it (for a word typed in any of them)."""
        found = []
        for code, language in LANGUAGES.items():
            if code not in self._catalogs:
                self._catalogs[code] = load_catalog(language, self._locale_dir)
            found.append(self._catalogs[code].gettext(message))
        return found

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self._catalog.pgettext(context, message)

    __call__ = gettext
