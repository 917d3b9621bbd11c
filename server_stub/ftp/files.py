"""Navigation and file management: PWD, CWD, CDUP, MKD, RMD, DELE, RNFR/RNTO, SIZE, MDTM.

Every change keeps the pre-upload records in step (a deleted or renamed file's row follows).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import stat as stat_module
from pathlib import PurePosixPath

from aioftp.common import Connection

from server_stub.ftp.jail import ROOT, record_path
from server_stub.ftp.listings import mlsx_time
from server_stub.ftp.name_rule import REFUSED, name_refusal
from server_stub.ftp.protocol import (
    FtpProtocol,
    quote,
)

log = logging.getLogger(__name__)


class FileCommands(FtpProtocol):
    """Folders and files inside the user's jail."""

    async def pwd(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        connection.response("257", f"{quote(connection.current_directory)} is the current folder.")
        return True

    async def cwd(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        virtual, real = self.resolve(connection, str(rest) or "/")
        if not await self.blocking(os.path.isdir, real):
            connection.response("550", f"{virtual}: no such folder.")
            return True
        connection.current_directory = virtual
        connection.response("250", f"Current folder is {virtual}.")
        return True

    async def cdup(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        return await self.cwd(connection, "..")

    async def mkd(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        virtual, real = self.resolve(connection, str(rest))
        if virtual == ROOT:
            connection.response("550", "/ already exists.")
            return True
        refusal = name_refusal(virtual, "folder")
        if refusal is not None:
            connection.response(REFUSED, refusal)
            return True
        try:
            await self.blocking(os.mkdir, real)
        except FileExistsError:
            connection.response("550", f"{virtual} already exists.")
            return True
        connection.response("257", f"{quote(virtual)} created.")
        return True

    async def rmd(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        virtual, real = self.resolve(connection, str(rest))
        if virtual == ROOT:
            connection.response("550", "Your home folder cannot be removed.")
            return True
        if not await self.blocking(os.path.isdir, real):
            connection.response("550", f"{virtual}: no such folder.")
            return True
        try:
            await self.blocking(os.rmdir, real)
        except OSError as error:
            if error.errno in (errno.ENOTEMPTY, errno.EEXIST):
                connection.response("550", f"{virtual} is not empty; delete its files first.")
                return True
            raise
        user_id = self.session(connection).user_id
        assert user_id is not None
        await asyncio.to_thread(self.records.forget, user_id, record_path(virtual))
        connection.response("250", f"{virtual} removed.")
        return True

    async def dele(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        virtual, real = self.resolve(connection, str(rest))
        user_id = self.session(connection).user_id
        assert user_id is not None
        if not await self.blocking(os.path.isfile, real):
            connection.response("550", f"{virtual}: no such file.")
            return True
        if self.records.is_uploading(user_id, record_path(virtual)):
            connection.response("450", f"{virtual} is being uploaded right now; try again later.")
            return True
        await self.blocking(os.unlink, real)
        self.resume_cache.forget(real)
        await asyncio.to_thread(self.assemblies.forget, user_id, record_path(virtual))
        await asyncio.to_thread(self.records.forget, user_id, record_path(virtual))
        await asyncio.to_thread(self.records.settle, user_id, record_path(virtual))
        connection.response("250", f"{virtual} deleted.")
        return True

    async def rnfr(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        virtual, real = self.resolve(connection, str(rest))
        session = self.session(connection)
        if virtual == ROOT or not await self.blocking(os.path.lexists, real):
            session.rename_from = None
            connection.response("550", f"{virtual}: no such file or folder.")
            return True
        session.rename_from = (virtual, real)
        connection.response("350", "Ready for the new name (RNTO).")
        return True

    async def rnto(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        session = self.session(connection)
        if session.rename_from is None:
            connection.response("503", "Send RNFR first.")
            return True
        (old_virtual, old_real), session.rename_from = session.rename_from, None
        virtual, real = self.resolve(connection, str(rest))
        assert session.user_id is not None
        if virtual == ROOT or await self.blocking(os.path.lexists, real):
            connection.response("553", f"{virtual} already exists; choose another name.")
            return True
        refusal = name_refusal(virtual, "new")
        if refusal is not None:
            connection.response(REFUSED, refusal)
            return True
        if not await self.blocking(os.path.isdir, real.parent):
            connection.response("553", f"{virtual.parent}: no such folder.")
            return True
        if self.assemblies.is_assembling(session.user_id, record_path(old_virtual)):
            connection.response(
                "450",
                f"{old_virtual} is being assembled from segments; finish its upload (or "
                "delete it) before renaming it.",
            )
            return True
        if self.records.is_uploading(session.user_id, record_path(old_virtual)):
            connection.response("450", f"{old_virtual} is being uploaded right now.")
            return True
        await self.blocking(os.rename, old_real, real)
        self.resume_cache.forget(old_real)
        moved = await asyncio.to_thread(
            self.records.rename,
            session.user_id,
            record_path(old_virtual),
            record_path(virtual),
        )
        for before, after in moved:
            for path in (before, after):
                await asyncio.to_thread(self.records.settle, session.user_id, path)
        connection.response("250", f"Renamed to {virtual}.")
        return True

    async def _file_stat(self, connection: Connection, rest: str) -> os.stat_result | None:
        """The stat of a regular file, or ``None`` (550 sent)."""
        virtual, real = self.resolve(connection, rest)
        stat = await self._stat(real)
        if stat is None or not stat_module.S_ISREG(stat.st_mode):
            connection.response("550", f"{virtual}: no such file.")
            return None
        return stat

    async def size(self, connection: Connection, rest: str) -> bool:
        stat = await self._file_stat(connection, rest)
        if stat is not None:
            connection.response("213", str(stat.st_size))
        return True

    async def mdtm(self, connection: Connection, rest: str) -> bool:
        stat = await self._file_stat(connection, rest)
        if stat is not None:
            connection.response("213", mlsx_time(stat.st_mtime))
        return True
