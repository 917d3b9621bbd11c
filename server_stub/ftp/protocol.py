"""The pre-upload FTP protocol: an ``aioftp.Server`` with our command set.

aioftp provides the connection dispatcher, the response queue and passive
data connections; we replace the commands (through ``commands_mapping``)
with ones that authenticate against the archive's accounts, jail each user
in their home folder, hash uploads on the fly and keep the database rows in
sync, and we add what aioftp lacks (FEAT, NOOP, SIZE, MDTM, explicit TLS,
XMD5/HASH, REST checks, idle handling without killing long transfers).

Byte ranges in ``XMD5 <path> <start> <end>`` and ``RANG``/``HASH`` are
half-open: ``start`` is the first byte, ``end`` the offset after the last
(``0-<size>`` is the whole file).

This module is the plumbing every command relies on (:class:`FtpProtocol`):
the per-connection :class:`FtpSession`, the login guard and error replies,
command parsing with idle handling, passive data ports and EPSV. The
commands themselves are mixins, one module per job: ``session.py`` (login,
TLS, simple commands), ``files.py``, ``listings.py``, ``transfers.py``,
``checksums.py``, ``segment_commands.py``; ``commands.py`` puts them together.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import itertools
import logging
import os
import ssl
import threading
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar, TypeVar

import aioftp
from aioftp.common import Connection, StreamIO

from server_stub.accounts import password_session_valid
from server_stub.config import Settings
from server_stub.db import Database
from server_stub.ftp.blocks import BlockPool
from server_stub.ftp.datachannel import DataChannel
from server_stub.ftp.hashing_io import (
    ResumeCache,
    is_disk_full,
)
from server_stub.ftp.hooks import UploadRecords
from server_stub.ftp.jail import ROOT, JailError, normalize, real_path
from server_stub.ftp.segments import Assemblies, Segment
from server_stub.ftp.tls import data_context, server_context

log = logging.getLogger(__name__)

T = TypeVar("T")

IDLE_TIMEOUT = 900.0
"""Seconds a logged-in control connection may stay silent with no transfer running."""
DATA_TIMEOUT = 600.0
"""Seconds a data connection may deliver nothing before it counts as cut."""
DATA_CONNECT_TIMEOUT = 30.0
"""How long a transfer command waits for the client to open the data connection."""
FAILED_LOGIN_DELAY = 1.0
FINISH_AT_CLOSE = 5.0
"""At shutdown, how long running uploads may take to record their size and MD5."""

DISK_FULL = "Server disk is full"
WELCOME = "OMIX pre-upload FTP server ready. Log in with your OMIX account email and password."

KEEP_RESTART_OFFSET = frozenset(
    {"rest", "segm", "pasv", "epsv", "type", "noop", "stor", "appe", "retr", "mode", "stru"}
)
EOF_COMMAND = "\x00eof"
IDLE_COMMAND = "\x00idle"
TOO_LONG_COMMAND = "\x00long"


@dataclass
class FtpSession:
    """Our per-connection state (aioftp keeps its own in ``Connection``)."""

    pending_email: str | None = None
    email: str | None = None
    user_id: int | None = None
    home: Path | None = None
    protect_data: bool = False
    pbsz_seen: bool = False
    hash_range: tuple[int, int | None] | None = None
    rename_from: tuple[PurePosixPath, Path] | None = None
    restart_offset: int = 0
    """From REST; survives PASV/EPSV/TYPE so either command order works."""
    segment: Segment | None = None
    """From SEGM: the next STOR writes this byte range (``segments.py``)."""
    signed_in_at: datetime | None = None
    """When PASS succeeded: a password change or sign-out after it ends the session."""


class StartTls:
    """Queued as a "response" so the upgrade happens right after the 234 went out."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context


