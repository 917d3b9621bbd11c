"""Server-rendered web pages (Jinja2), in English and Chinese.

``install(app)`` adds the pages, the static files and the HTML error pages
(API paths keep their JSON errors).
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from server_stub.errors import HTTP_ERROR_CODES, ApiError

STATIC = Path(__file__).parent / "static"
API_PREFIX = "/api/"

log = logging.getLogger(__name__)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def install(app: FastAPI) -> None:
    from server_stub.web import curation, pages, review
    from server_stub.web.render import gettext, message_page, not_found_page

    for module in (pages, review, curation):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _is_api(request) or request.url.path.startswith("/static/"):
            code = HTTP_ERROR_CODES.get(error.status_code, "http_error")
            body = ApiError(error.status_code, code, str(error.detail)).body()
            return JSONResponse(body, status_code=error.status_code, headers=error.headers)
        if error.status_code == 404:
            return not_found_page(request)
        _ = gettext(request)
        return message_page(
            request,
            error.status_code,
            _("This request cannot be served"),
            _("The server answered %(status)s for this address.") % {"status": error.status_code},
        )

    @app.exception_handler(Exception)
    async def _server_error(request: Request, error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if _is_api(request):
            body = ApiError(500, "internal_error", "The server failed; try again later.").body()
            return JSONResponse(body, status_code=500)
        _ = gettext(request)
        return message_page(
            request,
            500,
            _("Something went wrong"),
            _("The server could not show this page. Please try again later."),
        )
