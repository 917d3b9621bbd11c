"""The anonymous, read-only FTP endpoint over the released open-access tree.

A second FTP listener (``settings.public_ftp_port``) serving exactly
``settings.public_root``: ``/OMIX/OMIX006457/OMIX006457-01.txt`` and its
``.md5`` companion. It reuses the pre-upload server's protocol machinery
(passive mode, EPSV, FEAT, SIZE, MDTM, REST, optional explicit TLS, large
blocks) with its own command set:

* login as ``anonymous`` (or ``ftp``) with any password; any other user name
  is refused with a pointer to the pre-upload server;
* LIST, NLST, MLSD, MLST, SIZE, MDTM, CWD, PWD, REST + RETR (resume);
* every command that would change something (STOR, STOU, APPE, DELE, MKD,
  RMD, RNFR, RNTO, SITE, ALLO, MFMT…) is answered ``550``;
* paths never leave the tree (``..`` stops at ``/``; symlinks are neither
  listed nor followed out of it), and names starting with a dot (the hidden
  folders a release is built in) are invisible and unreachable.

A RETR from the first byte counts as one download of the data file.

The tree is the local folder, or, when the runner passes a
:class:`~server_stub.ftp.hooks.ReadOnlyTree` (the released tree in an object
store), that tree: the same commands, answers and listings, from the store.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat as stat_module
from collections.abc import Collection
from pathlib import Path, PurePosixPath
from typing import Any

from aioftp.common import Connection

from server_stub.config import Settings
from server_stub.db import Database
from server_stub.ftp.commands import OmixFtpServer
from server_stub.ftp.endpoint import FtpEndpoint
from server_stub.ftp.hooks import ByteSource, DownloadCounted, NoRecords, ReadOnlyTree, TreeEntry
from server_stub.ftp.jail import normalize, real_path
from server_stub.ftp.listings import entry_line
from server_stub.ftp.protocol import Command

log = logging.getLogger(__name__)

WELCOME = "OMIX public download server (read-only). Log in as anonymous with any password."
READ_ONLY = "Permission denied: the public download server is read-only."
ANONYMOUS_NAMES = ("anonymous", "ftp")
ANONYMOUS_ID = 0
"""Stands in for a user id in the shared session state (no account is involved)."""

WRITE_COMMANDS = (
    "stor",
    "stou",
    "appe",
    "dele",
    "mkd",
    "xmkd",
    "rmd",
    "xrmd",
    "rnfr",
    "rnto",
    "site",
    "allo",
    "mfmt",
    "mfct",
    "mff",
    "chmod",
)
READ_COMMANDS_NEEDING_LOGIN = (
    "pwd",
    "xpwd",
    "cwd",
    "xcwd",
    "cdup",
    "xcup",
    "size",
    "mdtm",
    "mlst",
    "mlsd",
    "list",
    "nlst",
    "pasv",
    "epsv",
    "rest",
    "retr",
    "abor",
)
OPEN_COMMANDS = (
    "auth",
    "pbsz",
    "prot",
    "feat",
    "opts",
    "noop",
    "syst",
    "quit",
    "help",
    "type",
    "mode",
    "stru",
)


def _hidden(virtual: PurePosixPath) -> bool:
    return any(part.startswith(".") for part in virtual.parts[1:])


def _stat_of(entry: TreeEntry) -> os.stat_result:
    """A tree entry as the listing code knows entries: a read-only file or folder."""
    mode = (stat_module.S_IFDIR | 0o555) if entry.folder else (stat_module.S_IFREG | 0o444)
    when = entry.modified
    return os.stat_result((mode, 0, 0, 1, 0, 0, entry.size, when, when, when))


def file_id_of(virtual: PurePosixPath) -> str | None:
    """``/OMIX/OMIX006457/OMIX006457-01.txt`` → ``OMIX006457-01`` (``.md5`` → None)."""
    parts = virtual.parts
    if len(parts) != 4 or parts[1] != "OMIX" or virtual.name.endswith(".md5"):
        return None
    file_id = virtual.name.split(".", 1)[0]
    return file_id if file_id.startswith(parts[2] + "-") else None


class AnonymousFtpServer(OmixFtpServer):
    """Read-only anonymous FTP over ``settings.public_root``."""

    read_only = True

    def __init__(
        self,
        settings: Settings,
        database: Database,
        count: DownloadCounted,
        tree: ReadOnlyTree | None = None,
    ) -> None:
        super().__init__(settings, database, NoRecords())
        self.count = count
        self.tree = tree
        """Served instead of ``root`` when given (an object store)."""
        self.welcome_message = WELCOME
        self.root = settings.public_root
        self.counting: set[asyncio.Task[Any]] = set()
        handlers: dict[str, tuple[Command, bool]] = {
            "user": (self.user, False),
            "pass": (self.pass_, False),
        }
        for name in OPEN_COMMANDS:
            handlers[name] = (self._inherited(name), False)
        for name in READ_COMMANDS_NEEDING_LOGIN:
            handlers[name] = (self._inherited(name), True)
        for name in WRITE_COMMANDS:
            handlers[name] = (self.refuse_write, False)
        mapping = {name: self._guard(handler, login) for name, (handler, login) in handlers.items()}
        # keep the parent's internal pseudo-commands (end of stream, idle, too long)
        for name, handler in self.commands_mapping.items():
            if name.startswith("\x00"):
                mapping[name] = handler
        self.commands_mapping = mapping

    def _inherited(self, name: str) -> Command:
        aliases = {"xpwd": "pwd", "xcwd": "cwd", "xcup": "cdup"}
        attribute = {"pass": "pass_"}.get(name, aliases.get(name, name))
        handler: Command = getattr(self, attribute)
        return handler

    def features(self) -> list[str]:
        lines = []
        if self.tls is not None:
            lines += ["AUTH TLS", "PBSZ", "PROT"]
        lines += ["EPSV", "PASV", "MDTM", "SIZE", "REST STREAM", "MLST type*;size*;modify*;"]
        return lines + ["UTF8", "TVFS"]

    # --- login -----------------------------------------------------------------------

    async def user(self, connection: Connection, rest: str) -> bool:
        session = self.session(connection)
        name = rest.strip().lower()
        if session.user_id is not None:
            connection.response("503", "Already logged in.")
        elif name in ANONYMOUS_NAMES:
            session.pending_email = name
            connection.response("331", "Anonymous login: send any password (your email).")
        else:
            session.pending_email = None
            connection.response(
                "530",
                "This is the public download server: log in as anonymous. "
                "Submitters upload through the pre-upload FTP server.",
            )
        return True

    async def pass_(self, connection: Connection, rest: str) -> bool:
        if self._waiting_for_password(connection, "Send USER anonymous first.") is not None:
            welcome = "Logged in: released open-access data, read-only."
            self._log_in(connection, ANONYMOUS_ID, "anonymous", self.root, welcome)
        return True

    # --- read-only -------------------------------------------------------------------

    async def refuse_write(self, connection: Connection, rest: str) -> bool:
        self.session(connection).rename_from = None
        connection.response("550", READ_ONLY)
        return True

    def resolve(self, connection: Connection, given: str) -> tuple[PurePosixPath, Path]:
        virtual = normalize(connection.current_directory, given)
        if _hidden(virtual):
            raise FileNotFoundError(str(virtual))
        if self.tree is not None:
            return virtual, Path(virtual)  # a name in the tree, never opened as a file
        return virtual, real_path(self.root, virtual)

    # --- a tree that is not a local folder --------------------------------------------

    async def _stat(self, real: Path) -> os.stat_result | None:
        if self.tree is None:
            return await super()._stat(real)
        entry = await self.blocking(self.tree.stat, real.as_posix())
        return None if entry is None else _stat_of(entry)

    async def cwd(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        if self.tree is None:
            return await super().cwd(connection, rest)
        virtual, real = self.resolve(connection, str(rest) or "/")
        stat = await self._stat(real)
        if stat is None or not stat_module.S_ISDIR(stat.st_mode):
            connection.response("550", f"{virtual}: no such folder.")
            return True
        connection.current_directory = virtual
        connection.response("250", f"Current folder is {virtual}.")
        return True

    def directory_lines(self, real: Path, style: str) -> list[str]:
        if self.tree is None:
            return super().directory_lines(real, style)
        entries = self.tree.list(real.as_posix())
        return [entry_line(_stat_of(entry), entry.name, style, True) for entry in entries]

    def open_download(self, virtual: PurePosixPath, real: Path, offset: int) -> ByteSource:
        if self.tree is None:
            return super().open_download(virtual, real, offset)
        return self.tree.open(virtual.as_posix(), offset)

    # --- downloads -------------------------------------------------------------------

    async def _send_file(
        self, connection: Connection, virtual: PurePosixPath, real: Path, offset: int
    ) -> bool:
        file_id = file_id_of(virtual)
        if offset == 0 and file_id is not None:
            task = asyncio.create_task(asyncio.to_thread(self._count, file_id))
            self.counting.add(task)
            task.add_done_callback(self.counting.discard)
        return await super()._send_file(connection, virtual, real, offset)

    def _count(self, file_id: str) -> None:
        try:
            self.count(file_id)
        except Exception:
            log.exception("could not count the download of %s", file_id)


class PublicFtpServer(FtpEndpoint[AnonymousFtpServer]):
    """What the runner starts and stops: the anonymous listener."""

    name = "public FTP"

    def __init__(
        self,
        settings: Settings,
        database: Database,
        count: DownloadCounted,
        tree: ReadOnlyTree | None = None,
    ) -> None:
        super().__init__(settings)
        self.database = database
        self.count = count
        self.tree = tree

    def build(self) -> AnonymousFtpServer:
        return AnonymousFtpServer(self.settings, self.database, self.count, self.tree)

    def folder(self) -> Path:
        return self.settings.public_root / "OMIX"

    def bind_port(self) -> int:
        return self.settings.public_ftp_port

    def pending(self, ftp: AnonymousFtpServer) -> Collection[asyncio.Future[Any]]:
        return ftp.counting
