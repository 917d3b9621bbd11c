"""Rendering a page in the visitor's language.

One Jinja2 environment per language, each with its gettext catalog
installed (new-style gettext: ``_("… %(name)s", name=…)``, escaped), so a
request never changes shared state.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from server_stub.models import Access, DatasetStatus
from server_stub.web import i18n

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment(code: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(code), newstyle=True)  # type: ignore[attr-defined]
    return env


def language_of(request: Request) -> i18n.Language:
    return i18n.choose(
        request.query_params.get("lang"),
        request.cookies.get(i18n.COOKIE),
        request.headers.get("accept-language"),
    )


def gettext(request: Request) -> Any:
    """``_`` for messages built in Python code, in the request's language."""
    return i18n.translations(language_of(request).code).gettext


def url_with(request: Request, **changes: Any) -> str:
    """The current page's address with some query parameters changed."""
    params = {key: value for key, value in request.query_params.items()}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def render(
    request: Request,
    template: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    language = language_of(request)
    _ = i18n.translations(language.code).gettext
    access_labels = {Access.OPEN: _("Open access"), Access.CONTROLLED: _("Controlled access")}
    status_labels = {
        DatasetStatus.CHECKING: _("Checking"),
        DatasetStatus.MD5_FAILED: _("MD5 Checked Failed"),
        DatasetStatus.ARCHIVED: _("Archived"),
        DatasetStatus.RELEASED: _("Released"),
    }
    values = {
        "request": request,
        "lang": language,
        "languages": list(i18n.LANGUAGES.values()),
        "fmt": i18n.Formatter(language),
        "lang_url": lambda code: url_with(request, lang=code),
        "access_label": lambda value: access_labels.get(value, value),
        "status_label": lambda value: status_labels.get(value, value),
        "nav": None,
        **context,
    }
    html = environment(language.code).get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers.setdefault("Content-Language", language.html_lang)
    response.headers.setdefault("Vary", "Accept-Language, Cookie")
    chosen = request.query_params.get("lang")
    if chosen and chosen.lower() in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE,
            chosen.lower(),
            max_age=i18n.COOKIE_MAX_AGE,
            samesite="lax",
            httponly=False,
        )
    return response


def message_page(
    request: Request, status_code: int, heading: str, text: str, noindex: bool = True
) -> HTMLResponse:
    return render(
        request,
        "message.html",
        status_code=status_code,
        heading=heading,
        text=text,
        status=status_code,
        noindex=noindex,
    )


def not_found_page(request: Request) -> HTMLResponse:
    _ = gettext(request)
    return message_page(
        request,
        404,
        _("Page not found"),
        _(
            "There is no page at this address. The dataset may not be released yet, or the "
            "address may be mistyped."
        ),
    )
