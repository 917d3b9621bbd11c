"""Which characters a text field of a request may hold, in one place.

PostgreSQL cannot store a NUL character in a text column (the driver
raises, the request ended in a 500), while SQLite stores it silently, so
the same input behaved differently on the two databases. Control
characters are never meant in a name, an email or a title either: they
come from a broken client or a paste of binary data, and later break a
listing, a log line or a download header. Every request model and form
field therefore declares its text with one of the types below, and the
answer is the same on both databases: ``422 invalid_character`` naming
the field and the character.

* :data:`SingleLine`: names, emails, titles, accessions, tokens: no
  control character at all (Unicode category ``Cc``: C0, DEL and C1).
* :data:`MultiLine`: descriptions, purposes, messages: tab, line feed and
  carriage return are allowed, no other control character.
* :data:`Secret`: passwords keep any character a user can type, except
  NUL (which no database column and no C library string can carry).

Paths of the pre-upload area are not declared with these types: the path
rules (:func:`server_stub.preupload.clean_relative`, ``400 invalid_path``
for NUL) and the naming rule (``422 invalid_name``) already cover them.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

INVALID_CHARACTER = "invalid_character"
"""The error code on the wire; the desktop translates it."""

MULTI_LINE_ALLOWED = frozenset("\t\n\r")


def _refuse(character: str, where: str) -> PydanticCustomError:
    code_point = f"U+{ord(character):04X}"
    return PydanticCustomError(
        INVALID_CHARACTER,
        "The text contains the control character {character}, which is not allowed "
        + where
        + "; remove it and send the text again.",
        {"character": code_point},
    )


def _first_control(value: str, allowed: frozenset[str] = frozenset()) -> str | None:
    for character in value:
        if character not in allowed and unicodedata.category(character) == "Cc":
            return character
    return None


def check_single_line(value: str) -> str:
    """No control character at all (names, emails, titles, identifiers)."""
    character = _first_control(value)
    if character is not None:
        raise _refuse(character, "in this field")
    return value


def single_line_before(value: Any) -> Any:
    """:func:`check_single_line` ahead of a stricter type (an email), so its code wins."""
    return check_single_line(value) if isinstance(value, str) else value


def check_multi_line(value: str) -> str:
    """Tab, line feed and carriage return allowed; no other control character."""
    character = _first_control(value, MULTI_LINE_ALLOWED)
    if character is not None:
        raise _refuse(character, "in this text (only tab and line breaks are)")
    return value


def check_secret(value: str) -> str:
    """Anything a user can type except NUL (passwords)."""
    if "\x00" in value:
        raise _refuse("\x00", "in a password")
    return value


SingleLine = Annotated[str, AfterValidator(check_single_line)]
MultiLine = Annotated[str, AfterValidator(check_multi_line)]
Secret = Annotated[str, AfterValidator(check_secret)]
