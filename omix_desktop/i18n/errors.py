"""Error codes from the server, the transfer engine, the name rule and the network
check, turned into sentences in the user's language that say what to do.

Nothing here builds text at import: the tables hold functions of the
translator, so each message is translated when it is shown. Codes are matched
by their string value, so this module needs neither Qt nor the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from omix_desktop.api.errors import (
    ApiError,
    AuthenticationError,
    FieldProblem,
    ServerUnavailableError,
    ThrottledError,
    ValidationError,
)
from omix_desktop.i18n.format import format_size
from omix_desktop.i18n.translator import Translator
from omix_wire.naming import device_name, safe_name


class _Verdict(Protocol):
    """What :class:`omix_wire.naming.NameVerdict` offers."""

    @property
    def problem(self) -> Any: ...

    component: str
    character: str


Text = Callable[[Translator, Mapping[str, Any]], str]


class _SafeParams(dict[str, Any]):
    """``str.format_map`` argument that leaves unknown placeholders visible."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, params: Mapping[str, Any]) -> str:
    """Put ``params`` into a translated ``{name}`` template, never raising."""
    try:
        return template.format_map(_SafeParams(params))
    except (ValueError, IndexError, AttributeError):
        return template


# --- the archive server's API error codes ------------------------------------------


def _api_texts() -> dict[str, Text]:
    def t(msgid_fn: Callable[[Translator], str]) -> Text:
        return lambda tr, params: fill(msgid_fn(tr), params)

    return {
        "invalid_credentials": t(
            lambda tr: tr.gettext(
                "Wrong email or password. Check both (the password is case-sensitive) "
                "and try again."
            )
        ),
        "too_many_attempts": lambda tr, p: tr.ngettext(
            "Too many failed sign-ins. Wait {retry_after} second, then try again.",
            "Too many failed sign-ins. Wait {retry_after} seconds, then try again.",
            int(p.get("retry_after") or 0),
        ).format(retry_after=p.get("retry_after", "?")),
        "session_expired": t(
            lambda tr: tr.gettext(
                "Your session has expired. Sign in again; queued uploads are kept."
            )
        ),
        "not_authenticated": t(
            lambda tr: tr.gettext(
                "You are not signed in, or the session was closed. Sign in again; "
                "queued uploads are kept."
            )
        ),
        "email_taken": t(
            lambda tr: tr.gettext(
                "An account with this email already exists. Sign in instead, or use another email."
            )
        ),
        "wrong_password": t(lambda tr: tr.gettext("The current password is wrong. Type it again.")),
        "curator_only": t(lambda tr: tr.gettext("Only curators may do this.")),
        "required": t(lambda tr: tr.gettext("This field is required.")),
        "too_short": t(lambda tr: tr.gettext("Too short: use at least {min_length} characters.")),
        "too_long": t(lambda tr: tr.gettext("Too long: use at most {max_length} characters.")),
        "invalid_email": t(
            lambda tr: tr.gettext(
                "This is not a valid email address. Use the form name@example.org."
            )
        ),
        "invalid_character": t(
            lambda tr: tr.gettext(
                "The text contains a control character ({character}) that is not allowed "
                "here. Remove it (it often comes with pasted text) and try again."
            )
        ),
        "release_date_too_far": t(
            lambda tr: tr.gettext(
                "The release date can be at most {years} years ahead (on or before {latest}). "
                "Choose an earlier date; you can set it again later."
            )
        ),
        "empty_file": t(
            lambda tr: tr.gettext(
                "'{name}' is empty (0 bytes): the archive does not accept empty files. "
                "Upload it again with its content."
            )
        ),
        "invalid_path": t(
            lambda tr: tr.gettext(
                "The path is not accepted. Use only letters, digits, '.', '_' and '-' in file "
                "and folder names."
            )
        ),
        "invalid_name": lambda tr, p: _invalid_name(tr, p),
        "upload_in_progress": t(
            lambda tr: tr.gettext(
                "'{path}' is still being uploaded. Wait for the upload to end or cancel it."
            )
        ),
        "preupload_file_not_found": t(
            lambda tr: tr.gettext(
                "'{path}' is not in your pre-upload area. Upload it first (FTP), then select "
                "it from the list."
            )
        ),
        "online_limit_exceeded": lambda tr, p: fill(
            tr.gettext(
                "Online (HTTP) upload is for submissions under {limit} in total. Upload "
                "larger data through the FTP pre-upload service."
            ),
            {"limit": format_size(float(p.get("limit") or 0), tr.locale)},
        ),
        "server_unreachable": t(
            lambda tr: tr.gettext(
                "Cannot reach the server. Check the server address and your network "
                "connection, then try again."
            )
        ),
        "server_timeout": t(
            lambda tr: tr.gettext(
                "The server did not answer in time. Try again in a moment; if it keeps "
                "happening, check your network."
            )
        ),
        "internal_error": t(
            lambda tr: tr.gettext(
                "The server failed while handling the request. Try again later; if it keeps "
                "failing, send a support bundle to the archive's administrator."
            )
        ),
        "unexpected_response": t(
            lambda tr: tr.gettext(
                "The server gave an answer this app does not understand. Check the server "
                "address; the server may be a different version."
            )
        ),
        "not_found": t(
            lambda tr: tr.gettext(
                "The server does not know this address. Check the server address."
            )
        ),
    }


