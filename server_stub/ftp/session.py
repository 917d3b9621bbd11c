"""Session commands: USER/PASS, explicit TLS (AUTH, PBSZ, PROT) and the simple ones
(FEAT, OPTS, NOOP, HELP, QUIT, TYPE, MODE, STRU, ALLO).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import PurePosixPath

from aioftp.common import Connection

from server_stub.accounts import authenticate
from server_stub.errors import ApiError
from server_stub.ftp.jail import home_folder
from server_stub.ftp.protocol import (
    FAILED_LOGIN_DELAY,
    FtpProtocol,
    StartTls,
)
from server_stub.ftp.segments import FEATURE as SEGMENTS_FEATURE
from server_stub.ftp.tls import NOT_CONFIGURED, is_secure
from server_stub.models import utcnow

log = logging.getLogger(__name__)


class SessionCommands(FtpProtocol):
    """Login against the archive's accounts, TLS upgrade, and protocol chatter."""

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
        email = self._waiting_for_password(connection, "Send USER with your account email first.")
        if email is None:
            return True
        address = str(connection.client_host)
        user_id, detail = await asyncio.to_thread(self._check_password, email, rest, address)
        if user_id is None:
            await asyncio.sleep(FAILED_LOGIN_DELAY)
            connection.response("530", detail)
            return True
        home = home_folder(self.settings.preupload_root, user_id)
        await asyncio.to_thread(home.mkdir, parents=True, exist_ok=True)
        session = self._log_in(
            connection, user_id, detail, home, "Logged in. This is your pre-upload folder."
        )
        session.signed_in_at = utcnow()
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
            connection.response(StartTls(self.tls))
            if mechanism in ("SSL", "TLS-P"):
                self._set_protection(connection, True)
        return True

    def _secure(self, connection: Connection) -> bool:
        return is_secure(connection.command_connection.writer.transport)

    async def pbsz(self, connection: Connection, rest: str | PurePosixPath) -> bool:
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

    async def prot(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        level = str(rest).strip().upper()
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
