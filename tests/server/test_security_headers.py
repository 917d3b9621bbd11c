"""Security headers on pages, API answers, errors and static files, from the real server."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
import requests

from server_stub.web import security_headers
from tests.support.accounts import ApiUser
from tests.support.release import submit
from tests.support.server import ServerProcess

TEMPLATES = Path(security_headers.__file__).parent / "templates"

PATHS = [
    "/browse",  # a page
    "/statistics",
    "/curation",
    "/api/v1/health",  # an API answer
    "/api/v1/public/datasets",
    "/no-such-page",  # the HTML 404 page
    "/api/v1/no-such-endpoint",  # the JSON 404
    "/static/style.css",  # a static file
]


def _get(server: ServerProcess, path: str, **headers: str) -> requests.Response:
    return requests.get(f"{server.url}{path}", headers=headers, timeout=30)


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


@pytest.mark.parametrize("path", PATHS)
def test_every_answer_carries_the_headers(server: ServerProcess, path: str) -> None:
    response = _get(server, path)
    expected = 404 if "no-such" in path else 200
    assert response.status_code == expected, response.text
    policy = _directives(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in response.headers  # plain HTTP


def test_hsts_only_over_https(server: ServerProcess) -> None:
    """Behind a TLS proxy on this host, uvicorn takes the scheme from X-Forwarded-Proto."""
    for path in ("/browse", "/api/v1/health"):
        secure = _get(server, path, **{"X-Forwarded-Proto": "https"})
        assert secure.headers["strict-transport-security"].startswith("max-age=")
        assert "strict-transport-security" not in _get(server, path).headers


def test_reviewer_page_keeps_its_stricter_referrer_policy(
    server: ServerProcess, user: ApiUser
) -> None:
    submitted = submit(user)
    created = user.post(f"/datasets/{submitted.accession}/review-link")
    assert created.status_code == 201, created.text
    response = requests.get(created.json()["url"], timeout=30)
    assert response.status_code == 200
    assert response.headers["referrer-policy"] == "no-referrer"  # the route's own, kept
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_docs_page_allows_its_cdn_and_only_its_own_inline_script(server: ServerProcess) -> None:
    response = _get(server, "/api/v1/docs")
    assert response.status_code == 200
    policy = _directives(response.headers["content-security-policy"])
    scripts = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert scripts, "FastAPI's docs page starts Swagger UI with an inline script"
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "https://cdn.jsdelivr.net" in policy["script-src"]
    assert "https://cdn.jsdelivr.net" in policy["style-src"]
    assert policy["connect-src"] == ["'self'"]  # it fetches openapi.json from here
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["x-frame-options"] == "DENY"
    # the body is passed on whole
    assert int(response.headers["content-length"]) == len(response.content)
    assert "SwaggerUIBundle" in response.text


def test_templates_have_nothing_the_page_policy_would_block() -> None:
    """No inline styles or executable inline scripts: the CSP would silently drop them."""
    for template in sorted(TEMPLATES.glob("*.html")):
        text = template.read_text(encoding="utf-8")
        assert "style=" not in text, template.name
        assert "<style" not in text, template.name
        assert not re.search(r"\son[a-z]+=", text), template.name
        for tag in re.findall(r"<script[^>]*>", text):
            assert 'type="application/ld+json"' in tag, (template.name, tag)
