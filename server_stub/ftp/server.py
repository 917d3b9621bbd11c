"""Placeholder until the pre-upload FTP server lands (being written now)."""

from __future__ import annotations

from server_stub.config import Settings
from server_stub.db import Database


class PreuploadFtpServer:
    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None
