"""Server errors as typed exceptions carrying the server's code and field.

The UI translates ``code`` (with ``params``) into the user's language and
puts the message next to ``field``; ``message`` is the server's English text.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldProblem:
    code: str
    message: str
    field: str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class ApiError(Exception):
    """Any refusal by the server, or a failure to reach it."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        params: dict[str, Any] | None = None,
        problems: list[FieldProblem] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.params = params or {}
        self.problems = problems or [FieldProblem(code, message, field, self.params)]

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"{self.message}{where} [{self.code}]"


class AuthenticationError(ApiError):
    """401: the password is wrong, or the session expired or was revoked.

    ``code`` tells which (``invalid_credentials``, ``session_expired``,
    ``not_authenticated``), so the app can ask to sign in again without
    dropping queued work.
    """


class ForbiddenError(ApiError):
    """403: signed in, but not allowed."""


class NotFoundError(ApiError):
    """404: no such object in this account (also for other users' ids)."""


class ConflictError(ApiError):
    """409: the request clashes with the object's state."""


class ValidationError(ApiError):
    """422/400/413: the input is wrong; ``problems`` lists every field."""


class ThrottledError(ApiError):
    """429: too many attempts; ``params['retry_after']`` seconds to wait."""


class ServerUnavailableError(ApiError):
    """The server could not be reached or answered 5xx after retries."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    413: ValidationError,
    422: ValidationError,
    429: ThrottledError,
}


def error_from_response(status: int, body: Any) -> ApiError:
    """Build the typed exception from the server's JSON error body."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        kind = ServerUnavailableError if status >= 500 else ApiError
        return kind(status, "unexpected_response", f"The server answered HTTP {status}.")
    problems = [
        FieldProblem(
            str(item.get("code", "invalid")),
            str(item.get("message", "")),
            item.get("field"),
            dict(item.get("params") or {}),
        )
        for item in (body.get("errors") or [])
        if isinstance(item, dict)
    ]
    kind = _BY_STATUS.get(status, ServerUnavailableError if status >= 500 else ApiError)
    return kind(
        status,
        str(error.get("code", "error")),
        str(error.get("message", "")),
        error.get("field"),
        dict(error.get("params") or {}),
        problems or None,
    )
