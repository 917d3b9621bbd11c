"""The HTTP API client: one ``requests.Session``, timeouts on every call.

Blocking by design (requests); the desktop app calls it from a worker thread
(``asyncio.to_thread``), never from the Qt thread. Connection errors and 5xx
answers to idempotent requests are retried with exponential backoff; any
other failure becomes a typed :class:`~omix_desktop.api.errors.ApiError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import requests
from pydantic import BaseModel
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from omix_desktop.api.archive import ArchiveCalls
from omix_desktop.api.errors import ApiError, ServerUnavailableError, error_from_response
from omix_desktop.api.models import BioProject, LoginResult, Registration, User

API_PREFIX = "/api/v1"
DEFAULT_TIMEOUT = (5.0, 60.0)
"""Seconds to connect, and to wait for each read."""

Model = TypeVar("Model", bound=BaseModel)


def _retrying_adapter(retries: int, backoff: float) -> HTTPAdapter:
    retry = Retry(
        total=retries,
        connect=retries,
        read=0,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}),
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    return HTTPAdapter(max_retries=retry)


class ApiClient(ArchiveCalls):
    """Talks to one archive server; holds the bearer token once signed in."""

    def __init__(
        self,
        server_url: str,
        token: str | None = None,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        adapter = _retrying_adapter(retries, backoff)
        self.http.mount("http://", adapter)
        self.http.mount("https://", adapter)
        self.http.headers["User-Agent"] = "omix-desktop"
        self.token = token

    @property
    def token(self) -> str | None:
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        self._token = value
        if value:
            self.http.headers["Authorization"] = f"Bearer {value}"
        else:
            self.http.headers.pop("Authorization", None)

    def close(self) -> None:
        self.http.close()

    # -- plumbing ---------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.server_url}{API_PREFIX}{path}"

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        timeout: tuple[float, float] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request; return the response or raise a typed error."""
        try:
            response = self.http.request(
                method,
                self.url(path),
                json=json,
                params=params,
                timeout=timeout or self.timeout,
                **kwargs,
            )
        except requests.ConnectionError as error:
            raise ServerUnavailableError(
                0, "server_unreachable", f"Cannot reach {self.server_url}: {error}"
            ) from error
        except requests.Timeout as error:
            raise ServerUnavailableError(
                0, "server_timeout", f"{self.server_url} did not answer in time."
            ) from error
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            raise error_from_response(response.status_code, body)
        return response

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs).json()

    def _model(self, model: type[Model], response: requests.Response) -> Model:
        try:
            return model.model_validate(response.json())
        except ValueError as error:
            raise ApiError(
                response.status_code, "unexpected_response", f"Unexpected answer: {error}"
            ) from error

    # -- accounts ---------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self.get_json("/health", timeout=(3.0, 10.0))
        return result

    def register(self, form: Registration) -> User:
        return self._model(User, self.request("POST", "/auth/register", json=form.model_dump()))

    def login(self, email: str, password: str) -> LoginResult:
        response = self.request("POST", "/auth/login", json={"email": email, "password": password})
        result = self._model(LoginResult, response)
        self.token = result.token
        return result

    def logout(self) -> None:
        if self.token:
            try:
                self.request("POST", "/auth/logout")
            finally:
                self.token = None

    def me(self) -> User:
        return self._model(User, self.request("GET", "/auth/me"))

    def change_password(self, current_password: str, new_password: str) -> None:
        body = {"current_password": current_password, "new_password": new_password}
        self.request("POST", "/auth/password", json=body)

    # -- BioProjects ------------------------------------------------------------

    def bioprojects(self) -> list[BioProject]:
        return [BioProject.model_validate(item) for item in self.get_json("/bioprojects")]

    def create_bioproject(self, title: str, description: str = "") -> BioProject:
        body = {"title": title, "description": description}
        return self._model(BioProject, self.request("POST", "/bioprojects", json=body))