def _invalid_name(tr: Translator, params: Mapping[str, Any]) -> str:
    problem = str(params.get("problem") or "")
    component = str(params.get("component") or "")
    character = str(params.get("character") or "")
    if problem:
        return name_problem_message(problem, component, character, tr)
    return tr.gettext("The file name is not accepted. Rename the file.")


def problem_message(problem: FieldProblem, tr: Translator) -> str:
    """One problem (``code``, ``params``) as a translated sentence."""
    code = problem.code
    if code == "invalid" and problem.message.startswith("This field is required"):
        code = "required"  # the server reports its own required-field check as "invalid"
    if code in {"invalid", "value_error"} and problem.field == "email":
        code = "invalid_email"
    if code.endswith("_not_found") and code not in _api_texts():
        return tr.gettext("Not found in your account. Refresh the list and try again.")
    text = _api_texts().get(code)
    if text is not None:
        return text(tr, problem.params)
    if problem.field:
        return fill(
            tr.gettext("This value is not accepted ({detail})."),
            {"detail": problem.message or code},
        )
    return fill(
        tr.gettext("The server refused the request: {detail}"), {"detail": problem.message or code}
    )


def api_error_message(error: ApiError, tr: Translator) -> str:
    """The message to show for a failed API call (the first problem)."""
    if isinstance(error, ServerUnavailableError) and error.code not in _api_texts():
        return _api_texts()["internal_error"](tr, error.params)
    if isinstance(error, ValidationError) and len(error.problems) > 1:
        return tr.ngettext(
            "{count} field needs attention; see the messages next to it.",
            "{count} fields need attention; see the messages next to them.",
            len(error.problems),
        ).format(count=len(error.problems))
    first = (
        error.problems[0]
        if error.problems
        else FieldProblem(error.code, error.message, error.field, error.params)
    )
    if isinstance(error, ThrottledError | AuthenticationError):
        first = FieldProblem(error.code, error.message, error.field, error.params)
    return problem_message(first, tr)


def field_errors(error: ApiError, tr: Translator) -> dict[str, str]:
    """``{field: message}`` for every problem tied to a form field (first one wins)."""
    result: dict[str, str] = {}
    for problem in error.problems:
        if problem.field and problem.field not in result:
            result[problem.field] = problem_message(problem, tr)
    return result


# --- the name rule (omix_wire.naming.NameProblem) -----------------------------------


