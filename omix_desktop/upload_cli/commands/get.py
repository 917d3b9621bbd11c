"""``get``: download released files over HTTPS, resumable, each checked against its ``.md5``.

It runs the desktop's Released data download code
(:mod:`omix_desktop.transfer.http_download`): the file grows as
``<name>.part`` and takes its name only once its MD5 equals the archive's
``.md5`` companion, which is saved beside it so ``md5sum -c`` can check it
again later. A large file comes as byte ranges over several connections at
once (:mod:`omix_desktop.transfer.segmented_download`, adaptive by default,
``--connections N`` to fix the number); files one after the other.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from omix_desktop.api import ApiClient, ApiError, NotFoundError
from omix_desktop.api.archive_models import PublicFile
from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.format import format_percent_value
from omix_desktop.i18n.translator import Translator
from omix_desktop.transfer.http_download import Download, DownloadError
from omix_desktop.transfer.segmented_download import RangePolicy, fetch_segmented
from omix_desktop.upload_cli.commands import Commands, add_command, json_option
from omix_desktop.upload_cli.context import (
    FAILED,
    INTERRUPTED,
    OK,
    USAGE,
    Cli,
    Exit,
    accession_of,
)
from omix_desktop.upload_cli.output import size

MAX_CONNECTIONS = 16


def _client(cli: Cli) -> ApiClient:
    """Signed in when an account is set up (controlled files need it), else anonymous."""
    stored = cli.accounts.load()
    server = cli.server(stored)
    if stored is not None and stored.email and stored.server_url == server:
        return cli.client()
    return ApiClient(server)


def _download_error(error: DownloadError, tr: Translator) -> str:
    _ = tr.gettext
    texts = {
        "not_approved": _("Not allowed: this controlled file needs the submitter's approval "
                          "of your access request (and `omix-upload login` as that user)."),
        "not_found": _("The server no longer offers this file; see the dataset's page."),
        "disk_full": _("The disk is full: free some space and run the same command again "
                       "(it resumes)."),
        "permission_denied": _("Cannot write into the folder: choose another with -o."),
        "md5_mismatch": _("The file did not match the archive's MD5 ({expected}, got {got}); "
                          "it was removed: run the same command again."),
        "connection": _("The connection failed repeatedly; run the same command again "
                        "(it resumes from the bytes already received)."),
        "server_error": _("The server refused the download ({detail})."),
    }  # fmt: skip
    text = texts.get(error.code, error.code)
    return fill(text, {"detail": error.detail, **error.params})


class _Bar:
    """Progress of one file on a terminal (nothing in a log: only the result lines)."""

    def __init__(self, name: str, tr: Translator) -> None:
        self.name = name
        self.tr = tr
        self.live = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.live or not total:
            return
        percent = format_percent_value(done / total, self.tr.locale)
        width = shutil.get_terminal_size((100, 20)).columns - 1
        sys.stderr.write(f"\r{self.name}  {percent}"[:width].ljust(width))
        sys.stderr.flush()

    def done(self) -> None:
        if self.live:
            sys.stderr.write("\r" + " " * (shutil.get_terminal_size((100, 20)).columns - 1) + "\r")


def _files(cli: Cli, client: ApiClient, wanted: str) -> list[PublicFile]:
    accession = accession_of(wanted)
    try:
        detail = client.public_dataset(accession)
    except NotFoundError as error:
        raise Exit(USAGE, fill(cli.tr.gettext(
            "{accession} is not a released dataset; see the released data at "
            "{server}/browse."), {"accession": accession, "server": client.server_url},
        )) from error  # fmt: skip
    except ApiError:
        detail = cli.call(client.public_dataset, accession, values={"accession": accession})
    files = [f for f in detail.files if wanted in (accession, f.file_id)]
    if not files:
        raise Exit(USAGE, fill(cli.tr.gettext("{file_id} is not a file of {accession}."),
                               {"file_id": wanted, "accession": accession}))  # fmt: skip
    return files


def _one(cli: Cli, client: ApiClient, item: PublicFile, folder: Path) -> dict[str, object]:
    """Fetch one file and its ``.md5``; the result row (``error`` set when it failed)."""
    companion = ""
    if item.md5_url:
        try:
            companion = client.md5_companion(client.on_this_server(item.md5_url))
        except ApiError:
            companion = ""
    expected = companion.split()[0].lower() if companion.strip() else (item.md5 or "")
    if not companion and expected:
        companion = f"{expected}  {item.name}\n"
    destination = folder / item.name
    row: dict[str, object] = {"file_id": item.file_id, "path": str(destination),
                              "size": item.size, "md5": expected, "error": None,
                              "connections": 0, "received": 0}  # fmt: skip
    bar = _Bar(item.name, cli.tr)
    job = Download(client.on_this_server(item.download_url), destination, expected, item.size)
    count = cli.args.connections
    policy = RangePolicy() if count is None else RangePolicy.fixed(count)
    peak = [0]

    def connections(now: int) -> None:
        peak[0] = max(peak[0], now)

    try:
        got = fetch_segmented(client.http, job, policy=policy, progress=bar,
                              on_connections=connections)  # fmt: skip
        row["connections"], row["received"] = peak[0], job.received
    except DownloadError as error:
        bar.done()
        row["error"] = error.code
        cli.warn(f"✗ {item.name}  {_download_error(error, cli.tr)}")
        return row
    bar.done()
    if companion:
        (folder / f"{item.name}.md5").write_text(companion, encoding="utf-8")
    row["md5"] = got
    if not cli.json:
        params = {"name": destination, "size": size(item.size, cli.tr), "md5": got}
        cli.say(fill(cli.tr.gettext("✓ {name}  {size}  verified, MD5 {md5}"), params))
    return row


def get(cli: Cli) -> int:
    folder = Path(cli.args.output).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    client = _client(cli)
    rows: list[dict[str, object]] = []
    try:
        for wanted in cli.args.ids:
            for item in _files(cli, client, wanted):
                rows.append(_one(cli, client, item, folder))
    except KeyboardInterrupt:
        raise Exit(INTERRUPTED, cli.tr.gettext(
            "Interrupted: run the same command again to resume.")) from None  # fmt: skip
    finally:
        client.close()
    if cli.json:
        cli.emit(rows)
    return FAILED if any(row["error"] for row in rows) else OK


def _connections(tr: Translator) -> Callable[[str], int | None]:
    """``--connections``: ``auto`` (``None``: adaptive) or a number of connections."""

    def parse(text: str) -> int | None:
        if text.strip().lower() == "auto":
            return None
        if text.strip().isdigit() and 1 <= int(text) <= MAX_CONNECTIONS:
            return int(text)
        raise argparse.ArgumentTypeError(fill(tr.gettext(
            "{value} is not a number of connections: give 1 to {most}, or auto."),
            {"value": text, "most": MAX_CONNECTIONS}))  # fmt: skip

    return parse


def register(commands: Commands, tr: Translator) -> None:
    _ = tr.gettext
    command = add_command(
        commands, "get", tr,
        help=_("download released files over HTTPS, resumable, each checked against its .md5"),
        details=_(
            "A file grows as NAME.part and takes its name only once its MD5 equals the "
            "archive's; its .md5 is saved beside it, so `md5sum -c NAME.md5` checks it again. "
            "Run the same command again to resume an interrupted download: only the missing "
            "parts are fetched. A file of 4 MiB or more comes in byte ranges over several "
            "connections at once (from 4, more while the speed grows, at most 8; "
            "--connections sets the number), files one after the other. Controlled files "
            "need `omix-upload login` as a user whose access request was approved."
        ),
        example=["omix-upload get OMIX000001 -o data/ && (cd data && md5sum -c *.md5)",
                 "omix-upload get OMIX000001-02"],
        exits=_("Exit codes: 0 every file verified, 1 some files failed (the reason is "
                "printed), 2 not released or no such file, 3 authentication, 4 server "
                "unreachable, 130 interrupted (run again to resume)."),
        handler=get,
    )  # fmt: skip
    command.add_argument("ids", nargs="+", metavar="OMIX_ID|FILE_ID")
    command.add_argument("-o", "--output", default=".", metavar="DIR",
                         help=_("folder to download into (default: the current one)"))  # fmt: skip
    command.add_argument(
        "--connections", type=_connections(tr), default=None, metavar="N|auto",
        help=_("connections per file: a number from 1 (one stream) to 16, or auto "
               "(default: from 4, more while the speed grows, up to 8)"),
    )  # fmt: skip
    json_option(command, tr)
