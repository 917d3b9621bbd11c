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
"""

from __future__ import annotations

import asyncio
import errno
import functools
import logging
import os
import ssl
import stat as stat_module
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import aioftp
from aioftp.common import Connection, StreamIO

from server_stub.accounts import authenticate, password_session_valid
from server_stub.config import Settings
from server_stub.db import Database
from server_stub.errors import ApiError
from server_stub.ftp import records
from server_stub.ftp.datachannel import DataChannel
from server_stub.ftp.hashing_io import (
    DiskFullError,
    HashingStopped,
    HashingUpload,
    ResumeCache,
    is_disk_full,
    md5_of_range,
)
from server_stub.ftp.jail import ROOT, JailError, home_folder, normalize, real_path, record_path
from server_stub.ftp.name_rule import REFUSED, name_refusal
from server_stub.ftp.segment_commands import SegmentCommands
from server_stub.ftp.segments import FEATURE as SEGMENTS_FEATURE
from server_stub.ftp.segments import Assemblies, Segment
from server_stub.ftp.tls import NOT_CONFIGURED, data_context, is_secure, server_context
from server_stub.models import Interruption, utcnow

log = logging.getLogger(__name__)

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
_EOF = "\x00eof"
_IDLE = "\x00idle"
_TOO_LONG = "\x00long"


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


def interruption_of(problem: BaseException | None) -> Interruption | None:
    """What a receive error means for the file: cut short, and why (None: it ended)."""
    if problem is None:
        return None
    if isinstance(problem, DiskFullError) or is_disk_full(problem):
        return Interruption.DISK_FULL
    return Interruption.CONNECTION_LOST


class _StartTls:
    """Queued as a "response" so the upgrade happens right after the 234 went out."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context


class _NoUsers(aioftp.AbstractUserManager):
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


_quiet_filter = QuietDisconnects()
logging.getLogger("aioftp.server").addFilter(_quiet_filter)

Command = Callable[[Connection, str], Awaitable[bool]]


def _quote(path: PurePosixPath | str) -> str:
    return '"' + str(path).replace('"', '""') + '"'


def _mlsx_time(seconds: float) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(seconds))


def _facts(stat: os.stat_result, read_only: bool = False) -> str:
    """MLSD/MLST facts; ``read_only`` offers only listing and reading (public tree)."""
    directory = stat_module.S_ISDIR(stat.st_mode)
    if read_only:
        perm = "el" if directory else "r"
    else:
        perm = "flcdmpe" if directory else "adfrw"
    kind, size = ("dir", "") if directory else ("file", f"size={stat.st_size};")
    return f"type={kind};{size}modify={_mlsx_time(stat.st_mtime)};perm={perm};"


def _list_line(stat: os.stat_result, name: str, read_only: bool = False) -> str:
    if read_only:
        mode = "dr-xr-xr-x" if stat_module.S_ISDIR(stat.st_mode) else "-r--r--r--"
    else:
        mode = stat_module.filemode(stat.st_mode)
    mtime = aioftp.Server.build_list_mtime(stat.st_mtime)
    return f"{mode} 1 omix omix {stat.st_size} {mtime} {name}"


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
            if style == "mlsd":
                lines.append(f"{_facts(stat, read_only)} {entry.name}")
            elif style == "nlst":
                lines.append(entry.name)
            else:
                lines.append(_list_line(stat, entry.name, read_only))
    return lines


def _split_list_args(rest: str) -> str:
    """``LIST -la /dir`` → ``/dir``: drop ls-style options clients send."""
    words = rest.split(" ")
    while words and words[0].startswith("-"):
        words.pop(0)
    return " ".join(words).strip()


def _parse_range(text: str) -> tuple[int, int | None]:
    """``10-20``, ``10 20`` or ``10-`` → (start, end or None)."""
    text = text.strip().replace(" ", "-", 1)
    start_text, _, end_text = text.partition("-")
    start = int(start_text)
    end = int(end_text) if end_text.strip() else None
    if start < 0 or (end is not None and end < start):
        raise ValueError(text)
    return start, end


