"""Errors the API reports: a stable code, an English message and the field.

Clients translate by ``code`` (and ``params``) into the user's language and
attach the message to ``field`` in their forms; the English message is for
logs, scripts and curl users.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    """Raised anywhere in request handling; rendered as the JSON error body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        **params: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.params = params

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "field": self.field,
                "params": self.params,
            }
        }


def not_found(what: str, identifier: str) -> ApiError:
    """The same answer for "does not exist" and "belongs to someone else"."""
    return ApiError(404, f"{what}_not_found", f"No {what} '{identifier}' in your account.")


def _field_name(location: tuple[Any, ...]) -> str | None:
    parts = [str(part) for part in location if part not in ("body", "query", "path")]
    return ".".join(parts) or None


HTTP_ERROR_CODES = {
    400: "invalid_body",  # FastAPI's "There was an error parsing the body" (not UTF-8)
    404: "not_found",
    405: "method_not_allowed",
}
"""Codes of the answers the framework raises itself (any other status: ``http_error``)."""

VALIDATION_CODES = {
    "missing": "required",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "value_error": "invalid",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
        if "retry_after" in error.params:  # RFC 9110: how long to wait, for any client
            headers["Retry-After"] = str(error.params["retry_after"])
        return JSONResponse(error.body(), status_code=error.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors():
            kind = str(item.get("type", "invalid"))
            message = str(item.get("msg", "invalid value"))
            context = item.get("ctx") or {}
            custom = context.get("error")
            code = getattr(custom, "code", None) or VALIDATION_CODES.get(kind, kind)
            problems.append(
                {
                    "code": code,
                    "message": message.removeprefix("Value error, "),
                    "field": _field_name(tuple(item.get("loc", ()))),
                    "params": {
                        key: value
                        for key, value in context.items()
                        if isinstance(value, str | int | float)
                    },
                }
            )
        first = problems[0] if problems else {"code": "invalid", "message": "invalid request"}
        body = {"error": {**first, "params": first.get("params", {})}, "errors": problems}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = HTTP_ERROR_CODES.get(error.status_code, "http_error")
        body = ApiError(error.status_code, code, str(error.detail)).body()
        return JSONResponse(body, status_code=error.status_code)
