"""Command line of ``omix-upload``: parse, run one command, map failures to exit codes.

Every command is a thin use of the engine (``omix_desktop.transfer``) and the
API client (``omix_desktop.api``); nothing here knows FTP or HTTP details.
The queue lives in the data folder, so an interrupted ``put`` (Ctrl-C, a
crash, a reboot) resumes when any upload command runs again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from omix_desktop.api import ApiClient, ApiError, AuthenticationError, ServerUnavailableError
from omix_desktop.api.credentials import CredentialStore
from omix_desktop.api.errors import ValidationError
from omix_desktop.i18n.errors import (
    api_error_message,
    fill,
    problem_message,
    suggested_action_label,
    transfer_failure_message,
)
from omix_desktop.i18n.format import format_size
from omix_desktop.i18n.preflight import issue_text
from omix_desktop.i18n.translator import Translator, match_language, system_language
from omix_desktop.paths import AppPaths
from omix_desktop.transfer import (
    FtpSettings,
    HashCache,
    ItemState,
    QueueStore,
    UploadQueue,
    format_manifest,
    hash_files,
    plan_uploads,
    preflight_check,
    probe_tls,
    queue_folder,
)
from omix_desktop.upload_cli.account import (
    DEFAULT_SERVER,
    PASSWORD_VARIABLE,
    Account,
    AccountFile,
    password_for,
)
from omix_desktop.upload_cli.dataset_file import DatasetFileError, read_dataset_file
from omix_desktop.upload_cli.progress import TerminalProgress

OK, FAILED, USAGE, AUTH, UNREACHABLE, INTERRUPTED = 0, 1, 2, 3, 4, 130
WAIT_TIMEOUT = 600.0


class Exit(Exception):
    """Stop with ``code`` after printing ``message`` (already translated) to stderr."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Cli:
    """One run of ``omix-upload``: its translator, folders and account."""

    def __init__(self, args: argparse.Namespace, tr: Translator) -> None:
        self.args = args
        self.tr = tr
        self.paths = AppPaths.under(args.home) if args.home else AppPaths.default()
        self.accounts = AccountFile(self.paths.config_dir)

    # -- plumbing -----------------------------------------------------------------------

    def say(self, text: str) -> None:
        print(text, flush=True)

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
        account = self.account()
        password = self.password(account)
        client = ApiClient(account.server_url)
        self.call(client.login, account.email, password)
        return account, password, client

    def call(self, function: Any, *args: Any) -> Any:
        """Run one API call; its failure becomes an exit with the server's message."""
        try:
            return function(*args)
        except ServerUnavailableError as error:
            raise Exit(UNREACHABLE, api_error_message(error, self.tr)) from error
        except AuthenticationError as error:
            raise Exit(AUTH, api_error_message(error, self.tr)) from error
        except ValidationError as error:
            lines = [
                f"{problem.field or '-'}: {problem_message(problem, self.tr)}"
                for problem in error.problems
            ] or [api_error_message(error, self.tr)]
            raise Exit(USAGE, "\n".join(lines)) from error
        except ApiError as error:
            raise Exit(FAILED, api_error_message(error, self.tr)) from error

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

    # -- commands -----------------------------------------------------------------------

    def login(self) -> int:
        _ = self.tr.gettext
        stored = self.accounts.load()
        server = self.server(stored)
        email = self.args.email or (stored.email if stored else "")
        if not email:
            if not sys.stdin.isatty():
                raise Exit(USAGE, _("Give the account's email with --email."))
            email = input(_("Email: ")).strip()
        account = Account(server, email)
        if self.args.password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = os.environ.get(PASSWORD_VARIABLE) or self.password(account)
        client = ApiClient(server)
        result = self.call(client.login, email, password)
        self.call(client.logout)
        self.accounts.save(account)
        self.say(
            fill(
                _("Signed in to {server} as {name}."),
                {"server": server, "name": result.user.display_name},
            )
        )
        if CredentialStore(server).save(email, password):
            self.say(_("The password is kept in the system's keyring."))
        else:
            self.say(
                fill(
                    _(
                        "This machine has no keyring: the password is not stored. "
                        "Set {variable} or use --password-stdin for the other commands."
                    ),
                    {"variable": PASSWORD_VARIABLE},
                )
            )
        return OK

    def logout(self) -> int:
        stored = self.accounts.load()
        if stored is not None and stored.email:
            CredentialStore(stored.server_url).forget(stored.email)
        self.accounts.forget()
        self.say(self.tr.gettext("Signed out; the password was removed from the keyring."))
        return OK

    def put(self) -> int:
        _ = self.tr.gettext
        planned = plan_uploads([Path(p) for p in self.args.paths], remote_base=self.args.remote_dir)
        report = preflight_check(planned)
        for issue in report.warnings:
            self.say(f"! {issue.remote}: {issue_text(issue, self.tr, rename_hint=False)}")
        if report.errors:
            for issue in report.errors:
                print(
                    f"✗ {issue.remote}: {issue_text(issue, self.tr, rename_hint=False)}",
                    file=sys.stderr,
                )
            count = len({issue.local for issue in report.errors})
            message = self.tr.ngettext(
                "Nothing was sent: {count} file must be fixed first.",
                "Nothing was sent: {count} files must be fixed first.",
                count,
            )
            raise Exit(USAGE, fill(message, {"count": count}))
        if not planned:
            raise Exit(USAGE, _("No files to upload in what was given."))
        return self._run_queue(lambda queue: queue.add(planned))

    def retry(self) -> int:
        ids = [int(value) for value in self.args.ids] or None
        return self._run_queue(lambda queue: queue.retry(ids))

    def _run_queue(self, work: Any) -> int:
        account, password, client = self.signed_in()
        store = self.store(account)
        view = TerminalProgress(self.tr)

        async def run() -> list[Any]:
            settings = await self.ftp_settings(account, password, client)
            hash_cache = HashCache(self.paths.data_dir)
            limit = self.args.limit_rate * 1024 if self.args.limit_rate else None
            queue = UploadQueue(
                store,
                settings,
                hash_cache=hash_cache,
                concurrency=self.args.parallel,
                speed_limit=limit,
            )
            queue.events.subscribe(view)
            try:
                async with queue:
                    work(queue)
                    await queue.wait_settled()
                    return queue.items()
            finally:
                hash_cache.close()

        try:
            items = asyncio.run(run())
        except KeyboardInterrupt:
            view.finish()
            raise Exit(
                INTERRUPTED,
                self.tr.gettext("Interrupted: run the same command again to resume."),
            ) from None
        finally:
            store.close()
            client.close()
        view.finish()
        failed = [item for item in items if item.state is ItemState.FAILED]
        verified = [item for item in items if item.state is ItemState.VERIFIED]
        self.say(
            fill(
                self.tr.gettext("{verified} verified, {failed} failed."),
                {"verified": len(verified), "failed": len(failed)},
            )
        )
        return FAILED if failed else OK

    def status(self) -> int:
        _ = self.tr.gettext
        account = self.account()
        store = self.store(account)
        try:
            items = store.items()
        finally:
            store.close()
        if self.args.json:
            self.say(json.dumps([_item_json(item) for item in items], indent=2))
            return FAILED if any(i.state is ItemState.FAILED for i in items) else OK
        sections = (
            (_("Queued"), [i for i in items if i.list_name == "queued"]),
            (_("Failed"), [i for i in items if i.list_name == "failed"]),
            (_("Successful"), [i for i in items if i.list_name == "successful"]),
        )
        for title, rows in sections:
            self.say(f"{title} ({len(rows)})")
            for item in rows:
                self.say("  " + self._status_line(item))
        return FAILED if sections[1][1] else OK

    def _status_line(self, item: Any) -> str:
        size = format_size(item.size, self.tr.locale)
        line = f"{item.id:>5}  {item.remote_path}  {size}"
        if item.state is ItemState.FAILED:
            reason = transfer_failure_message(item.reason or "", item.reason_params or {}, self.tr)
            action = suggested_action_label(item.action, self.tr) if item.action else ""
            return f"{line}  {reason}" + (f" → {action}" if action else "")
        if item.state is ItemState.VERIFIED:
            return f"{line}  {item.md5 or ''}"
        paused = self.tr.gettext("paused") if item.paused else item.state.value
        return f"{line}  {paused}"

    def md5(self) -> int:
        planned = plan_uploads([Path(p) for p in self.args.files])
        paths = [item.local for item in planned]
        missing = [path for path in paths if not path.is_file()]
        if missing:
            raise Exit(USAGE, fill(self.tr.gettext("No such file: {path}"), {"path": missing[0]}))
        cache = HashCache(self.paths.data_dir)
        errors: dict[Path, OSError] = {}
        try:
            digests = asyncio.run(
                hash_files(paths, cache=cache, concurrency=self.args.jobs, errors=errors)
            )
        except KeyboardInterrupt:
            raise Exit(INTERRUPTED) from None
        finally:
            cache.close()
        names = {item.local: str(item.remote) for item in planned}
        text = format_manifest((names[path], digests[path]) for path in paths if path in digests)
        if self.args.output:
            Path(self.args.output).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        for path, error in errors.items():
            print(f"✗ {path}: {error.strerror or error}", file=sys.stderr)
        return FAILED if errors else OK

    def submit(self) -> int:
        _ = self.tr.gettext
        account, _password, client = self.signed_in()
        store = self.store(account)
        cache = HashCache(self.paths.data_dir)
        try:
            known = {str(item.remote_path): item.md5 for item in store.items() if item.md5}
            parsed = read_dataset_file(
                Path(self.args.file), lambda entry: _md5_of(entry, known, cache)
            )
        except DatasetFileError as error:
            raise Exit(USAGE, self._dataset_file_message(error)) from error
        finally:
            cache.close()
            store.close()
        for index, local in parsed.online.items():
            upload = self.call(client.upload_online, local)
            parsed.body["files"][index]["upload"] = upload.token
        dataset = self.call(client.create_dataset, parsed.body)
        self.say(fill(_("Submitted {accession}."), {"accession": dataset.accession}))
        if not self.args.wait:
            return OK
        return self._wait(client, dataset.accession)

    def _dataset_file_message(self, error: DatasetFileError) -> str:
        return fill(self.tr.gettext(error.template), error.params)

    def _wait(self, client: ApiClient, accession: str) -> int:
        import time

        deadline = time.monotonic() + self.args.timeout
        delay = 0.5
        while True:
            dataset = self.call(client.dataset, accession)
            if dataset.status != "Checking" or time.monotonic() > deadline:
                break
            time.sleep(delay)
            delay = min(delay * 1.5, 10.0)
        self.say(f"{accession}: {dataset.status}")  # the archive's own status names
        return OK if dataset.status == "Archived" else FAILED


