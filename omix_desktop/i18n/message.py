"""A text kept as its catalog key and arguments, so it can be shown again in another language.

A status line rendered once (``"2 files sent to Transfers."``) stays in the
language it was rendered in; the same line kept as a :class:`Message` is
rendered again after a language switch. The UI stores these (not strings)
for every text it shows for a while: status and error lines, a file's state.

Mark the key for extraction with :func:`~omix_desktop.i18n.translator.N_`::

    Message(N_("{count} files sent to Transfers."), count=2)

A text that needs more than a template (a plural, an API error's sentence)
is any ``Callable[[Translator], str]``; :func:`render` accepts both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.server_terms import term
from omix_desktop.i18n.translator import Translator

Renderer = Callable[[Translator], str]


@dataclass(frozen=True, slots=True)
class Message:
    """``msgid`` (the English template) and the values of its ``{name}`` fields.

    A value that is itself a :class:`Message`, a :class:`Term` or a renderer is
    rendered in the same language first, so a sentence about a status
    (``"Now {status}"``) switches as a whole.
    """

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __init__(self, msgid: str, /, **params: Any) -> None:
        object.__setattr__(self, "msgid", msgid)
        object.__setattr__(self, "params", params)

    def __call__(self, tr: Translator) -> str:
        values = {name: render(value, tr) for name, value in self.params.items()}
        return fill(tr.gettext(self.msgid), values)


@dataclass(frozen=True, slots=True)
class Term:
    """A word of the server's vocabulary (a status, a data type) shown in the user's language."""

    value: str

    def __call__(self, tr: Translator) -> str:
        return term(self.value, tr)


@dataclass(frozen=True, slots=True)
class Joined:
    """Several texts shown as one (``"A saved. B refused."``), each rendered in turn."""

    parts: tuple[Any, ...]
    separator: str = " "

    def __call__(self, tr: Translator) -> str:
        texts = (render(part, tr) for part in self.parts)
        return self.separator.join(text for text in texts if text)


def render(text: Any, tr: Translator) -> str:
    """A plain string as it is; a :class:`Message`, :class:`Term` or renderer in ``tr``'s
    language."""
    if callable(text):
        return str(text(tr))
    return "" if text is None else str(text)
