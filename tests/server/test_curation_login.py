"""The curator sign-in form refuses posts that did not come from it (login CSRF)."""

from __future__ import annotations

import requests

from tests.support.release import new_curator
from tests.support.server import ServerProcess
from tests.support.web import login_form_token, sign_in

REFUSED_EN = "or the form has expired. Sign in again from this page."
REFUSED_ZH = "并非来自本站的登录表单"


def test_form_sets_a_strict_pre_session_cookie(server: ServerProcess) -> None:
    http = requests.Session()
    token = login_form_token(http, server.url)
    assert len(token) >= 32
    cookie = next(c for c in http.cookies if c.name == "omix_login_csrf")
    assert cookie.value == token
    assert cookie.path == "/curation"
    assert cookie.has_nonstandard_attr("HttpOnly")
    raw = http.get(f"{server.url}/curation", timeout=30).headers["set-cookie"]
    assert "SameSite=strict" in raw or "SameSite=Strict" in raw
    # the same browser keeps its token while the form is shown again
    assert login_form_token(http, server.url) == token


def test_post_without_the_token_is_refused(server: ServerProcess) -> None:
    curator = new_curator(server)
    credentials = {"email": curator.email, "password": curator.password}
    # a cross-site form: no cookie (SameSite=Strict keeps it home), no field
    forged = requests.post(f"{server.url}/curation/login", data=credentials, timeout=30)
    assert forged.status_code == 403
    assert REFUSED_EN in forged.text
    assert "omix_session" not in forged.cookies
    chinese = requests.post(
        f"{server.url}/curation/login",
        data=credentials,
        headers={"Accept-Language": "zh-CN"},
        timeout=30,
    )
    assert chinese.status_code == 403 and REFUSED_ZH in chinese.text

    http = requests.Session()
    token = login_form_token(http, server.url)
    # the field without the cookie, and a cookie with another field, are refused too
    field_only = requests.post(
        f"{server.url}/curation/login", data={**credentials, "csrf": token}, timeout=30
    )
    assert field_only.status_code == 403 and REFUSED_EN in field_only.text
    wrong = http.post(
        f"{server.url}/curation/login", data={**credentials, "csrf": token + "x"}, timeout=30
    )
    assert wrong.status_code == 403 and REFUSED_EN in wrong.text
    assert "Waiting for curation" not in wrong.text


def test_the_real_form_signs_in(server: ServerProcess) -> None:
    curator = new_curator(server)
    http = requests.Session()
    response = sign_in(http, server.url, curator.email, curator.password)
    assert response.status_code == 200, response.text
    assert response.history and response.history[0].status_code == 303
    assert "Waiting for curation" in response.text
    assert "omix_session" in http.cookies
    # the pre-session token has served its purpose
    assert "omix_login_csrf" not in http.cookies
    assert 'action="/curation/logout"' in response.text


def test_a_wrong_password_keeps_the_form_usable(server: ServerProcess) -> None:
    curator = new_curator(server)
    http = requests.Session()
    token = login_form_token(http, server.url)
    wrong = http.post(
        f"{server.url}/curation/login",
        data={"email": curator.email, "password": "not-the-password", "csrf": token},
        timeout=30,
    )
    assert wrong.status_code == 401 and "Wrong email or password." in wrong.text
    assert f'name="csrf" value="{token}"' in wrong.text
    again = http.post(
        f"{server.url}/curation/login",
        data={"email": curator.email, "password": curator.password, "csrf": token},
        timeout=30,
    )
    assert again.status_code == 200 and "Waiting for curation" in again.text
