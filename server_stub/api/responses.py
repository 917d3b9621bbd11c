"""The API's error answers, documented once.

Every error is the body of :mod:`server_stub.errors`: ``{"error": {"code",
"message", "field", "params"}}``, with ``errors`` listing every problem when a
request has several (always on validation errors). A route names the statuses
it can answer, ``responses=errors(404, 409)``, and the schema shows each with
that body and one description from :data:`DESCRIPTIONS`.

:func:`install` puts :class:`ErrorBody` in the schema's components and
documents what the framework answers while reading a request, from what it
knows about each route: ``422`` (FastAPI lists it for every route with
parameters, with a body of its own that the server never sends) and ``400``
for every route that reads a JSON body.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str
    """Stable, for clients to translate (``dataset_not_found``, ``too_long``…)."""
    message: str
    """English, for logs, scripts and curl users."""
    field: str | None
    """The request field at fault (``files.0.md5``), when there is one."""
    params: dict[str, Any]
    """Values for the translated message (``max_length``, ``retry_after``…)."""


class ErrorBody(BaseModel):
    """The body of every error answer of the API."""

    error: ErrorDetail
    """The (first) problem."""
    errors: list[ErrorDetail] = Field(default_factory=list)
    """Every problem, when several are reported at once (always on ``422``)."""


DESCRIPTIONS = {
    400: (
        "The request cannot be read: a JSON body that is not UTF-8 (`invalid_body`), a broken "
        "multipart body (`invalid_upload`), a refused file name (`invalid_name`) or a path "
        "outside the pre-upload area (`invalid_path`)."
    ),
    401: (
        "Not signed in: no bearer token, or one that expired or was revoked "
        "(`not_authenticated`, `session_expired`; `invalid_credentials` when signing in)."
    ),
    403: "Signed in, but not allowed (`curator_only`, `wrong_password`, `access_not_approved`…).",
    404: "Not found, or not yours: both get the same answer (`dataset_not_found`…).",
    409: "Not possible in the current state (`already_released`, `last_file`…).",
    410: "No longer available (`review_link_closed`).",
    413: "Too large (`online_limit_exceeded`: upload through the FTP pre-upload service).",
    416: "The range lies outside the file (`range_not_satisfiable`; `Content-Range` says why).",
    422: "A value is refused; `errors` lists every problem with its field.",
    429: "Too many failed sign-ins: wait the seconds of `Retry-After` (`too_many_attempts`).",
    503: "Temporarily unavailable; try again later (`file_unavailable`).",
}

_HEADERS = {
    401: {"WWW-Authenticate": "`Bearer`: sign in and send the token."},
    416: {"Content-Range": "`bytes */<size>`: the size of the file."},
    429: {"Retry-After": "Seconds to wait before the next attempt."},
}


def _headers(status: int) -> dict[str, Any]:
    headers = _HEADERS.get(status)
    if not headers:
        return {}
    return {
        "headers": {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    }


_REF = "#/components/schemas/{model}"


def _error_response(status: int) -> dict[str, Any]:
    """Always JSON, also on routes whose success is a file, text or JSON-LD."""
    schema = {"$ref": _REF.format(model=ErrorBody.__name__)}
    return {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": schema}},
        **_headers(status),
    }


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a router or a route: each status with :class:`ErrorBody`."""
    return {status: _error_response(status) for status in statuses}


SIGNED_IN = errors(401)
"""Every route that needs a bearer token."""


def _document_request_errors(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    model_schema = ErrorBody.model_json_schema(ref_template=_REF, mode="serialization")
    components.update(model_schema.pop("$defs", {}))
    components.setdefault(ErrorBody.__name__, model_schema)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if "422" in responses:
                responses["422"] = _error_response(422)
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                responses.setdefault("400", _error_response(400))
    for framework_model in ("HTTPValidationError", "ValidationError"):
        components.pop(framework_model, None)


def install(app: FastAPI) -> None:
    """Document the request-reading errors (``400``, ``422``) of every route."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _document_request_errors(generate())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
