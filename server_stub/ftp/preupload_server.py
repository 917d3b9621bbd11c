"""The authenticated pre-upload FTP endpoint, as the runner sees it.

``PreuploadFtpServer(settings, database)``: ``await start()`` binds
``settings.host:settings.ftp_port`` and, in the background, reconciles files
left half-recorded by an interrupted run; ``await close()`` stops accepting,
cuts open connections (running uploads record what arrived) and returns
within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from server_stub.config import Settings
from server_stub.db import Database
from server_stub.ftp.commands import OmixFtpServer
from server_stub.ftp.protocol import FINISH_AT_CLOSE
from server_stub.preupload import records

log = logging.getLogger(__name__)


class PreuploadFtpServer:
    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.ftp: OmixFtpServer | None = None
        self._reconcile: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        assert self.ftp is not None
        return int(self.ftp.server_port)

    async def start(self) -> None:
        settings = self.settings
        await asyncio.to_thread(settings.preupload_root.mkdir, parents=True, exist_ok=True)
        self.ftp = OmixFtpServer(settings, self.database)
        await self.ftp.start(settings.host, settings.ftp_port, reuse_address=True)
        self._reconcile = asyncio.create_task(self._reconcile_interrupted(), name="ftp-reconcile")

    async def _reconcile_interrupted(self) -> None:
        """Rows left ``uploading`` by a previous run get their size and MD5 again."""
        try:
            users = await asyncio.to_thread(records.interrupted_users, self.database)
            for user_id in users:
                await asyncio.to_thread(records.scan_home, self.database, self.settings, user_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("reconciling interrupted uploads failed")

    async def close(self) -> None:
        ftp = self.ftp
        if ftp is None:
            return
        self.ftp = None
        ftp.closing = True
        ftp.stop_hashing.set()
        ftp.assemblies.close()
        if self._reconcile is not None:
            self._reconcile.cancel()
            with contextlib.suppress(BaseException):
                await self._reconcile
        try:
            await asyncio.wait_for(ftp.close(), timeout=FINISH_AT_CLOSE + 5)
        except TimeoutError:
            log.warning("FTP connections did not close in time")
        if ftp.finishing:
            await asyncio.wait(set(ftp.finishing), timeout=FINISH_AT_CLOSE)
        ftp.io.shutdown(wait=False, cancel_futures=True)
