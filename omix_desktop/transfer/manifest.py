"""MD5 manifests: read what labs already have, write what ``md5sum -c`` checks.

Labs arrive with digests in several shapes, all accepted here:

* GNU md5sum: ``<32 hex>  name`` (text) or ``<32 hex> *name`` (binary), with
  the leading-backslash escaping md5sum uses for names holding ``\\`` or a
  newline;
* BSD / ``md5sum --tag``: ``MD5 (name) = <32 hex>``;
* ``.md5`` sidecars next to a data file (ENA's old uploader, our own public
  download tree): a bare digest, or one of the lines above.

Digests are accepted in any case and returned lowercase. A malformed line is
reported with its line number, never skipped silently: a typo in a manifest
would otherwise surface much later as an "MD5 Checked Failed" dataset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from omix_wire.md5 import normalize_md5
from omix_wire.naming import composed

SIDECAR_SUFFIX = ".md5"

_GNU = re.compile(r"^(?P<escaped>\\?)(?P<md5>[0-9A-Fa-f]{32}) (?P<mode>[ *])(?P<name>.+)$")
_BSD = re.compile(r"^(?P<escaped>\\?)MD5 ?\((?P<name>.+)\) ?= ?(?P<md5>[0-9A-Fa-f]{32})$")
_BARE = re.compile(r"^[0-9A-Fa-f]{32}$")


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One digest of one file as written in a manifest."""

    name: str
    md5: str
    line: int = 0
    """1-based line number in the source (0 when built in code)."""


@dataclass(frozen=True, slots=True)
class LineProblem:
    """Why one manifest line could not be read."""

    line: int
    text: str
    reason: str

    def describe(self) -> str:
        return f"line {self.line}: {self.reason}: {self.text!r}"


class ManifestError(ValueError):
    """A manifest holds malformed lines; ``problems`` lists each with its number."""

    def __init__(self, source: str, problems: list[LineProblem]) -> None:
        self.source = source
        self.problems = problems
        details = "; ".join(problem.describe() for problem in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{source}: malformed MD5 manifest: {details}{more}")


def _unescape(name: str) -> str:
    """Undo md5sum's escaping (``\\\\`` -> ``\\``, ``\\n`` -> newline, ``\\r``)."""
    out: list[str] = []
    chars = iter(name)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append({"n": "\n", "r": "\r", "\\": "\\"}.get(following, "\\" + following))
        else:
            out.append(char)
    return "".join(out)


def _escape(name: str) -> tuple[str, bool]:
    """md5sum's escaping of a name; the flag says whether the line needs a ``\\``."""
    if not any(c in name for c in "\\\n\r"):
        return name, False
    return name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r"), True


def parse_line(line: str) -> ManifestEntry | None:
    """Parse one md5sum or BSD line; None when it is neither."""
    for pattern in (_GNU, _BSD):
        match = pattern.match(line)
        if match:
            name = match["name"]
            if match["escaped"]:
                name = _unescape(name)
            digest = normalize_md5(match["md5"])
            assert digest is not None  # the pattern allows only 32 hex digits
            return ManifestEntry(name, digest)
    return None


def parse_manifest(text: str, *, source: str = "<manifest>") -> list[ManifestEntry]:
    """All entries of a manifest; raises :class:`ManifestError` listing bad lines.

    Blank lines and ``#`` comments are ignored. The same name listed twice with
    different digests is an error (which one would be right?).
    """
    entries: list[ManifestEntry] = []
    problems: list[LineProblem] = []
    seen: dict[str, ManifestEntry] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        entry = parse_line(line)
        if entry is None:
            problems.append(LineProblem(number, line, _diagnose(line)))
            continue
        entry = ManifestEntry(entry.name, entry.md5, number)
        previous = seen.get(entry.name)
        if previous is not None:
            if previous.md5 != entry.md5:
                problems.append(
                    LineProblem(
                        number,
                        line,
                        f"'{entry.name}' already listed on line {previous.line} "
                        "with a different MD5",
                    )
                )
            continue
        seen[entry.name] = entry
        entries.append(entry)
    if problems:
        raise ManifestError(source, problems)
    return entries


def _diagnose(line: str) -> str:
    """A short English reason a line is not a manifest line."""
    first = line.split(maxsplit=1)[0] if line.split() else ""
    if re.fullmatch(r"[0-9A-Fa-f]+", first) and len(first) != 32:
        return f"the MD5 has {len(first)} characters instead of 32"
    if re.fullmatch(r"[0-9A-Fa-f]{32}", first):
        if len(line.split(maxsplit=1)) < 2:
            return "the file name is missing"
        return "expected two spaces (or ' *') between the MD5 and the file name"
    if line.startswith("MD5"):
        return "expected 'MD5 (name) = <32 hex digits>'"
    return "not an md5sum or BSD-style MD5 line"


def read_manifest(path: Path) -> list[ManifestEntry]:
    """Read a manifest file (UTF-8, BOM tolerated)."""
    text = Path(path).read_text(encoding="utf-8-sig")
    return parse_manifest(text, source=str(path))


def sidecar_path(data_file: Path) -> Path:
    """Where a data file's sidecar lives: ``reads.fq.gz`` -> ``reads.fq.gz.md5``."""
    return data_file.with_name(data_file.name + SIDECAR_SUFFIX)


def read_sidecar(data_file: Path) -> str | None:
    """The MD5 stated by ``<data_file>.md5``, or None when there is no sidecar.

    The sidecar may hold a bare digest or manifest lines; with several lines,
    the one naming this file is used. Raises :class:`ManifestError` when the
    sidecar exists but says nothing usable about the file.
    """
    sidecar = sidecar_path(data_file)
    try:
        text = sidecar.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None
    stripped = text.strip()
    if _BARE.match(stripped):
        return stripped.lower()
    entries = parse_manifest(text, source=str(sidecar))
    for entry in entries:
        if composed(Path(entry.name).name) == composed(data_file.name):  # NFD from macOS
            return entry.md5
    if len(entries) == 1:
        return entries[0].md5
    raise ManifestError(str(sidecar), [LineProblem(0, "", f"no line names '{data_file.name}'")])


def format_line(name: str, md5: str) -> str:
    """One md5sum line (binary-neutral two-space form), escaped like md5sum does."""
    digest = normalize_md5(md5)
    if digest is None:
        raise ValueError(f"not an MD5 digest: {md5!r}")
    escaped, needs_flag = _escape(name)
    prefix = "\\" if needs_flag else ""
    return f"{prefix}{digest}  {escaped}"


def format_manifest(entries: Iterable[tuple[str, str] | ManifestEntry]) -> str:
    """An md5sum-compatible manifest of ``(name, md5)`` pairs, one per line."""
    lines = []
    for entry in entries:
        name, md5 = (entry.name, entry.md5) if isinstance(entry, ManifestEntry) else entry
        lines.append(format_line(name, md5))
    return "".join(line + "\n" for line in lines)


def write_manifest(path: Path, entries: Iterable[tuple[str, str] | ManifestEntry]) -> None:
    """Write a manifest atomically (temporary file, then rename)."""
    path = Path(path)
    temporary = path.with_name(path.name + ".part")
    with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(format_manifest(entries))
    temporary.replace(path)
