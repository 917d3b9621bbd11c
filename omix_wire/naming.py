"""The archive's rule for file and folder names.

The user guide forbids spaces and special characters in uploaded file names
and in the folders that hold them. Both the client's pre-flight check and the
server's listing use :func:`check_path`, so the two can never disagree.
A refused name is offered a replacement (:func:`safe_name`) that keeps it
recognisable; the desktop's Prepare screen, ``omix-upload`` and the FTP
server's refusals all suggest the same one.

Two platform facts are part of the rule, so a file accepted here can be
downloaded and saved on every user's computer:

- macOS hands over names in decomposed Unicode (NFD: ``e`` + U+0301 for
  ``é``). Every name is checked, shown and suggested in its composed form
  (NFC, :func:`composed`), so the same visible name always gets the same
  verdict and the same suggestion, whichever system typed it.
- Windows cannot create files named after its devices (``CON``, ``aux.fq``,
  ``nul.txt``, ``COM1``…, whatever the case or extension) and silently drops
  a trailing dot or space (``a.fq.`` becomes ``a.fq``). Both are refused with
  a replacement (``aux_.fq``, ``a.fq``); a space is refused anyway.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath

ALLOWED_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
_REFUSED_RUN = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME_LENGTH = 255
WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"{port}{digit}" for port in ("COM", "LPT") for digit in range(10)}
)
"""Names Windows reserves for devices, with or without an extension, in any case."""


class NameProblem(StrEnum):
    """Machine-readable reason a name is refused; clients translate it."""

    EMPTY = "empty"
    SPACE = "space"
    SPECIAL_CHARACTER = "special_character"
    DOT_NAME = "dot_name"
    TOO_LONG = "too_long"
    RESERVED_NAME = "reserved_name"
    """A Windows device name (``CON``, ``aux.fq``): cannot be saved on Windows."""
    TRAILING_DOT = "trailing_dot"
    """Ends with ``.``, which Windows drops: two names would become one."""


@dataclass(frozen=True, slots=True)
class NameVerdict:
    """Outcome of checking one path; ``component`` is the offending part."""

    problem: NameProblem | None = None
    component: str = ""
    character: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        """English explanation, used in server messages and logs."""
        if self.problem is None:
            return "valid name"
        match self.problem:
            case NameProblem.EMPTY:
                return "the path has an empty name"
            case NameProblem.SPACE:
                return f"'{self.component}' contains a space; use '_' or '-' instead"
            case NameProblem.SPECIAL_CHARACTER:
                return (
                    f"'{self.component}' contains the special character "
                    f"'{self.character}'; only letters, digits, '.', '_' and '-' are allowed"
                )
            case NameProblem.DOT_NAME:
                return f"'{self.component}' is not a valid file or folder name"
            case NameProblem.TOO_LONG:
                return f"'{self.component}' is longer than {MAX_NAME_LENGTH} characters"
            case NameProblem.RESERVED_NAME:
                return (
                    f"'{self.component}' is reserved by Windows for a device "
                    f"({device_name(self.component)}): it cannot be saved on Windows"
                )
            case NameProblem.TRAILING_DOT:
                return f"'{self.component}' ends with a dot, which Windows removes"
        raise AssertionError(self.problem)


def composed(text: str) -> str:
    """``text`` in composed Unicode (NFC): the form a name is sent, checked and shown in.

    macOS gives decomposed names (NFD); Windows and Linux usually composed
    ones. Plain ASCII is unchanged.
    """
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def device_name(name: str) -> str | None:
    """The Windows device ``name`` stands for (``"AUX"`` for ``aux.fq``), else None.

    Windows looks only at the part before the first dot and ignores case and
    trailing spaces there, so ``Con.tar.gz`` and ``nul .txt`` are devices too.
    """
    stem = name.partition(".")[0].rstrip(" ")
    if not 3 <= len(stem) <= 4:  # every device name has 3 or 4 letters: most names stop here
        return None
    stem = stem.upper()
    return stem if stem in WINDOWS_DEVICES else None


def check_name(name: str) -> NameVerdict:
    """Check a single file or folder name (no separators), in its composed form."""
    name = composed(name)
    if not name:
        return NameVerdict(NameProblem.EMPTY, name)
    if name in {".", ".."}:
        return NameVerdict(NameProblem.DOT_NAME, name)
    if len(name) > MAX_NAME_LENGTH:
        return NameVerdict(NameProblem.TOO_LONG, name)
    if ALLOWED_NAME.match(name):
        if name.endswith("."):
            return NameVerdict(NameProblem.TRAILING_DOT, name, ".")
        if device_name(name) is not None:
            return NameVerdict(NameProblem.RESERVED_NAME, name)
        return NameVerdict()
    for character in name:
        if character.isspace():
            return NameVerdict(NameProblem.SPACE, name, character)
    for character in name:
        if not ALLOWED_NAME.match(character):
            return NameVerdict(NameProblem.SPECIAL_CHARACTER, name, character)
    raise AssertionError(name)  # pragma: no cover - regex and loop agree


def check_path(path: str) -> NameVerdict:
    """Check every component of a relative POSIX path such as ``run1/a.fq.gz``."""
    path = composed(path)
    parts = [part for part in path.strip("/").split("/")]
    if parts == [""]:
        return NameVerdict(NameProblem.EMPTY, path)
    for part in parts:
        verdict = check_name(part)
        if not verdict.ok:
            return verdict
    return NameVerdict()


def safe_name(name: str) -> str:
    """A name :func:`check_name` accepts, close to ``name``.

    Accents are dropped (``café`` becomes ``cafe``), every other refused
    character becomes ``_``, runs of ``_`` collapse, trailing
    dots go, a Windows device name gets a ``_`` after its stem (``aux_.fq``),
    and a name too long is cut before its extension so ``.fastq.gz``
    survives. Works on the composed form, so NFD and NFC give one answer.
    """
    name = composed(name)
    if check_name(name).ok:
        return name
    bare = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    cleaned = _REFUSED_RUN.sub("_", composed(bare)).strip("_")
    cleaned = re.sub(r"_{2,}", "_", cleaned).rstrip(".")
    if set(cleaned) <= {"."}:
        cleaned = "file"
    elif cleaned.startswith("."):  # "样本.fq" keeps its extension, not a hidden name
        cleaned = "file" + cleaned
    if len(cleaned) > MAX_NAME_LENGTH:
        stem, dot, suffix = cleaned.partition(".")
        keep = MAX_NAME_LENGTH - len(dot + suffix)
        cleaned = stem[: max(1, keep)] + dot + suffix if keep > 0 else cleaned[:MAX_NAME_LENGTH]
    if device_name(cleaned) is not None:
        stem, dot, suffix = cleaned.partition(".")
        cleaned = (stem.rstrip(" ") + "_" + dot + suffix)[:MAX_NAME_LENGTH]
    if not check_name(cleaned).ok:  # e.g. a leading dot the rule refuses
        cleaned = "file_" + cleaned.lstrip(".")
    return cleaned


def safe_path(path: PurePosixPath) -> PurePosixPath:
    """``path`` with each refused component replaced by :func:`safe_name`."""
    return PurePosixPath(*(safe_name(part) for part in path.parts))