class OmixFtpServer(SegmentCommands, aioftp.Server):
    """The authenticated pre-upload endpoint. Use through ``PreuploadFtpServer``."""

    read_only: ClassVar[bool] = False
    """Listings offer reading only and hide dot names (the anonymous public server)."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        *,
        idle_timeout: float = IDLE_TIMEOUT,
        data_timeout: float = DATA_TIMEOUT,
    ) -> None:
        low, high = settings.ftp_passive_ports
        super().__init__(
            _NoUsers(),
            block_size=settings.ftp_block_size,
            wait_future_timeout=DATA_CONNECT_TIMEOUT,
            data_ports=range(low, high + 1),
            welcome_message=WELCOME,
        )
        self.settings = settings
        self.database = database
        self.tls = server_context(settings)
        self.data_tls = data_context(settings)
        self.command_idle_timeout = idle_timeout
        self.data_timeout = data_timeout
        self.checksums = asyncio.Semaphore(max(1, settings.checksum_concurrency))
        self.io = ThreadPoolExecutor(32, thread_name_prefix="omix-ftp-io")
        self.resume_cache = ResumeCache()
        self.assemblies = Assemblies(settings.segments_root)
        self.closing = False
        self.stop_hashing = threading.Event()
        self.finishing: set[asyncio.Task[Any]] = set()
        self.ended_streams: weakref.WeakSet[StreamIO] = weakref.WeakSet()
        commands: dict[str, tuple[Command, bool]] = {
            # name: (handler, needs login)
            "user": (self.user, False),
            "pass": (self.pass_, False),
            "auth": (self.auth, False),
            "pbsz": (self.pbsz, False),
            "prot": (self.prot, False),
            "feat": (self.feat, False),
            "opts": (self.opts, False),
            "noop": (self.noop, False),
            "syst": (self.syst, False),
            "quit": (self.quit, False),
            "help": (self.help, False),
            "type": (self.type, False),
            "mode": (self.mode, False),
            "stru": (self.stru, False),
            "allo": (self.allo, True),
            "pwd": (self.pwd, True),
            "xpwd": (self.pwd, True),
            "cwd": (self.cwd, True),
            "xcwd": (self.cwd, True),
            "cdup": (self.cdup, True),
            "xcup": (self.cdup, True),
            "mkd": (self.mkd, True),
            "xmkd": (self.mkd, True),
            "rmd": (self.rmd, True),
            "xrmd": (self.rmd, True),
            "dele": (self.dele, True),
            "rnfr": (self.rnfr, True),
            "rnto": (self.rnto, True),
            "size": (self.size, True),
            "mdtm": (self.mdtm, True),
            "mlst": (self.mlst, True),
            "mlsd": (self.mlsd, True),
            "list": (self.list, True),
            "nlst": (self.nlst, True),
            "pasv": (self.pasv, True),
            "epsv": (self.epsv, True),
            "rest": (self.rest, True),
            "segm": (self.segm, True),
            "stor": (self.stor, True),
            "appe": (self.appe, True),
            "retr": (self.retr, True),
            "abor": (self.abor, True),
            "xmd5": (self.xmd5, True),
            "hash": (self.hash, True),
            "rang": (self.rang, True),
            _EOF: (self._client_left, False),
            _IDLE: (self._idle, False),
            _TOO_LONG: (self._too_long, False),
        }
        self.commands_mapping = {
            name: self._guard(handler, login, name) for name, (handler, login) in commands.items()
        }

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

    async def blocking(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.io, function, *args)

    async def write_response(
        self, stream: StreamIO, code: Any, lines: Any = "", list: bool = False
    ) -> None:
        if isinstance(code, _StartTls):
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
                return _IDLE, ""
            except ValueError:
                return _TOO_LONG, ""
            except (ConnectionError, ssl.SSLError, OSError):
                self.ended_streams.add(stream)
                return _EOF, ""
            break
        if not line:
            self.ended_streams.add(stream)
            return _EOF, ""
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

    # --- login -----------------------------------------------------------------------

    async def greeting(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        self.session(connection)
        return await super().greeting(connection, rest)

    async def user(self, connection: Connection, rest: str) -> bool:
        session = self.session(connection)
        if session.user_id is not None:
            connection.response("503", f"Already logged in as {session.email}.")
            return True
        name = rest.strip()
        if not name:
            connection.response("501", "USER needs your OMIX account email.")
        elif name.lower() in ("anonymous", "ftp"):
            session.pending_email = None
            connection.response(
                "530",
                "Anonymous login is not allowed on the pre-upload server: "
                "log in with your OMIX account email and password.",
            )
        else:
            session.pending_email = name
            connection.response("331", f"Password required for {name}.")
        return True

    def _still_signed_in(self, session: FtpSession) -> bool:
        """False once the account's password changed or it signed out after PASS."""
        if session.user_id is None or session.signed_in_at is None:
            return True
        with self.database.session() as db:
            return password_session_valid(db, session.user_id, session.signed_in_at)

    def _check_password(self, email: str, password: str, address: str) -> tuple[int | None, str]:
        with self.database.session() as db:
            try:
                account = authenticate(db, email, password, address)
            except ApiError as error:
                # the session commits on a normal exit: the failure count is kept
                if error.code == "too_many_attempts":
                    return None, f"Login refused: {error.message}"
                return None, "Login incorrect: wrong email or password."
            return account.id, account.email

    async def pass_(self, connection: Connection, rest: str) -> bool:
        session = self.session(connection)
        if session.user_id is not None:
            connection.response("503", "Already logged in.")
            return True
        if session.pending_email is None:
            connection.response("503", "Send USER with your account email first.")
            return True
        email, session.pending_email = session.pending_email, None
        address = str(connection.client_host)
        user_id, detail = await asyncio.to_thread(self._check_password, email, rest, address)
        if user_id is None:
            await asyncio.sleep(FAILED_LOGIN_DELAY)
            connection.response("530", detail)
            return True
        home = home_folder(self.settings.preupload_root, user_id)
        await asyncio.to_thread(home.mkdir, parents=True, exist_ok=True)
        session.user_id, session.email, session.home = user_id, detail, home
        session.signed_in_at = utcnow()
        connection.user = aioftp.User(login=detail, base_path=home)
        connection.logged = True
        connection.current_directory = ROOT
        connection.response("230", "Logged in. This is your pre-upload folder.")
        return True

    # --- TLS -------------------------------------------------------------------------

    async def auth(self, connection: Connection, rest: str) -> bool:
        mechanism = rest.strip().upper()
        if self.tls is None:
            connection.response("534", NOT_CONFIGURED)
        elif mechanism not in ("TLS", "SSL", "TLS-C", "TLS-P"):
            connection.response("504", f"AUTH {mechanism} is not supported; use AUTH TLS.")
        elif is_secure(connection.command_connection.writer.transport):
            connection.response("503", "The connection is already protected by TLS.")
        else:
            connection.response("234", f"AUTH {mechanism} accepted; start the TLS handshake.")
            connection.response(_StartTls(self.tls))
            if mechanism in ("SSL", "TLS-P"):
                self._set_protection(connection, True)
        return True

    def _secure(self, connection: Connection) -> bool:
        return is_secure(connection.command_connection.writer.transport)

    async def pbsz(self, connection: Connection, rest: str) -> bool:
        if not self._secure(connection):
            connection.response("503", "PBSZ needs AUTH TLS first.")
        else:
            self.session(connection).pbsz_seen = True
            connection.response("200", "PBSZ=0")
        return True

    def _set_protection(self, connection: Connection, protect: bool) -> None:
        session = self.session(connection)
        if session.protect_data != protect and connection.future.passive_server.done():
            # the listening socket was made for the other protection level
            connection.passive_server.close()
            if self.available_data_ports is not None:
                self.available_data_ports.put_nowait((0, connection.passive_server_port))
            del connection.passive_server
        session.protect_data = protect

    async def prot(self, connection: Connection, rest: str) -> bool:
        level = rest.strip().upper()
        if not self._secure(connection):
            connection.response("503", "PROT needs AUTH TLS first.")
        elif level == "P":
            self._set_protection(connection, True)
            connection.response("200", "Data connections will be protected by TLS.")
        elif level == "C":
            self._set_protection(connection, False)
            connection.response("200", "Data connections will be clear text.")
        else:
            connection.response("504", f"PROT {level} is not supported; use P or C.")
        return True

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
                    lambda: DataChannel(ready),
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

    # --- simple commands ---------------------------------------------------------------

    def features(self) -> list[str]:
        lines = []
        if self.tls is not None:
            lines += ["AUTH TLS", "PBSZ", "PROT"]
        lines += [
            "EPSV",
            "PASV",
            "MDTM",
            "SIZE",
            "REST STREAM",
            "MLST type*;size*;modify*;perm*;",
            "UTF8",
            "TVFS",
            "XMD5",
            "HASH MD5*",
            "RANG STREAM",
            SEGMENTS_FEATURE,
        ]
        return lines

    async def feat(self, connection: Connection, rest: str) -> bool:
        connection.response("211", ["Features:", *self.features(), "End"], True)
        return True

    async def opts(self, connection: Connection, rest: str) -> bool:
        option, _, value = rest.strip().partition(" ")
        option = option.upper()
        if option == "UTF8":
            connection.response("200", "UTF8 is always on.")
        elif option == "MLST":
            connection.response("200", "MLST OPTS type;size;modify;perm;")
        elif option == "HASH":
            if value.strip() and value.strip().upper() != "MD5":
                connection.response("501", "Unknown algorithm; this server supports MD5 only.")
            else:
                connection.response("200", "MD5")
        else:
            connection.response("501", f"Option {option} not understood.")
        return True

    async def noop(self, connection: Connection, rest: str) -> bool:
        connection.response("200", "NOOP ok.")
        return True

    async def help(self, connection: Connection, rest: str) -> bool:
        names = sorted(name.upper() for name in self.commands_mapping if name.isalpha())
        connection.response("214", ["Commands:", " ".join(names), "Help ok."], True)
        return True

    async def quit(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        await self._client_left(connection, "")
        connection.response("221", "Goodbye.")
        return False

    async def type(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        kind = str(rest).strip().upper()
        if kind in ("I", "L 8", "L8", "A", "A N"):
            connection.transfer_type = kind[0]
            connection.response("200", f"Type set to {kind}.")
        else:
            connection.response("504", f"Type {kind} not supported.")
        return True

    async def mode(self, connection: Connection, rest: str) -> bool:
        if rest.strip().upper() == "S":
            connection.response("200", "Mode S ok.")
        else:
            connection.response("504", "Only stream mode (S) is supported.")
        return True

    async def stru(self, connection: Connection, rest: str) -> bool:
        if rest.strip().upper() == "F":
            connection.response("200", "Structure F ok.")
        else:
            connection.response("504", "Only file structure (F) is supported.")
        return True

    async def allo(self, connection: Connection, rest: str) -> bool:
        connection.response("202", "No storage allocation necessary.")
        return True

    # --- navigation and file management -------------------------------------------------

    async def pwd(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        connection.response("257", f"{_quote(connection.current_directory)} is the current folder.")
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
        connection.response("257", f"{_quote(virtual)} created.")
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
        await asyncio.to_thread(records.forget, self.database, user_id, record_path(virtual))
        connection.response("250", f"{virtual} removed.")
        return True

    async def dele(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        virtual, real = self.resolve(connection, str(rest))
        user_id = self.session(connection).user_id
        assert user_id is not None
        if not await self.blocking(os.path.isfile, real):
            connection.response("550", f"{virtual}: no such file.")
            return True
        if records.is_uploading(user_id, record_path(virtual)):
            connection.response("450", f"{virtual} is being uploaded right now; try again later.")
            return True
        await self.blocking(os.unlink, real)
        self.resume_cache.forget(real)
        await asyncio.to_thread(self.assemblies.forget, user_id, record_path(virtual))
        await asyncio.to_thread(records.forget, self.database, user_id, record_path(virtual))
        await asyncio.to_thread(
            records.settle, self.database, self.settings, user_id, record_path(virtual)
        )
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
        if records.is_uploading(session.user_id, record_path(old_virtual)):
            connection.response("450", f"{old_virtual} is being uploaded right now.")
            return True
        await self.blocking(os.rename, old_real, real)
        self.resume_cache.forget(old_real)
        moved = await asyncio.to_thread(
            records.rename,
            self.database,
            session.user_id,
            record_path(old_virtual),
            record_path(virtual),
        )
        for before, after in moved:
            for path in (before, after):
                await asyncio.to_thread(
                    records.settle, self.database, self.settings, session.user_id, path
                )
        connection.response("250", f"Renamed to {virtual}.")
        return True

    async def _stat(self, real: Path) -> os.stat_result | None:
        try:
            return await self.blocking(os.stat, real)  # type: ignore[no-any-return]
        except (FileNotFoundError, NotADirectoryError):
            return None

    async def size(self, connection: Connection, rest: str) -> bool:
        virtual, real = self.resolve(connection, rest)
        stat = await self._stat(real)
        if stat is None or not stat_module.S_ISREG(stat.st_mode):
            connection.response("550", f"{virtual}: no such file.")
        else:
            connection.response("213", str(stat.st_size))
        return True

    async def mdtm(self, connection: Connection, rest: str) -> bool:
        virtual, real = self.resolve(connection, rest)
        stat = await self._stat(real)
        if stat is None or not stat_module.S_ISREG(stat.st_mode):
            connection.response("550", f"{virtual}: no such file.")
        else:
            connection.response("213", _mlsx_time(stat.st_mtime))
        return True

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
            lines = await self.blocking(_list_directory, real, style, self.read_only)
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
        try:
            stream = await self._data_stream(connection)
        except TimeoutError:
            connection.response("425", "Cannot open data connection.")
            return True
        stream = self._take_data_stream(connection)
        try:
            await stream.write(payload)
        except (ConnectionError, ssl.SSLError):
            connection.response("426", "Data connection closed; listing incomplete.")
            return True
        finally:
            stream.close()
        connection.response("226", "Listing sent.")
        return True

    async def mlsd(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        return await self._listing(connection, str(rest), "mlsd")

    async def list(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        return await self._listing(connection, str(rest), "list")

    async def nlst(self, connection: Connection, rest: str) -> bool:
        return await self._listing(connection, rest, "nlst")

    # --- transfers ---------------------------------------------------------------------

    async def rest(self, connection: Connection, rest: str) -> bool:
        text = rest.strip()
        session = self.session(connection)
        if text.isdigit():
            session.restart_offset = int(text)
            connection.response("350", f"Restarting at {int(text)}; send STOR or RETR.")
        else:
            session.restart_offset = 0
            connection.response("501", f"REST needs a byte offset, not {text!r}.")
        return True

    async def stor(
        self, connection: Connection, rest: str | PurePosixPath, mode: str = "wb"
    ) -> bool:
        append = mode == "ab"
        session = self.session(connection)
        offset = 0 if append else session.restart_offset
        session.restart_offset = 0
        if self._needs_passive(connection):
            return True
        assert session.user_id is not None
        virtual, real = self.resolve(connection, str(rest))
        if virtual == ROOT:
            connection.response("553", "Give a file name to upload to.")
            return True
        refusal = name_refusal(virtual)
        if refusal is not None:
            connection.response(REFUSED, refusal)
            return True
        stat = await self._stat(real)
        if stat is not None and not stat_module.S_ISREG(stat.st_mode):
            connection.response("553", f"{virtual} is a folder, not a file.")
            return True
        if not await self.blocking(os.path.isdir, real.parent):
            connection.response(
                "553", f"Folder {virtual.parent} does not exist; create it with MKD first."
            )
            return True
        segment, session.segment = session.segment, None
        if segment is not None:
            return await self._stor_segment(connection, session.user_id, virtual, real, segment)
        current = stat.st_size if stat is not None else 0
        if offset > current:
            connection.response("554", self._past_end(virtual, offset, current))
            return True
        path = record_path(virtual)
        if not records.claim_upload(session.user_id, path):
            connection.response(
                "450", f"{virtual} is being uploaded by another connection; try again later."
            )
            return True
        if self.assemblies.is_assembling(session.user_id, path):
            # a whole-file upload replaces an unfinished segmented one
            await asyncio.to_thread(self.assemblies.forget, session.user_id, path)
        self._spawn(
            connection,
            self._receive_file(connection, session.user_id, virtual, real, offset, append),
        )
        start = current if append else offset
        connection.response("150", f"Ready to receive {virtual} from byte {start}.")
        return True

    @staticmethod
    def _past_end(virtual: PurePosixPath, offset: int, size: int) -> str:
        return (
            f"Cannot restart at byte {offset}: {virtual} has only {size} bytes on the server. "
            f"Resume from byte {size} (REST {size}) or upload it again from the start."
        )

    async def appe(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        return await self.stor(connection, rest, "ab")

    async def _receive_file(
        self,
        connection: Connection,
        user_id: int,
        virtual: PurePosixPath,
        real: Path,
        offset: int,
        append: bool,
    ) -> bool:
        path = record_path(virtual)
        try:
            try:
                await self._data_stream(connection)
            except TimeoutError:
                connection.response("425", "Cannot open data connection.")
                return True
            stream = self._take_data_stream(connection)
            upload = HashingUpload(real, self.io, self.resume_cache)
            problem: BaseException | None = None
            finish: asyncio.Task[tuple[int, str | None]] | None = None
            try:
                try:
                    start = await upload.open(offset, append)
                except ValueError as error:
                    connection.response("554", self._past_end(virtual, offset, int(str(error))))
                    return True
                await asyncio.to_thread(records.begin_upload, self.database, user_id, path, start)
                try:
                    await self._pump(stream, upload)
                except (ConnectionError, TimeoutError, ssl.SSLError, OSError) as error:
                    problem = error
            finally:
                stream.close()
                if upload.hasher is not None:
                    cut = interruption_of(problem)
                    finish = asyncio.create_task(self._finish(upload, user_id, path, cut))
                    self.finishing.add(finish)
                    finish.add_done_callback(self.finishing.discard)
            assert finish is not None
            size, md5 = await asyncio.shield(finish)
            if isinstance(problem, DiskFullError) or (problem and is_disk_full(problem)):
                connection.response(
                    "452",
                    f"{DISK_FULL}: the upload of {virtual} stopped at byte {size}. "
                    f"The partial file is kept; resume it (REST {size} or APPE) "
                    "when the archive has freed space.",
                )
            elif problem is not None:
                log.info("upload of %s for user %s cut: %r", path, user_id, problem)
                connection.response(
                    "426",
                    f"Data connection lost: {size} bytes of {virtual} are kept; "
                    f"resume with REST {size} or APPE.",
                )
            elif md5 is None:
                connection.response("451", f"{virtual}: {size} bytes stored, MD5 not finished.")
            else:
                connection.response(
                    "226", f"Transfer complete: {virtual}, {size} bytes, MD5 {md5}."
                )
            return True
        except asyncio.CancelledError:
            connection.response("426", f"Transfer of {virtual} aborted; what arrived is kept.")
            connection.response("226", "ABOR successful.")
            return True
        finally:
            records.release_upload(user_id, path)

    async def _pump(self, stream: DataChannel, upload: HashingUpload) -> None:
        """Receive whole blocks on the loop; a worker thread writes them in order."""
        await stream.receive(upload.write_block, self.io, self.block_size, self.data_timeout)

    async def _finish(
        self,
        upload: HashingUpload,
        user_id: int,
        path: str,
        interruption: Interruption | None = None,
    ) -> tuple[int, str | None]:
        try:
            md5 = await upload.finish(wait_hash=not self.closing)
        except (OSError, asyncio.CancelledError) as error:
            log.warning("MD5 of %s (user %s) not finished: %r", path, user_id, error)
            upload.abandon()
            md5 = None
        await asyncio.to_thread(
            records.end_upload, self.database, user_id, path, upload.size, md5, interruption
        )
        if md5 is not None and interruption is None:
            await asyncio.to_thread(records.settle, self.database, self.settings, user_id, path)
        return upload.size, md5

    async def retr(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        session = self.session(connection)
        offset, session.restart_offset = session.restart_offset, 0
        if self._needs_passive(connection):
            return True
        virtual, real = self.resolve(connection, str(rest))
        stat = await self._stat(real)
        if stat is None or not stat_module.S_ISREG(stat.st_mode):
            connection.response("550", f"{virtual}: no such file.")
            return True
        if offset > stat.st_size:
            connection.response("554", self._past_end(virtual, offset, stat.st_size))
            return True
        self._spawn(connection, self._send_file(connection, virtual, real, offset))
        connection.response("150", f"Sending {virtual} from byte {offset}.")
        return True

    async def _send_file(
        self, connection: Connection, virtual: PurePosixPath, real: Path, offset: int
    ) -> bool:
        try:
            await self._data_stream(connection)
        except TimeoutError:
            connection.response("425", "Cannot open data connection.")
            return True
        stream = self._take_data_stream(connection)
        try:
            handle = await self.blocking(open, real, "rb")
        except BaseException:
            stream.close()
            raise
        try:
            await self.blocking(handle.seek, offset)
            while True:
                data = await self.blocking(handle.read, self.block_size)
                if not data:
                    break
                await stream.write(data)
        except (ConnectionError, ssl.SSLError):
            connection.response("426", "Data connection lost during download.")
            return True
        except asyncio.CancelledError:
            connection.response("426", "Download aborted.")
            connection.response("226", "ABOR successful.")
            return True
        finally:
            stream.close()
            await self.blocking(handle.close)
        connection.response("226", f"Download of {virtual} complete.")
        return True

    async def abor(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        if connection.extra_workers:
            for worker in connection.extra_workers:
                worker.cancel()
        else:
            connection.response("226", "No transfer to abort.")
        return True

    # --- checksums ---------------------------------------------------------------------

    async def _checksum(
        self,
        connection: Connection,
        virtual: PurePosixPath,
        real: Path,
        start: int,
        end: int | None,
    ) -> tuple[str, int] | None:
        stat = await self._stat(real)
        if stat is None or not stat_module.S_ISREG(stat.st_mode):
            connection.response("550", f"{virtual}: no such file.")
            return None
        if start > stat.st_size or (end is not None and end > stat.st_size):
            connection.response(
                "554",
                f"Range {start}-{end} is outside {virtual}, which has {stat.st_size} bytes.",
            )
            return None
        user_id = self.session(connection).user_id
        assert user_id is not None
        path = record_path(virtual)
        whole = start == 0 and end in (None, stat.st_size)
        if whole and not records.is_uploading(user_id, path):
            known = await asyncio.to_thread(
                records.known_md5, self.database, user_id, path, stat.st_size
            )
            if known:
                return known, stat.st_size
        async with self.checksums:
            try:
                return await self.blocking(md5_of_range, real, start, end, self.stop_hashing)  # type: ignore[no-any-return]
            except HashingStopped:
                connection.response("421", "Server shutting down.")
                return None

    @staticmethod
    def _split_range_args(rest: str) -> tuple[str, int, int | None]:
        words = rest.split(" ")
        if len(words) >= 3 and words[-1].isdigit() and words[-2].isdigit():
            return " ".join(words[:-2]), int(words[-2]), int(words[-1])
        return rest, 0, None

    async def xmd5(self, connection: Connection, rest: str) -> bool:
        name, start, end = self._split_range_args(rest.strip())
        if not name:
            connection.response("501", "Usage: XMD5 <path> [<start> <end>]")
            return True
        if end is not None and end < start:
            connection.response("501", "The end of the range comes before its start.")
            return True
        virtual, real = self.resolve(connection, name)
        result = await self._checksum(connection, virtual, real, start, end)
        if result is not None:
            connection.response("250", result[0])
        return True

    async def rang(self, connection: Connection, rest: str) -> bool:
        session = self.session(connection)
        text = rest.strip()
        if not text or text in ("0-0", "1 0", "1-0"):
            session.hash_range = None
            connection.response("350", "Range reset: HASH covers whole files.")
            return True
        try:
            session.hash_range = _parse_range(text)
        except ValueError:
            connection.response("501", "Usage: RANG <start> <end> (end is exclusive).")
            return True
        start, end = session.hash_range
        connection.response("350", f"Next HASH covers bytes {start}-{'' if end is None else end}.")
        return True

    async def hash(self, connection: Connection, rest: str) -> bool:
        session = self.session(connection)
        name = rest.strip()
        start, end = session.hash_range or (0, None)
        session.hash_range = None
        if not name:
            connection.response("501", "Usage: HASH <path> (after RANG <start> <end> if wanted)")
            return True
        virtual, real = self.resolve(connection, name)
        result = await self._checksum(connection, virtual, real, start, end)
        if result is not None:
            digest, stop = result
            connection.response("213", f"MD5 {start}-{stop} {digest} {virtual}")
        return True
