"""Accounts over the real HTTP API: register, sign in, tokens, throttling."""

from __future__ import annotations

import requests

from tests.support.accounts import PASSWORD, new_user, registration, sign_in
from tests.support.server import ServerProcess


def test_register_requires_every_required_field(server: ServerProcess) -> None:
    form = registration("missing@example.org", first_name="  ", city="")
    response = requests.post(f"{server.api}/auth/register", json=form, timeout=30)
    assert response.status_code == 422
    fields = {problem["field"] for problem in response.json()["errors"]}
    assert {"first_name", "city"} <= fields
    assert response.json()["errors"][0]["code"] == "invalid"


def test_register_rejects_bad_email_short_password_and_oversized_fields(
    server: ServerProcess,
) -> None:
    bad = registration("not-an-email", password="short", laboratory="x" * 300)
    response = requests.post(f"{server.api}/auth/register", json=bad, timeout=30)
    assert response.status_code == 422
    by_field = {problem["field"]: problem["code"] for problem in response.json()["errors"]}
    assert by_field["password"] == "too_short"
    assert by_field["laboratory"] == "too_long"
    assert "email" in by_field


def test_duplicate_email_is_refused_case_insensitively(server: ServerProcess) -> None:
    user = new_user(server.api)
    again = registration(user.email.upper())
    response = requests.post(f"{server.api}/auth/register", json=again, timeout=30)
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "email_taken",
        "message": "An account with this email already exists.",
        "field": "email",
        "params": {},
    }


def test_me_logout_and_revoked_token(server: ServerProcess) -> None:
    user = new_user(server.api)
    me = user.get("/auth/me")
    assert me.status_code == 200
    assert me.json()["email"] == user.email
    assert me.json()["organization"] == "Beijing Institute of Genomics"
    assert "password_hash" not in me.json()
    assert user.post("/auth/logout").status_code == 204
    after = user.get("/auth/me")
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "not_authenticated"


def test_missing_and_garbage_tokens_are_refused(server: ServerProcess) -> None:
    assert requests.get(f"{server.api}/auth/me", timeout=10).status_code == 401
    response = requests.get(
        f"{server.api}/auth/me", headers={"Authorization": "Bearer nonsense"}, timeout=10
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_wrong_password_then_throttled(server: ServerProcess) -> None:
    user = new_user(server.api)
    codes = []
    for _attempt in range(5):
        response = requests.post(
            f"{server.api}/auth/login",
            json={"email": user.email, "password": "wrong-password"},
            timeout=30,
        )
        codes.append(response.json()["error"]["code"])
    assert codes[:3] == ["invalid_credentials"] * 3
    assert "too_many_attempts" in codes[3:]
    throttled = requests.post(
        f"{server.api}/auth/login", json={"email": user.email, "password": PASSWORD}, timeout=30
    )
    assert throttled.status_code == 429
    assert throttled.json()["error"]["params"]["retry_after"] >= 1


def test_unknown_email_gets_the_same_answer_as_wrong_password(server: ServerProcess) -> None:
    response = requests.post(
        f"{server.api}/auth/login",
        json={"email": "nobody@example.org", "password": "whatever-it-is"},
        timeout=30,
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_password_change_signs_out_other_sessions(server: ServerProcess) -> None:
    user = new_user(server.api)
    second = sign_in(server.api, user.email)
    wrong = user.post(
        "/auth/password", json={"current_password": "nope", "new_password": "another-secret"}
    )
    assert wrong.status_code == 403
    assert wrong.json()["error"]["field"] == "current_password"
    changed = user.post(
        "/auth/password", json={"current_password": PASSWORD, "new_password": "another-secret"}
    )
    assert changed.status_code == 204
    assert user.get("/auth/me").status_code == 200
    assert second.get("/auth/me").status_code == 401
    assert sign_in(server.api, user.email, "another-secret").token


def test_bioprojects_are_private_and_numbered(server: ServerProcess) -> None:
    user = new_user(server.api)
    other = new_user(server.api)
    created = user.post("/bioprojects", json={"title": "Rice atlas"})
    assert created.status_code == 201
    accession = created.json()["accession"]
    assert accession.startswith("PRJCA") and len(accession) == 11
    assert [p["accession"] for p in user.get("/bioprojects").json()] == [accession]
    assert other.get("/bioprojects").json() == []
    empty = user.post("/bioprojects", json={"title": " "})
    assert empty.status_code == 422
    assert empty.json()["error"]["field"] == "title"


def test_openapi_schema_is_served(server: ServerProcess) -> None:
    schema = requests.get(f"{server.api}/openapi.json", timeout=10).json()
    assert "/api/v1/auth/login" in schema["paths"]


def test_an_old_style_password_hash_is_redone_at_sign_in(server: ServerProcess) -> None:
    """Hashes made with argon2's 64 MiB default still verify, and are replaced by 19 MiB ones."""
    from argon2 import PasswordHasher
    from sqlalchemy import select, update

    from server_stub.models import User
    from tests.support.submission import server_database

    user = new_user(server.api, prefix="rehash")
    old = PasswordHasher().hash(user.password)  # the library's default parameters
    with server_database(server) as database, database.session() as session:
        session.execute(update(User).where(User.email == user.email).values(password_hash=old))
    sign_in(server.api, user.email, user.password)
    with server_database(server) as database, database.session() as session:
        now = session.scalar(select(User.password_hash).where(User.email == user.email))
    assert now != old and "m=19456" in now
