"""Languages of the web pages: catalogs, choosing the language, formatting.

The Chinese catalog is the ``.po`` source itself, read with Babel at start and
turned into an in-memory ``Translations``: nothing to compile, so a fresh
clone serves Chinese pages straight away. Sizes, numbers and dates are
formatted by Babel for the page's language.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from omix_wire.sizes import format_size

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "web"
COOKIE = "omix_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    """What ``?lang=`` and the cookie carry."""
    locale: str
    """Babel locale for formatting."""
    catalog: str | None
    """Folder under ``locale/``; ``None`` for the source language."""
    name: str
    """The language's own name, for the switch link."""
    html_lang: str


ENGLISH = Language("en", "en", None, "English", "en")
CHINESE = Language("zh", "zh_Hans_CN", "zh_CN", "中文", "zh-CN")
LANGUAGES: Mapping[str, Language] = {language.code: language for language in (ENGLISH, CHINESE)}
DEFAULT = ENGLISH


def po_path(language: Language) -> Path | None:
    if language.catalog is None:
        return None
    return LOCALE_DIR / language.catalog / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(code: str) -> NullTranslations:
    """The gettext translations of a language, built from its ``.po`` once."""
    path = po_path(LANGUAGES[code])
    if path is None or not path.exists():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=LANGUAGES[code].catalog, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def _from_accept_language(header: str) -> Language | None:
    """The best of our languages by the browser's ``Accept-Language``."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            choices.append((-weight, position, tag.strip().lower()))
    for _weight, _position, tag in sorted(choices):
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return LANGUAGES[primary]
        if tag == "*":
            return DEFAULT
    return None


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> Language:
    """``?lang=`` first, then the remembered choice, then the browser's wish."""
    for code in (query, cookie):
        if code and code.lower() in LANGUAGES:
            return LANGUAGES[code.lower()]
    if accept_language:
        chosen = _from_accept_language(accept_language)
        if chosen is not None:
            return chosen
    return DEFAULT


@dataclass(frozen=True, slots=True)
class Formatter:
    """Locale-aware formatting for one language."""

    language: Language

    def size(self, value: int | None) -> str:
        """The app's and omix-upload's text for the same size (:mod:`omix_wire.sizes`:
        decimal units, ``584 MB``, ``221 B``); binary units labelled "MB" made the
        page say 50 MB where the app said 52.4 MB."""
        return format_size(value or 0, self.language.locale)

    def number(self, value: int | float | None) -> str:
        return format_decimal(value or 0, locale=self.language.locale)

    def date(self, value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.date()
        return format_date(value, "medium", locale=self.language.locale)

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return ""
        text = format_datetime(value, "medium", tzinfo=UTC, locale=self.language.locale)
        return f"{text} UTC"

    def month(self, key: str) -> str:
        """``2024-07`` as ``Jul 2024`` or ``2024年7月``."""
        try:
            year, month = (int(part) for part in key.split("-", 1))
            return format_skeleton("yMMM", date(year, month, 1), locale=self.language.locale)
        except ValueError:
            return key
