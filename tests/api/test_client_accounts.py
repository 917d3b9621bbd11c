"""The API client against the real server: typed results and typed errors."""

from __future__ import annotations

import itertools

import pytest

from omix_desktop.api import ApiClient, AuthenticationError, ServerUnavailableError
from omix_desktop.api.errors import ConflictError, ThrottledError, ValidationError
from omix_desktop.api.models import Registration
from tests.support.accounts import PASSWORD, registration
from tests.support.server import ServerProcess, free_port

_emails = (f"client{n}@example.org" for n in itertools.count(1))


def _register(client: ApiClient) -> str:
    email = next(_emails)
    client.register(Registration.model_validate(registration(email)))
    return email


def test_register_login_me_logout(server: ServerProcess) -> None:
    client = ApiClient(server.url)
    email = _register(client)
    result = client.login(email, PASSWORD)
    assert client.token == result.token
    me = client.me()
    assert me.email == email
    assert me.display_name == "Sisi Zhang"
    client.logout()
    assert client.token is None
    with pytest.raises(AuthenticationError) as caught:
        ApiClient(server.url, token=result.token).me()
    assert caught.value.code == "not_authenticated"


def test_validation_errors_carry_every_field(server: ServerProcess) -> None:
    client = ApiClient(server.url)
    form = Registration.model_validate(registration("bad-email", password="short"))
    with pytest.raises(ValidationError) as caught:
        client.register(form)
    fields = {problem.field for problem in caught.value.problems}
    assert {"email", "password"} <= fields


def test_duplicate_registration_is_a_conflict(server: ServerProcess) -> None:
    client = ApiClient(server.url)
    email = _register(client)
    with pytest.raises(ConflictError) as caught:
        client.register(Registration.model_validate(registration(email)))
    assert caught.value.field == "email"


def test_wrong_password_and_throttle(server: ServerProcess) -> None:
    client = ApiClient(server.url)
    email = _register(client)
    with pytest.raises(AuthenticationError) as caught:
        client.login(email, "wrong-password")
    assert caught.value.code == "invalid_credentials"
    codes = []
    for _attempt in range(4):
        try:
            client.login(email, "wrong-password")
        except (AuthenticationError, ThrottledError) as error:
            codes.append(error.code)
    assert codes[-1] == "too_many_attempts"
    with pytest.raises(ThrottledError) as throttled:
        client.login(email, PASSWORD)
    assert throttled.value.params["retry_after"] >= 1


def test_bioprojects(server: ServerProcess) -> None:
    client = ApiClient(server.url)
    client.login(_register(client), PASSWORD)
    project = client.create_bioproject("Rice atlas", "leaves")
    assert project.accession.startswith("PRJCA")
    assert [p.accession for p in client.bioprojects()] == [project.accession]


def test_unreachable_server_is_a_clear_error() -> None:
    client = ApiClient(f"http://127.0.0.1:{free_port()}", retries=1, backoff=0.01)
    with pytest.raises(ServerUnavailableError) as caught:
        client.health()
    assert caught.value.code == "server_unreachable"