class NoUsers(aioftp.AbstractUserManager):
    """USER/PASS are handled by the server itself; aioftp's manager is unused."""

    async def get_user(self, login: str) -> tuple[Any, aioftp.User | None, str]:
        return aioftp.AbstractUserManager.GetUserResponse.ERROR, None, "not used"

    async def authenticate(self, user: aioftp.User, password: str) -> bool:
        return False

    async def notify_logout(self, user: aioftp.User) -> None:
        return None


class QuietDisconnects(logging.Filter):
    """aioftp logs an ERROR with a traceback when a client just goes away."""

    QUIET = (ConnectionError, TimeoutError, ssl.SSLError, asyncio.IncompleteReadError, EOFError)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], self.QUIET):
            error = record.exc_info[1]
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg, record.args = "client connection ended: %r", (error,)
            record.exc_info = record.exc_text = None
            return logging.getLogger(record.name).isEnabledFor(logging.INFO)
        return True


Command = Callable[[Connection, str], Awaitable[bool]]


def quote(path: PurePosixPath | str) -> str:
    return '"' + str(path).replace('"', '""') + '"'


class FtpProtocol(aioftp.Server):
    """aioftp's server with our session, guard, parsing and passive data channels."""

    read_only: ClassVar[bool] = False
    """Listings offer reading only and hide dot names (the anonymous public server)."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        records: UploadRecords,
        *,
        idle_timeout: float = IDLE_TIMEOUT,
        data_timeout: float = DATA_TIMEOUT,
    ) -> None:
        low, high = settings.ftp_passive_ports
        super().__init__(
            NoUsers(),
            block_size=settings.ftp_block_size,
            wait_future_timeout=DATA_CONNECT_TIMEOUT,
            data_ports=range(low, high + 1),
            welcome_message=WELCOME,
        )
        self.settings = settings
        self.database = database
        self.records = records
        self.tls = server_context(settings)
        self.data_tls = data_context(settings)
        self.command_idle_timeout = idle_timeout
        self.data_timeout = data_timeout
        self.checksums = asyncio.Semaphore(max(1, settings.checksum_concurrency))
        self.io = ThreadPoolExecutor(32, thread_name_prefix="omix-ftp-io")
        self.resume_cache = ResumeCache()
        self.blocks = BlockPool()
        """The transfer blocks of this server's uploads and checksums."""
        self.assemblies = Assemblies(settings.segments_root, self.blocks)
        self.closing = False
        self.stop_hashing = threading.Event()
        self.finishing: set[asyncio.Task[Any]] = set()
        self.ended_streams: weakref.WeakSet[StreamIO] = weakref.WeakSet()
        self.writer_ids = itertools.count(1)
        """Numbers the segment writers of this server (log lines, journal owners)."""
        self.quiet_disconnects = QuietDisconnects()
        self.commands_mapping = {
            name: self._guard(handler, login, name)
            for name, (handler, login) in self.command_table().items()
        }

    def command_table(self) -> dict[str, tuple[Command, bool]]:
        """Every command: ``name: (handler, needs login)``; subclasses add theirs.

        Here only the pseudo-commands :meth:`parse_command` returns for the end
        of the stream, an idle timeout and an overlong line.
        """
        return {
            EOF_COMMAND: (self._client_left, False),
            IDLE_COMMAND: (self._idle, False),
            TOO_LONG_COMMAND: (self._too_long, False),
        }

    async def start(self, host: str | None = None, port: int = 0, **kwargs: Any) -> None:
        logging.getLogger("aioftp.server").addFilter(self.quiet_disconnects)
        await super().start(host, port, **kwargs)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            logging.getLogger("aioftp.server").removeFilter(self.quiet_disconnects)

    # --- plumbing -------------------------------------------------------------------

    @staticmethod
    def session(connection: Connection) -> FtpSession:
        future = connection["omix"]
        if not future.done():
            future.set_result(FtpSession())
        return future.result()  # type: ignore[no-any-return]

    def _guard(self, handler: Command, login: bool, name: str = "") -> Command:
        """Login check, REST bookkeeping and clear replies for file system errors."""
        keeps_restart = (name or getattr(handler, "__name__", "")) in KEEP_RESTART_OFFSET

        @functools.wraps(handler)
        async def run(connection: Connection, rest: str) -> bool:
            session = self.session(connection)
            if not keeps_restart:
                session.restart_offset = 0
                session.segment = None
            if login and session.user_id is None:
                connection.response("530", "Please log in with USER and PASS first.")
                return True
            if (
                login
                and session.signed_in_at is not None  # anonymous sessions hold no password
                and not await asyncio.to_thread(self._still_signed_in, session)
            ):
                connection.response(
                    "421",
                    "Your password was changed or you signed out since this FTP session "
                    "began; connect and sign in again.",
                )
                return False  # ends the control connection
            try:
                return await handler(connection, rest)
            except JailError as error:
                connection.response("550", str(error))
            except FileNotFoundError:
                connection.response("550", "No such file or folder.")
            except NotADirectoryError:
                connection.response("550", "A part of that path is a file, not a folder.")
            except IsADirectoryError:
                connection.response("550", "That is a folder, not a file.")
            except PermissionError:
                connection.response("550", "Permission denied.")
            except OSError as error:
                if is_disk_full(error):
                    connection.response("452", f"{DISK_FULL}; nothing was changed.")
                else:
                    log.warning("file system error in %s: %s", handler.__name__, error)
                    connection.response("451", f"File system error: {error.strerror or error}")
            return True

        return run

    def resolve(self, connection: Connection, given: str) -> tuple[PurePosixPath, Path]:
        session = self.session(connection)
        assert session.home is not None
        virtual = normalize(connection.current_directory, given)
        return virtual, real_path(session.home, virtual)

    async def blocking(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in the server's file I/O threads."""
        return await asyncio.get_running_loop().run_in_executor(self.io, function, *args)

    async def write_response(
        self, stream: StreamIO, code: Any, lines: Any = "", list: bool = False
    ) -> None:
        if isinstance(code, StartTls):
            await stream.writer.start_tls(code.context, ssl_handshake_timeout=30)
            return
        await super().write_response(stream, code, lines, list)

    async def parse_command(
        self, stream: StreamIO, censor_commands: tuple[str] = ("pass",)
    ) -> tuple[str, str]:
        """Read one command; tolerate silence while a transfer runs."""
        if stream in self.ended_streams:
            # the client is gone; wait (until the dispatcher ends) instead of
            # reporting the end of the stream again and again
            await asyncio.Event().wait()
        while True:
            try:
                line = await asyncio.wait_for(stream.reader.readline(), self.command_idle_timeout)
            except TimeoutError:
                connection = self.connections.get(stream)
                if connection is not None and connection.extra_workers:
                    continue
                return IDLE_COMMAND, ""
            except ValueError:
                return TOO_LONG_COMMAND, ""
            except (ConnectionError, ssl.SSLError, OSError):
                self.ended_streams.add(stream)
                return EOF_COMMAND, ""
            break
        if not line:
            self.ended_streams.add(stream)
            return EOF_COMMAND, ""
        text = line.decode(encoding=self.encoding, errors="replace").rstrip("\r\n")
        command, _, rest = text.partition(" ")
        command = command.lower()
        if command in censor_commands:
            log.debug("%s ****", command)
        else:
            log.debug("%s %s", command, rest)
        if command.startswith("\x00"):
            command = "?"
        return command, rest

    async def dispatcher(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await super().dispatcher(reader, writer)
        except asyncio.CancelledError:
            # close() cancels every connection; ending normally spares the log
            # an error from asyncio's own stream callback (Python 3.11)
            if not self.closing:
                raise

    async def _client_left(self, connection: Connection, rest: str) -> bool:
        # let a transfer whose data already arrived finish and be recorded
        workers = set(connection.extra_workers)
        if workers:
            await asyncio.wait(workers, timeout=self.data_timeout)
        return False

    async def _idle(self, connection: Connection, rest: str) -> bool:
        connection.response("421", "Idle too long; closing the connection.")
        return False

    async def _too_long(self, connection: Connection, rest: str) -> bool:
        connection.response("500", "Command line too long.")
        return False

    def _data_stream(self, connection: Connection) -> Awaitable[Any]:
        return asyncio.wait_for(
            asyncio.shield(connection.future.data_connection), self.wait_future_timeout
        )

    async def _accept_data(self, connection: Connection) -> Any:
        """The data connection of this transfer, or ``None`` (425 sent) if none came."""
        try:
            await self._data_stream(connection)
        except TimeoutError:
            connection.response("425", "Cannot open data connection.")
            return None
        return self._take_data_stream(connection)

    def _take_data_stream(self, connection: Connection) -> Any:
        stream = connection.data_connection
        del connection.data_connection
        return stream

    def _needs_passive(self, connection: Connection) -> bool:
        if connection.future.passive_server.done():
            return False
        connection.response("425", "Use PASV or EPSV first (only passive mode is supported).")
        return True

    def _spawn(self, connection: Connection, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        connection.extra_workers.add(task)

    async def greeting(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        self.session(connection)
        return await super().greeting(connection, rest)

    def _waiting_for_password(self, connection: Connection, send_user: str) -> str | None:
        """The name USER gave, taken for this PASS; ``None`` (answered 503) when out of order."""
        session = self.session(connection)
        if session.user_id is not None:
            connection.response("503", "Already logged in.")
            return None
        if session.pending_email is None:
            connection.response("503", send_user)
            return None
        name, session.pending_email = session.pending_email, None
        return name

    def _log_in(
        self, connection: Connection, user_id: int, login: str, home: Path, welcome: str
    ) -> FtpSession:
        """PASS succeeded: the session and aioftp's connection both know who this is."""
        session = self.session(connection)
        session.user_id, session.email, session.home = user_id, login, home
        connection.user = aioftp.User(login=login, base_path=home)
        connection.logged = True
        connection.current_directory = ROOT
        connection.response("230", welcome)
        return session

    def _still_signed_in(self, session: FtpSession) -> bool:
        """False once the account's password changed or it signed out after PASS."""
        if session.user_id is None or session.signed_in_at is None:
            return True
        with self.database.session() as db:
            return password_session_valid(db, session.user_id, session.signed_in_at)

    async def _start_passive_server(
        self,
        connection: Connection,
        handler_callback: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    ) -> asyncio.Server:
        context = self.data_tls if self.session(connection).protect_data else None

        def ready(channel: DataChannel) -> None:
            if connection.future.data_connection.done():
                channel.close()  # one data connection at a time
            else:
                connection.data_connection = channel

        loop = asyncio.get_running_loop()
        assert self.available_data_ports is not None
        seen: set[int] = set()
        while True:
            try:
                priority, port = self.available_data_ports.get_nowait()
            except asyncio.QueueEmpty:
                raise aioftp.errors.NoAvailablePort from None
            if port in seen:
                self.available_data_ports.put_nowait((priority, port))
                raise aioftp.errors.NoAvailablePort
            seen.add(port)
            try:
                server = await loop.create_server(
                    lambda: DataChannel(ready, self.blocks),
                    connection.server_host,
                    port,
                    ssl=context,
                    ssl_handshake_timeout=30 if context else None,
                )
            except OSError as error:
                self.available_data_ports.put_nowait((priority + 1, port))
                if error.errno != errno.EADDRINUSE:
                    raise
                continue
            connection.passive_server_port = port
            return server

    async def epsv(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        argument = str(rest).strip().upper()
        if argument == "ALL":
            connection.response("200", "EPSV ALL accepted.")
            return True
        if argument in ("1", "2"):
            rest = ""
        elif argument:
            connection.response("522", "Network protocol not supported, use (1,2)")
            return True
        return await super().epsv(connection, rest)

    async def _stat(self, real: Path) -> os.stat_result | None:
        try:
            return await self.blocking(os.stat, real)
        except (FileNotFoundError, NotADirectoryError):
            return None
