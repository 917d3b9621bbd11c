"""Security headers on every answer: pages, API, errors and static files.

A pure ASGI middleware rather than a FastAPI ``@app.middleware``: it sees
every response, including the ones Starlette's error handlers and the
static-file mount produce, and it does not buffer bodies (except the one
small documentation page, see below).

The pages run no script and load only ``/static/style.css``, so the policy
is strict: nothing but same-origin styles and images, forms posting back to
this server, and no framing (``frame-ancestors 'none'`` plus the older
``X-Frame-Options``). Templates must keep to it: no inline ``<script>`` (a
``type="application/ld+json"`` data block is never executed, so CSP does
not apply to it), no ``<style>`` and no ``style=`` attributes.

The interactive API documentation (``/api/v1/docs``) is FastAPI's Swagger
UI page: the bundle and its stylesheet come from a CDN, and the page starts
it with one inline script. That route alone gets a policy allowing the CDN,
that one script by its SHA-256 (computed from the page as served, so a
FastAPI upgrade that changes the snippet keeps working), inline styles
(Swagger UI sets some; the page shows no user input) and its ``data:``
images. ``X-Frame-Options`` and ``frame-ancestors 'none'`` hold there too.

A header a route set itself is kept (the reviewer page sets a stricter
``Referrer-Policy: no-referrer``). ``Strict-Transport-Security`` is sent
only when the request came over HTTPS (uvicorn sets the scheme from
``X-Forwarded-Proto`` of a trusted proxy): over plain HTTP it means nothing
and would only confuse a local installation.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
"""Pages and API answers alike (a JSON answer opened in a browser runs nothing either)."""

DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_IMAGES = "https://fastapi.tiangolo.com https://validator.swagger.io"
"""FastAPI's favicon of the docs page, and Swagger UI's spec validator badge."""

HSTS = "max-age=31536000"
"""One year; no ``includeSubDomains``: the archive does not own its parent domain."""

BASE_HEADERS: tuple[tuple[str, str], ...] = (
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
)

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def docs_policy(html: bytes) -> str:
    """The docs page's policy: its CDN, its own inline scripts by hash, nothing else."""
    digests = (hashlib.sha256(script).digest() for script in _INLINE_SCRIPT.findall(html))
    hashes = " ".join(f"'sha256-{base64.b64encode(digest).decode()}'" for digest in digests)
    return (
        f"default-src 'none'; script-src {DOCS_CDN} {hashes}; "
        f"style-src {DOCS_CDN} 'unsafe-inline'; img-src 'self' data: {DOCS_IMAGES}; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


def _with_defaults(
    headers: Iterable[tuple[bytes, bytes]], defaults: Iterable[tuple[str, str]]
) -> list[tuple[bytes, bytes]]:
    """``headers`` plus each default the response did not set itself."""
    result = list(headers)
    present = {name.lower() for name, _value in result}
    for name, value in defaults:
        if name.encode() not in present:
            result.append((name.encode(), value.encode("latin-1")))
    return result


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp, docs_path: str | None = None) -> None:
        self.app = app
        self.docs_path = docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        defaults = list(BASE_HEADERS)
        if scope.get("scheme") == "https":
            defaults.append(("strict-transport-security", HSTS))
        if self.docs_path is not None and scope.get("path") == self.docs_path:
            await self._docs(scope, receive, send, defaults)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                policy = [("content-security-policy", PAGE_POLICY)]
                message["headers"] = _with_defaults(message.get("headers", []), policy + defaults)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _docs(
        self, scope: Scope, receive: Receive, send: Send, defaults: list[tuple[str, str]]
    ) -> None:
        """Hold the (small) docs page until its body is known, to hash its script."""
        start: Message | None = None
        body = bytearray()

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            assert start is not None
            policy = [("content-security-policy", docs_policy(bytes(body)))]
            start["headers"] = _with_defaults(start.get("headers", []), policy + defaults)
            await send(start)
            await send({"type": "http.response.body", "body": bytes(body)})

        await self.app(scope, receive, collect)


def install(app: Starlette, docs_path: str | None = None) -> None:
    """Wrap the whole application, outside Starlette's own error middleware.

    ``app.add_middleware`` would put the headers inside
    ``ServerErrorMiddleware``, so the 500 page (answered by that outermost
    layer) would go without them; wrapping the built stack covers it too.
    """
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeaders(build(), docs_path=docs_path)

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
