"""The archive's naming rule at the FTP door: refuse a bad name before any byte.

FileZilla, lftp and curl show "Successful" for any 2xx, so a name the archive
cannot take (``my file.fq``, ``中文名.fq``, ``aux.fq``) must be refused when it
is given, not discovered later when a dataset is built. The rule is
:func:`omix_wire.naming.check_path`, the one the clients check too, and the
reply offers the same replacement the desktop app suggests.

Decomposed names (NFD, as macOS clients send them: ``e`` + U+0301 for ``é``)
are treated exactly as their composed (NFC) form: the rule admits only ASCII,
so any name that has an NFD form is refused either way, and the reply names
and corrects the composed form (``café.fq``, use ``cafe.fq``) so the user
reads the name they typed, not its invisible combining marks. It also says the
name arrived decomposed, which explains a name that looks right in Finder.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from omix_wire.naming import NameProblem, check_path, composed, safe_path

REFUSED = "553"
"""RFC 959: "Requested action not taken. File name not allowed."""


def name_refusal(virtual: PurePosixPath, what: str = "file") -> str | None:
    """The 553 reply text for a path that breaks the rule, or None when it is fine."""
    given = str(virtual).lstrip("/")
    relative = composed(given)
    verdict = check_path(relative)
    if verdict.ok:
        return None
    suggestion = safe_path(PurePosixPath(relative))
    decomposed = (
        f" (the name arrived in decomposed Unicode, as macOS sends it; shown composed: /{relative})"
        if relative != given
        else ""
    )
    if verdict.problem in (NameProblem.SPACE, NameProblem.SPECIAL_CHARACTER):
        advice = (
            "The archive accepts only letters, digits, '.', '_' and '-' in file and folder "
            f"names; use /{suggestion} instead."
        )
    else:  # a Windows device name, a trailing dot, too long: not the character rule
        advice = f"Use /{suggestion} instead."
    return f"{what.capitalize()} name refused: {verdict.describe()}{decomposed}. {advice}"