def _md5_of(
    entry: Mapping[str, Any], known: Mapping[str, str | None], cache: HashCache
) -> str | None:
    if "path" in entry:
        return known.get(str(PurePosixPath(str(entry["path"]))))
    local = Path(str(entry["local"])).expanduser()
    return cache.get(local.absolute())


def _item_json(item: Any) -> dict[str, Any]:
    return {
        "id": item.id,
        "list": item.list_name,
        "state": item.state.value,
        "local": str(item.local_path),
        "remote": str(item.remote_path),
        "size": item.size,
        "md5": item.md5,
        "remote_md5": item.remote_md5,
        "reason": item.reason,
        "action": item.action,
    }


def _version() -> str:
    try:
        return version("omix-desktop")
    except PackageNotFoundError:
        return "0+unknown"


def build_parser(tr: Translator) -> argparse.ArgumentParser:
    _ = tr.gettext
    parser = argparse.ArgumentParser(
        prog="omix-upload",
        description=_("Upload files to an OMIX archive and submit datasets, from a terminal."),
        epilog=_(
            "Exit codes: 0 done, 1 some files failed, 2 usage error or input refused, "
            "3 authentication, 4 server unreachable, 130 interrupted (run again to resume)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"omix-upload {_version()}")
    parser.add_argument("--server", help=_("archive server address (default: the last one used)"))
    parser.add_argument("--home", type=Path, help=_("folder for settings, queue and hash cache"))
    parser.add_argument("--lang", help=_("language of messages: en or zh_CN"))
    parser.add_argument("-v", "--verbose", action="store_true", help=_("log what happens"))
    parser.add_argument(
        "--password-stdin", action="store_true", help=_("read the password from standard input")
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    login = commands.add_parser("login", help=_("sign in and remember the account"))
    login.add_argument("--email", help=_("the account's email"))
    commands.add_parser("logout", help=_("forget the account and its password"))

    def transfer_options(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--tls",
            choices=("auto", "on", "off"),
            default="auto",
            help=_("FTP encryption (default: auto)"),
        )
        command.add_argument(
            "--parallel",
            type=int,
            default=2,
            help=_("files uploaded at the same time (default: 2)"),
        )
        command.add_argument(
            "--limit-rate",
            type=int,
            default=0,
            metavar="KIB",
            help=_("speed limit in KiB/s over all files (default: none)"),
        )
        command.add_argument(
            "--ftp-port",
            type=int,
            default=0,
            help=_("FTP port (default: the one the server announces)"),
        )

    put = commands.add_parser(
        "put", help=_("upload files and folders (folders keep their structure)")
    )
    put.add_argument("paths", nargs="+", metavar="PATH")
    put.add_argument(
        "--remote-dir", default="", help=_("folder under your FTP home to upload into")
    )
    transfer_options(put)

    retry = commands.add_parser("retry", help=_("upload failed files again"))
    retry.add_argument("ids", nargs="*", metavar="ID")
    transfer_options(retry)

    status = commands.add_parser("status", help=_("the Queued, Failed and Successful lists"))
    status.add_argument("--json", action="store_true", help=_("machine-readable output"))

    md5 = commands.add_parser("md5", help=_("MD5 of files, as an md5sum-compatible manifest"))
    md5.add_argument("files", nargs="+", metavar="FILE")
    md5.add_argument("-o", "--output", help=_("write the manifest to this file"))
    md5.add_argument("--jobs", type=int, default=None, help=_("files hashed at the same time"))

    submit = commands.add_parser("submit", help=_("create a dataset from a dataset.toml file"))
    submit.add_argument("file", metavar="DATASET_TOML")
    submit.add_argument("--wait", action="store_true", help=_("wait until the files are checked"))
    submit.add_argument("--timeout", type=float, default=WAIT_TIMEOUT, help=_("seconds to wait"))
    return parser


def translator_for(argv: Sequence[str]) -> Translator:
    language = None
    for index, value in enumerate(argv):
        if value == "--lang" and index + 1 < len(argv):
            language = match_language(argv[index + 1])
        elif value.startswith("--lang="):
            language = match_language(value.split("=", 1)[1])
    return Translator(language or system_language())


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    tr = translator_for(argv)
    args = build_parser(tr).parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR,
        format="%(levelname)s %(name)s: %(message)s",
    )
    cli = Cli(args, tr)
    try:
        return int(getattr(cli, args.command)())
    except BrokenPipeError:  # `omix-upload status | head`: the reader has all it wanted
        sys.stdout = None  # type: ignore[assignment]  # nothing more to flush at exit
        return OK
    except Exit as stop:
        if stop.message:
            print(stop.message, file=sys.stderr, flush=True)
        return stop.code
    except KeyboardInterrupt:
        return INTERRUPTED
