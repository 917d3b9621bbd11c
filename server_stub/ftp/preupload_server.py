"""The authenticated pre-upload FTP endpoint, as the runner sees it.

``PreuploadFtpServer(settings, database, records)``: ``await start()`` binds
``settings.host:settings.ftp_port`` and, in the background, reconciles files
left half-recorded by an interrupted run; ``await close()`` stops accepting,
cuts open connections (running uploads record what arrived) and returns
within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection
from pathlib import Path
from typing import Any

from server_stub.config import Settings
from server_stub.db import Database
from server_stub.ftp.commands import OmixFtpServer
from server_stub.ftp.endpoint import FtpEndpoint
from server_stub.ftp.hooks import UploadRecords

log = logging.getLogger(__name__)


class PreuploadFtpServer(FtpEndpoint[OmixFtpServer]):
    name = "FTP"

    def __init__(self, settings: Settings, database: Database, records: UploadRecords) -> None:
        super().__init__(settings)
        self.database = database
        self.records = records
        self._reconcile: asyncio.Task[None] | None = None

    def build(self) -> OmixFtpServer:
        return OmixFtpServer(self.settings, self.database, self.records)

    def folder(self) -> Path:
        return self.settings.preupload_root

    def bind_port(self) -> int:
        return self.settings.ftp_port

    async def started(self, ftp: OmixFtpServer) -> None:
        self._reconcile = asyncio.create_task(self._reconcile_interrupted(), name="ftp-reconcile")

    async def _reconcile_interrupted(self) -> None:
        """Rows left ``uploading`` by a previous run get their size and MD5 again."""
        try:
            users = await asyncio.to_thread(self.records.interrupted_users)
            for user_id in users:
                await asyncio.to_thread(self.records.scan_home, user_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("reconciling interrupted uploads failed")

    async def stopping(self, ftp: OmixFtpServer) -> None:
        ftp.stop_hashing.set()
        ftp.assemblies.close()
        if self._reconcile is not None:
            self._reconcile.cancel()
            with contextlib.suppress(BaseException):
                await self._reconcile

    def pending(self, ftp: OmixFtpServer) -> Collection[asyncio.Future[Any]]:
        return ftp.finishing
