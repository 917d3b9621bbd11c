"""Signing in to the curator's web page the way a browser does: form first, then post."""

from __future__ import annotations

import re

import requests

LOGIN_FIELD = re.compile(r'<input type="hidden" name="csrf" value="([^"]+)">')


def login_form_token(http: requests.Session, base_url: str) -> str:
    """Open the sign-in page (which sets the pre-session cookie) and read its hidden field."""
    page = http.get(f"{base_url}/curation", timeout=30)
    assert page.status_code == 200, page.text
    match = LOGIN_FIELD.search(page.text)
    assert match is not None, "the sign-in form has no token field"
    return match.group(1)


def sign_in(
    http: requests.Session, base_url: str, email: str, password: str, query: str = ""
) -> requests.Response:
    """Post the real sign-in form; the session keeps the cookies a browser would."""
    token = login_form_token(http, base_url)
    return http.post(
        f"{base_url}/curation/login{query}",
        data={"email": email, "password": password, "csrf": token},
        timeout=30,
    )
