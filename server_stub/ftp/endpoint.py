"""Starting and stopping one FTP listener, the part both FTP endpoints share.

:class:`FtpEndpoint` is what the runner holds: ``await start()`` makes the
served folder, builds the server (:meth:`FtpEndpoint.build`) and binds it;
``await close()`` stops accepting, cuts open connections, gives the work that
records what arrived (:meth:`FtpEndpoint.pending`) a few seconds and returns.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from pathlib import Path
from typing import Any, Generic, TypeVar

from server_stub.config import Settings
from server_stub.ftp.commands import OmixFtpServer
from server_stub.ftp.protocol import FINISH_AT_CLOSE

log = logging.getLogger(__name__)

Server = TypeVar("Server", bound=OmixFtpServer)


class FtpEndpoint(Generic[Server]):
    """One listener: subclasses say what to build, where, and what to wait for."""

    name = "FTP"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ftp: Server | None = None

    @property
    def port(self) -> int:
        assert self.ftp is not None
        return int(self.ftp.server_port)

    def build(self) -> Server:
        raise NotImplementedError

    def folder(self) -> Path:
        """The folder served (made at start)."""
        raise NotImplementedError

    def bind_port(self) -> int:
        raise NotImplementedError

    async def started(self, ftp: Server) -> None:
        """After binding: background work of the endpoint."""

    async def stopping(self, ftp: Server) -> None:
        """Before the connections are cut."""

    def pending(self, ftp: Server) -> Collection[asyncio.Future[Any]]:
        """Work to let finish after the connections are cut."""
        return ()

    async def start(self) -> None:
        await asyncio.to_thread(self.folder().mkdir, parents=True, exist_ok=True)
        ftp = self.build()
        await ftp.start(self.settings.host, self.bind_port(), reuse_address=True)
        self.ftp = ftp
        await self.started(ftp)

    async def close(self) -> None:
        ftp, self.ftp = self.ftp, None
        if ftp is None:
            return
        ftp.closing = True
        await self.stopping(ftp)
        try:
            await asyncio.wait_for(ftp.close(), timeout=FINISH_AT_CLOSE + 5)
        except TimeoutError:
            log.warning("%s connections did not close in time", self.name)
        pending = set(self.pending(ftp))
        if pending:
            await asyncio.wait(pending, timeout=FINISH_AT_CLOSE)
        ftp.io.shutdown(wait=False, cancel_futures=True)
