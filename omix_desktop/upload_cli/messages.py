"""The server's refusals in terminal words: the field, the value, the command to run.

The desktop's sentences point at its screens ("refresh the list"); a
terminal user needs the value that was refused and the ``omix-upload``
command that helps, so the codes a terminal meets most get their own
sentences here. Anything else falls back to the desktop's translated text
(:func:`omix_desktop.i18n.errors.problem_message`), still prefixed by the
field and its value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from omix_desktop.api.errors import (
    ApiError,
    AuthenticationError,
    FieldProblem,
    ServerUnavailableError,
    ThrottledError,
)
from omix_desktop.i18n.errors import fill, problem_message
from omix_desktop.i18n.translator import Translator

Template = Callable[[Translator], str]


def _templates() -> dict[str, Template]:
    """Code → its terminal sentence (``{value}``, ``{accession}``, ``{server}`` and params)."""
    return {
        "bioproject_not_found": lambda tr: tr.gettext(
            "{value} is not one of your BioProjects; see `omix-upload bioproject list`, or "
            "create one with `omix-upload bioproject create --title …`."
        ),
        "dataset_not_found": lambda tr: tr.gettext(
            "{accession} is not one of your datasets; see `omix-upload datasets list`."
        ),
        "file_not_found": lambda tr: tr.gettext(
            "{value} is not a file of {accession}; see `omix-upload datasets show {accession}`."
        ),
        "review_link_not_found": lambda tr: tr.gettext(
            "{accession} has no open reviewer link; make one with "
            "`omix-upload review-link create {accession}`."
        ),
        "preupload_file_not_found": lambda tr: tr.gettext(
            "{value} is not in your pre-upload area; upload it with `omix-upload put`, and see "
            "the paths with `omix-upload status`."
        ),
        "upload_in_progress": lambda tr: tr.gettext(
            "{value} is still being uploaded; let `omix-upload put` finish (run it again to "
            "resume), then try again."
        ),
        "file_already_selected": lambda tr: tr.gettext(
            "{value} is already selected for {file_id}, which waits for it; upload the file "
            "under another path with `omix-upload put --remote-dir …`."
        ),
        "released_read_only": lambda tr: tr.gettext(
            "{accession} is released: only its MOST number can still change "
            "(`omix-upload most-number {accession} NUMBER`)."
        ),
        "already_released": lambda tr: tr.gettext("{accession} is already released."),
        "files_not_archived": lambda tr: tr.gettext(
            "Not every file of {accession} is archived yet; see "
            "`omix-upload datasets show {accession}`, fix what failed, then try again."
        ),
        "last_file": lambda tr: tr.gettext(
            "{value} is the last file of {accession}; add its replacement first with "
            "`omix-upload files add {accession} PATH`, then delete it."
        ),
        "archived_file_not_replaceable": lambda tr: tr.gettext(
            "{value} is archived: a file is never replaced in place. Add the new file with "
            "`omix-upload files add {accession} PATH`, then delete this one with "
            "`omix-upload files delete {value}`."
        ),
        "unknown_organism": lambda tr: tr.gettext(
            "{value} is not in the organism list; use a taxonomy name (see "
            "`omix-upload submit --template`) or 'mixed sample'."
        ),
        "unknown_data_type": lambda tr: tr.gettext(
            "{value} is not a data type of the list; `omix-upload submit --template` lists them."
        ),
        "unknown_data_subtype": lambda tr: tr.gettext(
            "{value} is not a sub-type of {data_type}; `omix-upload submit --template` lists them."
        ),
        "invalid_md5": lambda tr: tr.gettext(
            "{value} is not an MD5: give exactly 32 hexadecimal characters (0-9, a-f), or let "
            "`omix-upload` compute it (`files fix-md5 FILE_ID --from-local PATH`)."
        ),
        "server_unreachable": lambda tr: tr.gettext(
            "Cannot reach the server at {server}. Check the address (--server), that the "
            "archive server is running and the network, then run the command again."
        ),
        "session_expired": lambda tr: tr.gettext(
            "The session has expired: run the command again (it signs in anew); if it keeps "
            "failing, run `omix-upload login`."
        ),
    }


def field_label(field: str) -> str:
    """``files.0.path`` → ``files[1].path``: the n-th ``[[files]]`` entry, counted from 1."""
    parts = field.split(".")
    shown: list[str] = []
    for part in parts:
        if part.isdigit() and shown:
            shown[-1] = f"{shown[-1]}[{int(part) + 1}]"
        else:
            shown.append(part)
    return ".".join(shown)


def value_at(values: Mapping[str, Any], field: str | None) -> Any:
    """The value sent for ``field`` (a dotted path into the request body), or ``None``."""
    if not field:
        return None
    current: Any = values
    for part in field.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return None if isinstance(current, Mapping | list) else current


def problem_line(
    problem: FieldProblem, values: Mapping[str, Any], tr: Translator, *, server: str = ""
) -> str:
    """One refusal as ``field: sentence`` naming the value that was sent."""
    value = value_at(values, problem.field)
    if value is None:
        value = values.get("value", problem.params.get("path", ""))
    params: dict[str, Any] = {
        "accession": values.get("accession", ""),
        "server": server or values.get("server", ""),
        **problem.params,
        "value": value,
    }
    template = _templates().get(problem.code)
    if template is not None:
        text = fill(template(tr), params)
    else:
        text = problem_message(problem, tr)
        if value not in (None, "") and str(value) not in text and problem.field:
            text = f"{value}: {text}"
    return f"{field_label(problem.field)}: {text}" if problem.field else text


def error_lines(
    error: ApiError, values: Mapping[str, Any], tr: Translator, *, server: str = ""
) -> list[str]:
    """Every problem of a refusal, one line each (the server lists them all at once)."""
    whole = FieldProblem(error.code, error.message, error.field, error.params)
    if isinstance(error, ServerUnavailableError | AuthenticationError | ThrottledError):
        problems = [whole]
    else:
        problems = list(error.problems) or [whole]
    return [problem_line(problem, values, tr, server=server) for problem in problems]