def name_problem_message(problem: str, component: str, character: str, tr: Translator) -> str:
    """Why a file or folder name is refused, and how to fix it."""
    params = {"name": component, "character": character, "max": 255}
    params["device"] = device_name(component) or component
    params["safe"] = safe_name(component) if component else ""
    texts = {
        "empty": lambda: tr.gettext("The path has an empty file or folder name."),
        "space": lambda: tr.gettext("'{name}' contains a space. Replace it with '_' or '-'."),
        "special_character": lambda: tr.gettext(
            "'{name}' contains the special character '{character}'. Use only letters, "
            "digits, '.', '_' and '-'."
        ),
        "dot_name": lambda: tr.gettext("'{name}' is not a valid file or folder name."),
        "too_long": lambda: tr.gettext(
            "'{name}' is longer than {max} characters. Use a shorter name."
        ),
        "reserved_name": lambda: tr.gettext(
            "'{name}' is a name Windows keeps for a device ({device}): such a file cannot be "
            "saved on Windows. Use '{safe}' instead."
        ),
        "trailing_dot": lambda: tr.gettext(
            "'{name}' ends with a dot, which Windows removes. Use '{safe}' instead."
        ),
    }
    text = texts.get(str(problem))
    if text is None:
        return fill(tr.gettext("'{name}' is not an accepted name."), params)
    return fill(text(), params)


def name_verdict_message(verdict: _Verdict, tr: Translator) -> str:
    """:func:`name_problem_message` for an :class:`omix_wire.naming.NameVerdict`."""
    return name_problem_message(str(verdict.problem), verdict.component, verdict.character, tr)


# --- the transfer engine (omix_desktop.transfer.reasons) ----------------------------


def transfer_failure_message(reason: str, params: Mapping[str, Any], tr: Translator) -> str:
    """What went wrong with a transfer and what to do (without the technical detail)."""
    texts: dict[str, Callable[[], str]] = {
        "connection_failed": lambda: tr.gettext(
            "Cannot reach the FTP server. Check the network and the server address."
        ),
        "connection_lost": lambda: tr.gettext(
            "The connection was cut. The upload resumes where it stopped."
        ),
        "timeout": lambda: tr.gettext("The server stopped answering. Check the network."),
        "login_failed": lambda: tr.gettext(
            "The FTP server refused the sign-in. Check the email and password."
        ),
        "tls_not_supported": lambda: tr.gettext(
            "The server does not support encryption (AUTH TLS). Set encryption to "
            '"Off" for this server, or ask its administrator.'
        ),
        "tls_failed": lambda: tr.gettext(
            "The secure connection failed. Check the server's certificate."
        ),
        "permission_denied": lambda: tr.gettext(
            "The server refused to store the file. Ask the server's administrator."
        ),
        "name_refused": lambda: tr.gettext(
            "The server refused the file or folder name. Rename it."
        ),
        "server_disk_full": lambda: tr.gettext(
            "The server has no space left. Nothing was lost: retry when space has been freed."
        ),
        "server_error": lambda: tr.gettext("The server reported an error. Retry later."),
        "local_file_missing": lambda: tr.gettext(
            "The local file is gone. Put it back or remove it from the queue."
        ),
        "local_read_error": lambda: tr.gettext(
            "The local file cannot be read. Check the disk and the file's permissions."
        ),
        "file_changed": lambda: tr.gettext(
            "The local file changed during the upload. Requeue it once it is final."
        ),
        "size_mismatch": lambda: tr.gettext(
            "The file on the server has the wrong size. Requeue it."
        ),
        "md5_mismatch": lambda: tr.gettext(
            "The file on the server does not match the local file's MD5, even after "
            "uploading it again. Check the local disk, then requeue."
        ),
        "bad_name": lambda: tr.gettext("The name is not allowed. Rename it."),
        "empty_file": lambda: tr.gettext("The file is empty. Check that it is the right file."),
        "cancelled": lambda: tr.gettext("Cancelled."),
    }
    text = texts.get(str(reason))
    if text is None:
        return fill(
            tr.gettext("The transfer failed ({detail})."),
            {"detail": params.get("detail") or reason},
        )
    return fill(text(), params)


def suggested_action_label(action: str, tr: Translator) -> str:
    """Short label of what the user can do (a button or a hint)."""
    labels: dict[str, Callable[[], str]] = {
        "retry": lambda: tr.gettext("Retry"),
        "check_network": lambda: tr.gettext("Check the network"),
        "check_credentials": lambda: tr.gettext("Check email and password"),
        "disable_tls": lambda: tr.gettext("Turn off encryption"),
        "check_certificate": lambda: tr.gettext("Check the certificate"),
        "contact_admin": lambda: tr.gettext("Contact the administrator"),
        "free_server_space": lambda: tr.gettext("Retry when space is freed"),
        "rename_file": lambda: tr.gettext("Rename the file"),
        "check_local_file": lambda: tr.gettext("Check the local file"),
        "requeue": lambda: tr.gettext("Requeue"),
    }
    label = labels.get(str(action))
    return label() if label else str(action)


