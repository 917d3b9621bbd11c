"""Control characters in text fields: one clean 422 naming the field, on both databases.

PostgreSQL could not store a NUL (the request ended in a 500, even a sign-in
without an account) while SQLite stored it. Run also with
``scripts/with-postgres.sh``.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.support.accounts import PASSWORD, ApiUser, registration, sign_in
from tests.support.release import new_curator
from tests.support.server import ServerProcess
from tests.support.submission import bioproject, error_of


def _refused(response: requests.Response, field: str, character: str = "U+0000") -> None:
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "invalid_character", error
    assert error["field"] == field, error
    assert error["params"]["character"] == character
    assert character in error["message"]


@pytest.mark.parametrize("field", ["email", "password"])
def test_sign_in_with_nul_needs_no_account(server: ServerProcess, field: str) -> None:
    body = {"email": "nobody@example.org", "password": "whatever-it-is"}
    body[field] = body[field][:3] + "\x00" + body[field][3:]
    with requests.Session() as http:
        _refused(http.post(f"{server.api}/auth/login", json=body, timeout=30), field)
        # the keep-alive connection survives the refusal
        assert http.get(f"{server.api}/health", timeout=30).status_code == 200


def test_curator_sign_in_form_refuses_nul(server: ServerProcess) -> None:
    response = requests.post(
        f"{server.url}/curation/login",
        data={"email": "cur\x00ator@example.org", "password": "whatever"},
        timeout=30,
        allow_redirects=False,
    )
    _refused(response, "email")


@pytest.mark.parametrize(
    ("field", "value", "character"),
    [
        ("first_name", "Si\x00si", "U+0000"),
        ("city", "Bei\tjing", "U+0009"),
        ("organization", "BIG\nGenomics", "U+000A"),
        ("email", "new\x1buser@example.org", "U+001B"),
    ],
)
def test_registration_fields_are_single_line(
    server: ServerProcess, field: str, value: str, character: str
) -> None:
    form = {**registration("controls@example.org"), field: value}
    response = requests.post(f"{server.api}/auth/register", json=form, timeout=30)
    _refused(response, field, character)


def test_a_password_keeps_any_character_but_nul(server: ServerProcess) -> None:
    password = "tab\there\x07bell-ok"
    form = registration("odd-password@example.org", password=password)
    assert requests.post(f"{server.api}/auth/register", json=form, timeout=30).status_code == 201
    user = sign_in(server.api, "odd-password@example.org", password)
    changed = user.post(
        "/auth/password", json={"current_password": password, "new_password": "new\x00password"}
    )
    _refused(changed, "new_password")
    refused = registration("nul-password@example.org", password=PASSWORD + "\x00")
    response = requests.post(f"{server.api}/auth/register", json=refused, timeout=30)
    _refused(response, "password")


def test_multi_line_text_keeps_line_breaks_and_tabs(user: ApiUser) -> None:
    description = "Line one\r\nline two\n\tindented"
    created = user.post("/bioprojects", json={"title": "Rice", "description": description})
    assert created.status_code == 201, created.text
    assert created.json()["description"] == description
    _refused(user.post("/bioprojects", json={"title": "Ri\x00ce"}), "title")
    _refused(user.post("/bioprojects", json={"title": "Rice\ttab"}), "title", "U+0009")
    bad = user.post("/bioprojects", json={"title": "Rice", "description": "a\x00b"})
    _refused(bad, "description")
    _refused(
        user.post("/bioprojects", json={"title": "Rice", "description": "\x7f"}),
        "description",
        "U+007F",
    )


def _dataset(project: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Drought",
        "description": "Rice leaves.\nTwo conditions.",
        "organism": "Oryza sativa",
        "data_type": "Transcriptome",
        "data_subtype": "Gene expression",
        "access": "open",
        "bioproject": project,
        "terms_accepted": True,
        "files": [
            {
                "source": "ftp",
                "path": "a.txt",
                "title": "t",
                "samples": 1,
                "md5": "0" * 32,
                "data_type": "Transcriptome",
            }
        ],
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "Dro\x00ught"}, "title"),
        ({"description": "Rice\x00"}, "description"),
        ({"organism": "Oryza\x00sativa"}, "organism"),
        ({"most_registration_number": "MOST\x00"}, "most_registration_number"),
    ],
)
def test_dataset_text_fields(user: ApiUser, overrides: dict[str, Any], field: str) -> None:
    project = bioproject(user)
    _refused(user.post("/datasets", json=_dataset(project, **overrides)), field)


def test_dataset_file_and_edit_fields(user: ApiUser) -> None:
    project = bioproject(user)
    body = _dataset(project)
    body["files"][0]["title"] = "Counts\x00"
    _refused(user.post("/datasets", json=body), "files.0.title")
    _refused(user.patch("/datasets/OMIX999999", json={"title": "a\x00"}), "title")
    patch = user.patch("/datasets/OMIX999999/files/OMIX999999-01", json={"md5": "\x00" * 32})
    _refused(patch, "md5")


def test_path_and_query_text(user: ApiUser) -> None:
    _refused(user.get("/datasets/OMIX%00"), "accession")
    _refused(user.get("/datasets", params={"q": "rice\x00"}), "q")
    _refused(user.get("/datasets/OMIX000001/files/OMIX%00/diagnosis"), "file_id")


def test_access_and_curation_messages(server: ServerProcess, user: ApiUser) -> None:
    purpose = "Meta-analysis of drought\x00 response."
    asked = user.post("/public/datasets/OMIX999999/access-requests", json={"purpose": purpose})
    _refused(asked, "purpose")
    decided = user.post("/datasets/OMIX999999/access-requests/1/reject", json={"message": "No\x00"})
    _refused(decided, "message")
    curator = new_curator(server)
    returned = curator.post("/curation/OMIX999999/return", json={"message": "Fix\x00 it"})
    _refused(returned, "message")


def test_what_no_model_checks_is_refused_before_the_database(server: ServerProcess) -> None:
    """The public pages' accession is not declared with a text rule: the database guard."""
    response = requests.get(f"{server.api}/public/datasets/OMIX%00", timeout=30)
    assert response.status_code == 422, response.text
    assert error_of(response)["code"] == "invalid_character"
