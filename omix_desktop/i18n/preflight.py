"""Pre-flight findings in the user's language (the engine gives codes and parameters)."""

from __future__ import annotations

from collections.abc import Callable

from omix_desktop.i18n.errors import fill, name_problem_message
from omix_desktop.i18n.format import format_size
from omix_desktop.i18n.translator import Translator
from omix_desktop.transfer import IssueCode, PreflightIssue


def issue_text(issue: PreflightIssue, tr: Translator, *, rename_hint: bool = True) -> str:
    """What is wrong with the file and what to do about it.

    ``rename_hint`` adds the app's "Rename a copy" offer to a bad name (not in a terminal).
    """
    _ = tr.gettext
    p = dict(issue.params)
    if issue.code is IssueCode.BAD_NAME:
        reason = name_problem_message(
            str(p.get("problem")), str(p.get("component", "")), str(p.get("character", "")), tr
        )
        if not rename_hint:
            return reason
        return f"{reason} {_('Use “Rename a copy” to upload a copy with a safe name.')}"
    for key in ("size", "limit"):
        if isinstance(p.get(key), int):
            p[key] = format_size(p[key], tr.locale)
    if issue.code is IssueCode.DUPLICATE_IGNORING_CASE and p.get("queued"):
        return fill(
            _(
                "Differs from {other}, already in Transfers, only in upper and lower case: "
                "Windows and the archive take them for one file. Rename this one."
            ),
            p,
        )
    texts: dict[IssueCode, Callable[[], str]] = {
        IssueCode.MISSING: lambda: _("The file no longer exists. Remove it from the list."),
        IssueCode.NOT_A_FILE: lambda: _("Not a regular file; only files can be uploaded."),
        IssueCode.UNREADABLE: lambda: _("Cannot be read ({error}). Check its permissions."),
        IssueCode.EMPTY_FILE: lambda: _(
            "The file is empty (0 bytes): the archive does not accept empty files. "
            "Upload it again with its content."
        ),
        IssueCode.FILE_TOO_LARGE: lambda: _(
            "Too large: {size} is over the {limit} a single file should not exceed. "
            "Consider splitting it."
        ),
        IssueCode.ARCHIVE_TOO_LARGE: lambda: _(
            "Too large: this archive of {size} is over the recommended {limit}. "
            "Consider splitting it."
        ),
        IssueCode.DUPLICATE_CONTENT: lambda: _(
            "Duplicate: same content (MD5) as {other}. Upload it only once."
        ),
        IssueCode.DUPLICATE_DESTINATION: lambda: _(
            "Another file would be uploaded to the same place ({other}). Remove one of them."
        ),
        IssueCode.DUPLICATE_IGNORING_CASE: lambda: _(
            "Differs from {other} only in upper and lower case: Windows and the archive take "
            "them for one file. Rename one of them."
        ),
        IssueCode.CHANGED_SINCE_HASHING: lambda: _(
            "Changed since it was hashed; its MD5 is computed again."
        ),
        IssueCode.SIDECAR_MISMATCH: lambda: _(
            "The MD5 differs from the manifest ({stated}). Check the file or the manifest."
        ),
    }
    return fill(texts[issue.code](), p)
