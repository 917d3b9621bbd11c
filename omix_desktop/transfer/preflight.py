"""Checks run before a single byte is sent.

Everything the server would refuse later, or a curator would question, is
caught here while the user can still fix it: names and folders with spaces or
special characters (the shared rule of :mod:`omix_wire.naming`, so client and
server never disagree), empty files, files over the guide's size limits,
the same content picked twice, two files going to names that differ only in
case or Unicode form (one file on Windows, macOS and in the archive), and
files changed since they were hashed.

Results are typed: a machine code plus parameters, which the UI translates;
:meth:`PreflightIssue.describe` gives English for logs and the CLI.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from omix_desktop.transfer.selection import PlannedFile
from omix_wire.files import SizeProblem, check_size
from omix_wire.limits import ARCHIVE_WARNING_SIZE, FILE_WARNING_SIZE, GB, is_archive
from omix_wire.naming import check_path
from omix_wire.paths import collision_key, os_path


class Severity(StrEnum):
    """ERROR blocks the upload of that file; WARNING asks the user to confirm."""

    ERROR = "error"
    WARNING = "warning"


class IssueCode(StrEnum):
    """Machine-readable reason; the UI owns the translated wording."""

    BAD_NAME = "bad_name"
    MISSING = "missing"
    NOT_A_FILE = "not_a_file"
    UNREADABLE = "unreadable"
    EMPTY_FILE = SizeProblem.EMPTY.value
    """The server's code too: :func:`omix_wire.files.check_size` decides for both."""
    FILE_TOO_LARGE = "file_too_large"
    ARCHIVE_TOO_LARGE = "archive_too_large"
    DUPLICATE_CONTENT = "duplicate_content"
    DUPLICATE_DESTINATION = "duplicate_destination"
    DUPLICATE_IGNORING_CASE = "duplicate_ignoring_case"
    """``A.fq`` and ``a.fq``: two files here, one on Windows and in the archive."""
    CHANGED_SINCE_HASHING = "changed_since_hashing"
    SIDECAR_MISMATCH = "sidecar_mismatch"


_SEVERITY = {
    IssueCode.BAD_NAME: Severity.ERROR,
    IssueCode.MISSING: Severity.ERROR,
    IssueCode.NOT_A_FILE: Severity.ERROR,
    IssueCode.UNREADABLE: Severity.ERROR,
    IssueCode.EMPTY_FILE: Severity.ERROR,
    IssueCode.FILE_TOO_LARGE: Severity.WARNING,
    IssueCode.ARCHIVE_TOO_LARGE: Severity.WARNING,
    IssueCode.DUPLICATE_CONTENT: Severity.WARNING,
    IssueCode.DUPLICATE_DESTINATION: Severity.ERROR,
    IssueCode.DUPLICATE_IGNORING_CASE: Severity.ERROR,
    IssueCode.CHANGED_SINCE_HASHING: Severity.WARNING,
    IssueCode.SIDECAR_MISMATCH: Severity.WARNING,
}


@dataclass(frozen=True, slots=True)
class PreflightIssue:
    """One finding about one planned file."""

    code: IssueCode
    local: Path
    remote: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return _SEVERITY[self.code]

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.ERROR

    def describe(self) -> str:
        """English explanation with what to do; the UI translates from ``code``."""
        p = self.params
        name = self.remote
        match self.code:
            case IssueCode.BAD_NAME:
                return f"{name}: {p['detail']}. Rename it before uploading."
            case IssueCode.MISSING:
                return f"{self.local}: the file no longer exists."
            case IssueCode.NOT_A_FILE:
                return f"{self.local}: not a regular file; only files can be uploaded."
            case IssueCode.UNREADABLE:
                return f"{self.local}: cannot be read ({p['error']}). Check its permissions."
            case IssueCode.EMPTY_FILE:
                return check_size(0).describe(name)
            case IssueCode.FILE_TOO_LARGE:
                return (
                    f"{name}: {p['size'] / GB:.1f} GB is over the {p['limit'] / GB:.0f} GB "
                    "a single file should not exceed; consider splitting it."
                )
            case IssueCode.ARCHIVE_TOO_LARGE:
                return (
                    f"{name}: archive of {p['size'] / GB:.1f} GB is over the recommended "
                    f"{p['limit'] / GB:.0f} GB; consider splitting it."
                )
            case IssueCode.DUPLICATE_CONTENT:
                return f"{name}: same content (MD5 {p['md5']}) as {p['other']}."
            case IssueCode.DUPLICATE_DESTINATION:
                return f"{name}: {self.local} and {p['other']} would be uploaded to the same place."
            case IssueCode.DUPLICATE_IGNORING_CASE if p.get("queued"):
                return (
                    f"{name} and {p['other']}, already in the upload queue, differ only in "
                    "upper and lower case: Windows and the archive take them for one file. "
                    "Rename this one."
                )
            case IssueCode.DUPLICATE_IGNORING_CASE:
                return (
                    f"{name} and {p['other']} differ only in upper and lower case: Windows "
                    "and the archive take them for one file. Rename one of them."
                )
            case IssueCode.CHANGED_SINCE_HASHING:
                return f"{name}: the file changed since it was hashed; it will be hashed again."
            case IssueCode.SIDECAR_MISMATCH:
                return (
                    f"{name}: MD5 {p['md5']} differs from {p['stated']} stated in {p['sidecar']}."
                )
        raise AssertionError(self.code)


