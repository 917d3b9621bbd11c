"""What every ``omix-upload`` command shares: exit codes, the account, API calls, output.

A command is a function of :class:`Cli`; it prints with :meth:`Cli.say` or
:meth:`Cli.emit` (``--json``) and stops with :class:`Exit`, whose code is
the documented exit code. API failures become exits here, in one place, so
every command maps them the same way (see :mod:`.messages` for the words).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel

from omix_desktop.api import ApiClient, ApiError, AuthenticationError, ServerUnavailableError
from omix_desktop.api.errors import ValidationError
from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.translator import Translator
from omix_desktop.paths import AppPaths
from omix_desktop.transfer import FtpSettings, QueueStore, probe_tls, queue_folder
from omix_desktop.upload_cli.account import (
    DEFAULT_SERVER,
    PASSWORD_VARIABLE,
    Account,
    AccountFile,
    password_for,
)
from omix_desktop.upload_cli.messages import error_lines

OK, FAILED, USAGE, AUTH, UNREACHABLE, TIMED_OUT, INTERRUPTED = 0, 1, 2, 3, 4, 5, 130

Result = TypeVar("Result")


class Exit(Exception):
    """Stop with ``code`` after printing ``message`` (already translated) to stderr."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Cli:
    """One run of ``omix-upload``: its options, translator, folders and account."""

    def __init__(self, args: argparse.Namespace, tr: Translator) -> None:
        self.args = args
        self.tr = tr
        self.paths = AppPaths.under(args.home) if args.home else AppPaths.default()
        self.accounts = AccountFile(self.paths.config_dir)

    # -- output --------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        print(text, flush=True)

    def warn(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    @property
    def json(self) -> bool:
        return bool(getattr(self.args, "json", False))

    def emit(self, value: Any) -> None:
        """``value`` (models, lists and dicts of them) as indented JSON on stdout."""
        self.say(json.dumps(to_json(value), indent=2, ensure_ascii=False))

    def confirm(self, question: str) -> None:
        """Go on after ``--yes`` or a "y" typed on a terminal; otherwise stop (exit 2).

        A script never hangs on a question it cannot answer: without a
        terminal, ``--yes`` is required.
        """
        if getattr(self.args, "yes", False):
            return
        if not sys.stdin.isatty():
            message = self.tr.gettext("{question} Add --yes to confirm.")
            raise Exit(USAGE, fill(message, {"question": question}))
        answer = input(fill(self.tr.gettext("{question} [y/N] "), {"question": question}))
        if answer.strip().lower() not in {"y", "yes", "是"}:
            raise Exit(FAILED, self.tr.gettext("Nothing was changed."))

    # -- account -------------------------------------------------------------------

    def server(self, stored: Account | None) -> str:
        """``--server``, else the last one used, else the local reference server."""
        chosen = self.args.server or (stored.server_url if stored else "") or DEFAULT_SERVER
        return str(chosen).rstrip("/")

    def account(self) -> Account:
        stored = self.accounts.load()
        server = self.server(stored)
        email = stored.email if stored and stored.server_url == server else ""
        if not email:
            raise Exit(AUTH, self.tr.gettext("Not signed in: run `omix-upload login` first."))
        return Account(server, email)

    def password(self, account: Account) -> str:
        prompt = fill(self.tr.gettext("Password for {email}: "), {"email": account.email})
        password = password_for(account, prompt, stdin=self.args.password_stdin)
        if not password:
            raise Exit(
                AUTH,
                fill(
                    self.tr.gettext(
                        "No password for {email}: this machine has no keyring to remember it. "
                        "Set {variable} or use --password-stdin."
                    ),
                    {"email": account.email, "variable": PASSWORD_VARIABLE},
                ),
            )
        return password

    def signed_in(self) -> tuple[Account, str, ApiClient]:
        """The account, its password (FTP needs it) and a signed-in API client."""
        account = self.account()
        password = self.password(account)
        client = ApiClient(account.server_url)
        self.call(client.login, account.email, password)
        return account, password, client

    def client(self) -> ApiClient:
        """A signed-in API client, for the commands that need no FTP."""
        return self.signed_in()[2]

    def call(
        self,
        function: Callable[..., Result],
        *args: Any,
        values: Mapping[str, Any] | None = None,
    ) -> Result:
        """Run one API call; its failure becomes an exit with a terminal message.

        ``values`` is what was sent (a request body, ``{"accession": …}``), so
        a refusal can name the value along with the field.
        """
        server = str(getattr(getattr(function, "__self__", None), "server_url", ""))
        try:
            return function(*args)
        except ServerUnavailableError as error:
            raise Exit(UNREACHABLE, self._message(error, values, server)) from error
        except AuthenticationError as error:
            raise Exit(AUTH, self._message(error, values, server)) from error
        except ValidationError as error:
            raise Exit(USAGE, self._message(error, values, server)) from error
        except ApiError as error:
            code = USAGE if error.status == 404 else FAILED
            raise Exit(code, self._message(error, values, server)) from error

    def _message(self, error: ApiError, values: Mapping[str, Any] | None, server: str) -> str:
        return "\n".join(error_lines(error, values or {}, self.tr, server=server))

    def store(self, account: Account) -> QueueStore:
        root = self.paths.data_dir / "uploads-cli"
        folder = queue_folder(root, account.server_url, account.email)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return QueueStore(folder)

    async def ftp_settings(self, account: Account, password: str, client: ApiClient) -> FtpSettings:
        health = await asyncio.to_thread(self.call, client.health)
        port = self.args.ftp_port or int(health.get("ftp_port") or 21)
        host = urlsplit(account.server_url).hostname or "127.0.0.1"
        settings = FtpSettings(host, port, account.email, password)
        mode = self.args.tls
        if mode == "on" or (mode == "auto" and await probe_tls(settings)):
            return replace(settings, tls=True)
        return settings


def to_json(value: Any) -> Any:
    """Plain JSON data of API models (their wire names), lists and dicts of them."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    return value


def accession_of(file_id: str) -> str:
    """``OMIX000001-01`` → ``OMIX000001``: a file id names its dataset."""
    head, _sep, tail = file_id.rpartition("-")
    return head if head and tail.isdigit() else file_id
