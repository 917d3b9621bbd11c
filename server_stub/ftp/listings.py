"""Listings: LIST, NLST, MLSD and MLST (RFC 3659 facts), shared with the public server."""

from __future__ import annotations

import logging
import os
import ssl
import stat as stat_module
import time
from pathlib import Path, PurePosixPath

import aioftp
from aioftp.common import Connection

from server_stub.ftp.protocol import (
    FtpProtocol,
)

log = logging.getLogger(__name__)


def mlsx_time(seconds: float) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(seconds))


def _facts(stat: os.stat_result, read_only: bool = False) -> str:
    """MLSD/MLST facts; ``read_only`` offers only listing and reading (public tree)."""
    directory = stat_module.S_ISDIR(stat.st_mode)
    if read_only:
        perm = "el" if directory else "r"
    else:
        perm = "flcdmpe" if directory else "adfrw"
    kind, size = ("dir", "") if directory else ("file", f"size={stat.st_size};")
    return f"type={kind};{size}modify={mlsx_time(stat.st_mtime)};perm={perm};"


def _list_line(stat: os.stat_result, name: str, read_only: bool = False) -> str:
    if read_only:
        mode = "dr-xr-xr-x" if stat_module.S_ISDIR(stat.st_mode) else "-r--r--r--"
    else:
        mode = stat_module.filemode(stat.st_mode)
    mtime = aioftp.Server.build_list_mtime(stat.st_mtime)
    return f"{mode} 1 omix omix {stat.st_size} {mtime} {name}"


def entry_line(stat: os.stat_result, name: str, style: str, read_only: bool) -> str:
    """One line of a LIST, MLSD or NLST answer."""
    if style == "mlsd":
        return f"{_facts(stat, read_only)} {name}"
    if style == "nlst":
        return name
    return _list_line(stat, name, read_only)


def _list_directory(folder: Path, style: str, read_only: bool = False) -> list[str]:
    """Lines for LIST / MLSD / NLST of a folder (symlinks are not shown; in the
    read-only public tree, hidden names such as a release's ``.partial`` are not either)."""
    lines = []
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda item: item.name):
            if entry.is_symlink() or (read_only and entry.name.startswith(".")):
                continue
            try:
                stat = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            lines.append(entry_line(stat, entry.name, style, read_only))
    return lines


def _split_list_args(rest: str) -> str:
    """``LIST -la /dir`` → ``/dir``: drop ls-style options clients send."""
    words = rest.split(" ")
    while words and words[0].startswith("-"):
        words.pop(0)
    return " ".join(words).strip()


class ListingCommands(FtpProtocol):
    """Folder listings over the data connection, facts over the control connection."""

    async def mlst(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        virtual, real = self.resolve(connection, str(rest))
        stat = await self._stat(real)
        if stat is None:
            connection.response("550", f"{virtual}: no such file or folder.")
            return True
        facts = _facts(stat, self.read_only)
        connection.response("250", [f"Listing {virtual}", f"{facts} {virtual}", "End"], True)
        return True

    # --- listings ----------------------------------------------------------------------

    async def _listing(self, connection: Connection, rest: str, style: str) -> bool:
        if self._needs_passive(connection):
            return True
        virtual, real = self.resolve(connection, _split_list_args(rest))
        stat = await self._stat(real)
        if stat is None:
            connection.response("550", f"{virtual}: no such file or folder.")
            return True
        if stat_module.S_ISDIR(stat.st_mode):
            lines = await self.blocking(self.directory_lines, real, style)
        elif style == "mlsd":
            connection.response("501", f"{virtual} is a file, not a folder (use MLST).")
            return True
        elif style == "nlst":
            lines = [virtual.name]
        else:
            lines = [_list_line(stat, virtual.name, self.read_only)]
        payload = "".join(line + "\r\n" for line in lines).encode(self.encoding)
        self._spawn(connection, self._send(connection, payload))
        connection.response("150", f"Here comes the listing of {virtual}.")
        return True

    async def _send(self, connection: Connection, payload: bytes) -> bool:
        stream = await self._accept_data(connection)
        if stream is None:
            return True
        try:
            await stream.write(payload)
        except (ConnectionError, ssl.SSLError):
            connection.response("426", "Data connection closed; listing incomplete.")
            return True
        finally:
            stream.close()
        connection.response("226", "Listing sent.")
        return True

    def directory_lines(self, real: Path, style: str) -> list[str]:
        """The listing of a folder (blocking); the public server may list another tree."""
        return _list_directory(real, style, self.read_only)

    async def mlsd(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        return await self._listing(connection, str(rest), "mlsd")

    async def list(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        return await self._listing(connection, str(rest), "list")

    async def nlst(self, connection: Connection, rest: str) -> bool:
        return await self._listing(connection, rest, "nlst")

    # --- transfers ---------------------------------------------------------------------