# --- the network check (omix_desktop.netcheck) --------------------------------------


def check_name_label(check: str, tr: Translator) -> str:
    labels: dict[str, Callable[[], str]] = {
        "http": lambda: tr.gettext("Web service (HTTP)"),
        "ftp_port": lambda: tr.gettext("FTP port"),
        "ftp_tls": lambda: tr.gettext("FTP encryption (AUTH TLS)"),
        "ftp_login": lambda: tr.gettext("FTP sign-in"),
        "ftp_passive": lambda: tr.gettext("Passive data connection (directory listing)"),
    }
    label = labels.get(str(check))
    return label() if label else str(check)


def check_result_message(code: str, params: Mapping[str, Any], tr: Translator) -> str:
    """Plain words for a network-check outcome code, with what to do."""
    texts: dict[str, Callable[[], str]] = {
        "http_ok": lambda: tr.gettext("The archive server answers at {url}."),
        "http_unreachable": lambda: tr.gettext(
            "Nothing answers at {url}. Check the server address (host and port), that the "
            "server is running, and that no firewall or proxy blocks it."
        ),
        "http_timeout": lambda: tr.gettext(
            "{url} did not answer in time. The network or the server is too slow, or a "
            "firewall silently drops the connection."
        ),
        "http_not_archive": lambda: tr.gettext(
            "Something answers at {url}, but it is not an OMIX archive server. Check the "
            "address and port."
        ),
        "ftp_ok": lambda: tr.gettext("The FTP server answers on {host}:{port}."),
        "ftp_unreachable": lambda: tr.gettext(
            "Cannot connect to the FTP server on {host}:{port}. Check the FTP port in the "
            "settings; a firewall may block it."
        ),
        "ftp_no_greeting": lambda: tr.gettext(
            "Port {port} on {host} accepts connections but does not speak FTP. Check the "
            "FTP port in the settings."
        ),
        "tls_offered": lambda: tr.gettext("The server answers AUTH TLS and offers encryption."),
        "tls_not_offered": lambda: tr.gettext(
            "Not encrypted: the server offers no encryption (AUTH TLS refused), so your "
            "password and your files would travel over the network unencrypted, readable "
            "by anyone on the way. Upload only over a network you trust, or ask the "
            "server's administrator to turn on FTP over TLS."
        ),
        "tls_not_offered_required": lambda: tr.gettext(
            'Encryption is set to "On", but the server offers none (AUTH TLS refused): '
            'every upload will be refused. Set encryption to "Auto" only if you accept '
            "that your password and files travel unencrypted, or ask the server's "
            "administrator to turn on FTP over TLS."
        ),
        "tls_no_answer": lambda: tr.gettext(
            'The server did not answer AUTH TLS. Set encryption to "Off" for this '
            "server (the guide's AUTH SSL problem); your password and files would then "
            "travel unencrypted."
        ),
        "login_ok": lambda: tr.gettext("Signed in to the FTP server as {user}."),
        "login_refused": lambda: tr.gettext(
            "The FTP server refused the sign-in of {user}. Check the email and password; "
            "the FTP account is the same as the archive account."
        ),
        "login_skipped": lambda: tr.gettext("Not tested: sign in first, then run the check again."),
        "passive_ok": lambda: tr.gettext(
            "Passive data connections work: the folder listing arrived."
        ),
        "passive_failed": lambda: tr.gettext(
            "The directory listing did not arrive: the passive data connection is blocked. "
            "Allow outgoing connections to the server's passive ports, or ask your network "
            "administrator (the guide's MLSD problem)."
        ),
        "passive_skipped": lambda: tr.gettext("Not tested: it needs the FTP sign-in."),
        "skipped_no_ftp": lambda: tr.gettext("Not tested: the FTP port does not answer."),
    }
    text = texts.get(str(code))
    if text is None:
        return fill(
            tr.gettext("Unexpected result ({detail})."), {"detail": params.get("detail") or code}
        )
    return fill(text(), params)
