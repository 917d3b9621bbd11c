"""The connection to the archive: which server, the API client, who is signed in.

Blocking work (HTTP calls, starting the local server) runs in worker threads
through ``asyncio.to_thread``; the methods here are coroutines for the qasync
loop. Screens read :attr:`Session.api` for calls of their own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from omix_desktop.api.client import ApiClient
from omix_desktop.api.models import Registration, User
from omix_desktop.config import Settings
from omix_desktop.local_server import LocalServer

log = logging.getLogger(__name__)

LocalServerFactory = Callable[[], LocalServer]
ApiFactory = Callable[[str], ApiClient]


class Session(QObject):
    """The current server and account.

    Signals:
        changed(): signed in or out, or the server changed.
        server_state(str): ``"starting"``, ``"running"``, ``"stopped"`` or ``"failed"``
            for the local reference server.
        expired(str): the server refused the session (``session_expired`` or
            ``not_authenticated``); the UI asks to sign in again, queued work stays.

    Attributes:
        api: the :class:`ApiClient` of the current server (with the token once signed in).
        user: the signed-in account, or ``None``.
        local_server: the local reference server, when the app runs one.
        server_id: the id the server announces in ``/health`` (stable across its
            restarts and ports), once known; see :attr:`server_key`.
    """

    changed = Signal()
    server_state = Signal(str)
    expired = Signal(str)

    def __init__(
        self,
        settings: Settings,
        local_server_dir: Path,
        *,
        local_server_factory: LocalServerFactory | None = None,
        api_factory: ApiFactory = ApiClient,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self._api_factory = api_factory
        self._factory = local_server_factory or (lambda: LocalServer(local_server_dir))
        self.local_server: LocalServer | None = None
        self.api: ApiClient | None = None
        self.user: User | None = None
        self.email = ""
        self._password: str | None = None
        self._server_lock = asyncio.Lock()
        self.server_id: str | None = None

    # -- server -------------------------------------------------------------------------

    @property
    def uses_local_server(self) -> bool:
        return not self.settings.server_url.strip()

    @property
    def server_url(self) -> str | None:
        """The server's address, or ``None`` while the local server is not running."""
        if not self.uses_local_server:
            return self.settings.server_url.strip().rstrip("/")
        if self.local_server is not None and self.local_server.running:
            return self.local_server.url
        return None

    @property
    def server_key(self) -> str | None:
        """What the app's local state (queue, MD5s) is kept under for this server.

        The id the server announces, so the state follows it across restarts and
        port changes (the local server comes up on new ports each time); the
        address for servers that announce none.
        """
        return self.server_id or self.server_url

    @property
    def ftp_port(self) -> int:
        if self.uses_local_server and self.local_server is not None:
            return self.local_server.ftp_port
        return self.settings.ftp_port

    @property
    def ftp_credentials(self) -> tuple[str, str] | None:
        """Email and password for the FTP pre-upload (same account), once signed in."""
        if self.user is None or self._password is None:
            return None
        return self.email, self._password

    async def ensure_server(self) -> str:
        """The server's address; starts the local reference server if none is configured."""
        async with self._server_lock:
            url = self.server_url
            if url is not None:
                if self.api is None or self.api.server_url != url:
                    self._new_client(url)
                if self.server_id is None:
                    await self._identify()
                return url
            server = self._factory()
            self.server_state.emit("starting")
            try:
                await asyncio.to_thread(server.start)
            except BaseException:
                self.server_state.emit("failed")
                raise
            self.local_server = server
            self.server_state.emit("running")
            self._new_client(server.url)
            await self._identify()
            return server.url

    async def _identify(self) -> None:
        """Learn the server's id from ``/health`` (off the Qt thread)."""
        api = self.api
        if api is None:
            return
        try:
            health = await asyncio.to_thread(api.health)
        except Exception as error:  # an old or unreachable server: keyed by its address
            log.warning("no server id from %s: %s", api.server_url, error)
            return
        announced = health.get("server_id")
        if api is self.api and isinstance(announced, str) and announced.strip():
            self.server_id = announced.strip()
            log.info("server %s announces id %s", api.server_url, self.server_id)

    def _new_client(self, url: str) -> None:
        if self.api is not None:
            self.api.close()
        self.api = self._api_factory(url)
        self.server_id = None
        self.user = None
        self.changed.emit()

    async def server_changed(self) -> None:
        """Call after the server address in the settings changed: signs out."""
        await self.sign_out()
        if self.api is not None:
            self.api.close()
            self.api = None
        if not self.uses_local_server:
            await self.stop_local_server()
        self.changed.emit()

    async def stop_local_server(self) -> None:
        server, self.local_server = self.local_server, None
        if server is not None:
            await asyncio.to_thread(server.stop)
            self.server_state.emit("stopped")

    # -- account ------------------------------------------------------------------------

    async def sign_in(self, email: str, password: str) -> User:
        await self.ensure_server()
        assert self.api is not None
        result = await asyncio.to_thread(self.api.login, email.strip(), password)
        self.user = result.user
        self.email = result.user.email
        self._password = password
        log.info("signed in as user %s on %s", result.user.id, self.api.server_url)
        self.changed.emit()
        return result.user

    async def register(self, form: Registration) -> User:
        await self.ensure_server()
        assert self.api is not None
        user = await asyncio.to_thread(self.api.register, form)
        log.info("registered user %s", user.id)
        return user

    def session_lost(self, code: str) -> None:
        """The server no longer accepts the token: forget it (not the queued work)."""
        if self.user is None:
            return
        log.info("the server ended the session (%s)", code)
        self.user = None
        if self.api is not None:
            self.api.token = None
        self.expired.emit(code)
        self.changed.emit()

    async def sign_out(self) -> None:
        if self.api is None or self.user is None:
            return
        api = self.api
        self.user = None
        self._password = None
        try:
            await asyncio.to_thread(api.logout)
        except Exception as error:  # signing out locally must work even offline
            log.warning("sign-out on the server failed: %s", error)
            api.token = None
        self.changed.emit()

    async def close(self) -> None:
        await self.sign_out()
        if self.api is not None:
            self.api.close()
            self.api = None
        await self.stop_local_server()