@dataclass(frozen=True, slots=True)
class PreflightReport:
    """All findings of one pre-flight run."""

    issues: tuple[PreflightIssue, ...]

    @property
    def ok(self) -> bool:
        """True when nothing blocks; warnings may still need the user's consent."""
        return not any(issue.blocking for issue in self.issues)

    @property
    def errors(self) -> tuple[PreflightIssue, ...]:
        return tuple(i for i in self.issues if i.blocking)

    @property
    def warnings(self) -> tuple[PreflightIssue, ...]:
        return tuple(i for i in self.issues if not i.blocking)

    def for_file(self, local: Path) -> tuple[PreflightIssue, ...]:
        return tuple(i for i in self.issues if i.local == local)

    def blocked_files(self) -> set[Path]:
        """Local paths that must not be queued."""
        return {i.local for i in self.issues if i.blocking}


def check(
    planned: Iterable[PlannedFile],
    *,
    sidecars: Mapping[Path, str] | None = None,
    queued: Iterable[str] = (),
) -> PreflightReport:
    """Run every check over the planned files; never raises for a bad file.

    ``sidecars`` maps a local path to the MD5 a ``.md5`` sidecar or manifest
    stated for it, compared with ``PlannedFile.md5`` when both are known.
    ``queued`` are remote paths already in the upload queue: a planned file
    whose name differs from one of them only in case is refused too (the
    same path is not: sending it again replaces the queued upload).
    """
    issues: list[PreflightIssue] = []
    by_md5: dict[str, PlannedFile] = {}
    by_remote: dict[str, PlannedFile] = {}
    by_key: dict[str, PlannedFile] = {}
    queued_by_key = {collision_key(path): str(path) for path in queued}
    for item in planned:
        remote = str(item.remote)
        add = _adder(issues, item, remote)

        verdict = check_path(remote)
        if not verdict.ok:
            add(
                IssueCode.BAD_NAME,
                problem=str(verdict.problem),
                component=verdict.component,
                character=verdict.character,
                detail=verdict.describe(),
            )

        other = by_remote.setdefault(remote, item)
        if other is not item:
            add(IssueCode.DUPLICATE_DESTINATION, other=str(other.local))
        else:
            key = collision_key(remote)
            first_named = by_key.setdefault(key, item)
            in_queue = queued_by_key.get(key)
            if first_named is not item:
                add(IssueCode.DUPLICATE_IGNORING_CASE, other=str(first_named.remote))
            elif in_queue is not None and in_queue != remote:
                add(IssueCode.DUPLICATE_IGNORING_CASE, other=in_queue, queued=True)

        opened = os_path(item.local)  # a long Windows path needs its \\?\ form
        try:
            info = os.stat(opened)
        except FileNotFoundError:
            add(IssueCode.MISSING)
            continue
        except OSError as exc:
            add(IssueCode.UNREADABLE, error=exc.strerror or str(exc))
            continue
        if not stat.S_ISREG(info.st_mode):
            add(IssueCode.NOT_A_FILE)
            continue
        if not os.access(opened, os.R_OK):
            add(IssueCode.UNREADABLE, error="permission denied")
            continue
        size = info.st_size
        if not check_size(size).ok:
            add(IssueCode.EMPTY_FILE)
        if is_archive(item.local.name) and size > ARCHIVE_WARNING_SIZE:
            add(IssueCode.ARCHIVE_TOO_LARGE, size=size, limit=ARCHIVE_WARNING_SIZE)
        elif size > FILE_WARNING_SIZE:
            add(IssueCode.FILE_TOO_LARGE, size=size, limit=FILE_WARNING_SIZE)

        if item.md5 is None:
            continue
        if (item.size, item.mtime_ns) != (size, info.st_mtime_ns):
            add(
                IssueCode.CHANGED_SINCE_HASHING,
                hashed_size=item.size,
                size=size,
                hashed_mtime_ns=item.mtime_ns,
                mtime_ns=info.st_mtime_ns,
            )
            continue  # its digest is stale: no duplicate/sidecar verdict on it
        md5 = item.md5.lower()
        first = by_md5.setdefault(md5, item)
        if first is not item and size > 0:
            add(IssueCode.DUPLICATE_CONTENT, md5=md5, other=str(first.remote))
        stated = (sidecars or {}).get(item.local)
        if stated is not None and stated.lower() != md5:
            add(
                IssueCode.SIDECAR_MISMATCH,
                md5=md5,
                stated=stated.lower(),
                sidecar=item.local.name + ".md5",
            )
    return PreflightReport(tuple(issues))


def _adder(issues: list[PreflightIssue], item: PlannedFile, remote: str) -> Any:
    def add(code: IssueCode, **params: Any) -> None:
        issues.append(PreflightIssue(code, item.local, remote, params))

    return add
