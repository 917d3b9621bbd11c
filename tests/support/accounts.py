"""Registering and signing in test users through the real HTTP API."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import requests

_counter = itertools.count(1)

PASSWORD = "correct-horse-battery"


def registration(email: str, password: str = PASSWORD, **overrides: Any) -> dict[str, Any]:
    """Every field of the guide's registration form, required ones filled."""
    form = {
        "email": email,
        "password": password,
        "first_name": "Sisi",
        "middle_name": "",
        "last_name": "Zhang",
        "street_address": "1 Beichen West Road",
        "city": "Beijing",
        "state_province": "Beijing",
        "postal_code": "100101",
        "country_region": "China",
        "organization": "Beijing Institute of Genomics",
        "department": "NGDC",
        "laboratory": "GSA",
        "title_position": "Researcher",
        "research_area": "Genomics",
    }
    form.update(overrides)
    return form


@dataclass
class ApiUser:
    """A signed-in account with a ready ``requests.Session``."""

    api: str
    email: str
    password: str
    token: str
    http: requests.Session

    def url(self, path: str) -> str:
        return f"{self.api}{path}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.url(path), timeout=30, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url(path), timeout=60, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.patch(self.url(path), timeout=30, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.delete(self.url(path), timeout=30, **kwargs)


def new_user(api: str, prefix: str = "user", password: str = PASSWORD) -> ApiUser:
    email = f"{prefix}{next(_counter)}@example.org"
    response = requests.post(f"{api}/auth/register", json=registration(email, password), timeout=30)
    assert response.status_code == 201, response.text
    return sign_in(api, email, password)


def sign_in(api: str, email: str, password: str = PASSWORD) -> ApiUser:
    response = requests.post(
        f"{api}/auth/login", json={"email": email, "password": password}, timeout=30
    )
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    return ApiUser(api=api, email=email, password=password, token=token, http=http)
