"""``put``, ``retry``, ``status`` and ``md5``: the transfer engine from a terminal.

The queue lives in the data folder, so an interrupted ``put`` (Ctrl-C, a
crash, a reboot) resumes when any upload command runs again; every file
ends verified against the MD5 the server computed while receiving it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omix_desktop.i18n.errors import fill, suggested_action_label, transfer_failure_message
from omix_desktop.i18n.format import format_size
from omix_desktop.i18n.preflight import issue_text
from omix_desktop.i18n.translator import Translator
from omix_desktop.transfer import (
    HashCache,
    ItemState,
    UploadQueue,
    format_manifest,
    hash_files,
    plan_uploads,
    preflight_check,
)
from omix_desktop.transfer.segmented import policy_for
from omix_desktop.transfer.throttle import SpeedSchedule
from omix_desktop.upload_cli.commands import Commands, add_command, json_option
from omix_desktop.upload_cli.context import FAILED, INTERRUPTED, OK, USAGE, Cli, Exit
from omix_desktop.upload_cli.progress import TerminalProgress


def put(cli: Cli) -> int:
    _ = cli.tr.gettext
    planned = plan_uploads([Path(p) for p in cli.args.paths], remote_base=cli.args.remote_dir)
    report = preflight_check(planned)
    for issue in report.warnings:
        cli.say(f"! {issue.remote}: {issue_text(issue, cli.tr, rename_hint=False)}")
    if report.errors:
        for issue in report.errors:
            cli.warn(f"✗ {issue.remote}: {issue_text(issue, cli.tr, rename_hint=False)}")
        count = len({issue.local for issue in report.errors})
        message = cli.tr.ngettext(
            "Nothing was sent: {count} file must be fixed first.",
            "Nothing was sent: {count} files must be fixed first.",
            count,
        )
        raise Exit(USAGE, fill(message, {"count": count}))
    if not planned:
        raise Exit(USAGE, _("No files to upload in what was given."))
    return run_queue(cli, lambda queue: queue.add(planned))


def retry(cli: Cli) -> int:
    ids = [int(value) for value in cli.args.ids] or None
    return run_queue(
        cli,
        lambda queue: [  # the retried files and those an earlier run left unfinished
            *queue.retry(ids),
            *queue.items([ItemState.QUEUED, ItemState.UPLOADING, ItemState.UPLOADED]),
        ],
    )


def run_queue(cli: Cli, work: Callable[[UploadQueue], Any]) -> int:
    """Start the engine on the account's queue, do ``work``, wait until all settled."""
    account, password, client = cli.signed_in()
    store = cli.store(account)
    view = TerminalProgress(cli.tr)

    async def run() -> list[Any]:
        settings = await cli.ftp_settings(account, password, client)
        hash_cache = HashCache(cli.paths.data_dir)
        limit = cli.args.limit_rate * 1024 if cli.args.limit_rate else None
        queue = UploadQueue(
            store,
            settings,
            hash_cache=hash_cache,
            concurrency=cli.args.parallel,
            speed_limit=limit,
            segments=policy_for(cli.args.connections),
        )
        queue.events.subscribe(view)
        try:
            async with queue:
                if cli.args.bwlimit is not None:
                    queue.set_speed_schedule(cli.args.bwlimit)
                touched = {item.id for item in work(queue) or []}
                await queue.wait_settled()
                # this run's files only, not the whole history of the queue
                return [item for item in queue.items() if item.id in touched]
        finally:
            hash_cache.close()

    try:
        items = asyncio.run(run())
    except KeyboardInterrupt:
        view.finish()
        raise Exit(
            INTERRUPTED, cli.tr.gettext("Interrupted: run the same command again to resume.")
        ) from None
    finally:
        store.close()
        client.close()
    view.finish()
    failed = [item for item in items if item.state is ItemState.FAILED]
    verified = [item for item in items if item.state is ItemState.VERIFIED]
    waiting = len(items) - len(failed) - len(verified)
    counts = {"verified": len(verified), "failed": len(failed), "waiting": waiting}
    if waiting:
        cli.say(
            fill(
                cli.tr.gettext(
                    "{verified} verified, {failed} failed, {waiting} not sent (the queue is "
                    "paused: omix-upload retry)."
                ),
                counts,
            )
        )
    else:
        cli.say(fill(cli.tr.gettext("{verified} verified, {failed} failed."), counts))
    return OK if len(verified) == len(items) else FAILED


def status(cli: Cli) -> int:
    _ = cli.tr.gettext
    account = cli.account()
    store = cli.store(account)
    try:
        items = store.items()
    finally:
        store.close()
    if cli.json:
        cli.say(json.dumps([item_json(item) for item in items], indent=2))
        return FAILED if any(i.state is ItemState.FAILED for i in items) else OK
    sections = (
        (_("Queued"), [i for i in items if i.list_name == "queued"]),
        (_("Failed"), [i for i in items if i.list_name == "failed"]),
        (_("Successful"), [i for i in items if i.list_name == "successful"]),
    )
    for title, rows in sections:
        cli.say(f"{title} ({len(rows)})")
        for item in rows:
            cli.say("  " + _status_line(cli.tr, item))
    return FAILED if sections[1][1] else OK


def _status_line(tr: Translator, item: Any) -> str:
    size = format_size(item.size, tr.locale)
    line = f"{item.id:>5}  {item.remote_path}  {size}"
    if item.state is ItemState.FAILED:
        reason = transfer_failure_message(item.reason or "", item.reason_params or {}, tr)
        action = suggested_action_label(item.action, tr) if item.action else ""
        return f"{line}  {reason}" + (f" → {action}" if action else "")
    if item.state is ItemState.VERIFIED:
        return f"{line}  {item.md5 or ''}"
    paused = tr.gettext("paused") if item.paused else str(item.state.value)
    return f"{line}  {paused}"


def md5(cli: Cli) -> int:
    planned = plan_uploads([Path(p) for p in cli.args.files])
    paths = [item.local for item in planned]
    missing = [path for path in paths if not path.is_file()]
    if missing:
        raise Exit(USAGE, fill(cli.tr.gettext("No such file: {path}"), {"path": missing[0]}))
    cache = HashCache(cli.paths.data_dir)
    errors: dict[Path, OSError] = {}
    try:
        digests = asyncio.run(
            hash_files(paths, cache=cache, concurrency=cli.args.jobs, errors=errors)
        )
    except KeyboardInterrupt:
        raise Exit(INTERRUPTED) from None
    finally:
        cache.close()
    names = {item.local: str(item.remote) for item in planned}
    text = format_manifest((names[path], digests[path]) for path in paths if path in digests)
    if cli.args.output:
        Path(cli.args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    for path, error in errors.items():
        cli.warn(f"✗ {path}: {error.strerror or error}")
    return FAILED if errors else OK


def item_json(item: Any) -> dict[str, Any]:
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


def speed_schedule_option(value: str) -> SpeedSchedule:
    try:
        return SpeedSchedule.parse(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def connections_option(value: str) -> int:
    """``auto`` (0) or a number of connections per file."""
    if value == "auto":
        return 0
    try:
        count = int(value)
    except ValueError:
        count = -1
    if count < 1:
        raise argparse.ArgumentTypeError(value)
    return count


def transfer_options(command: argparse.ArgumentParser, tr: Translator) -> None:
    _ = tr.gettext
    command.add_argument(
        "--tls", choices=("auto", "on", "off"), default="auto",
        help=_("FTP encryption (default: auto)"),
    )  # fmt: skip
    command.add_argument(
        "--parallel", type=int, default=2, help=_("files uploaded at the same time (default: 2)")
    )
    command.add_argument(
        "--connections", default="auto", metavar="N|auto", type=connections_option,
        help=_(
            "connections one large file is sent over at once when the server supports it "
            "(default: auto, adding connections while the speed grows; 1: one stream)"
        ),
    )  # fmt: skip
    command.add_argument(
        "--bwlimit", type=speed_schedule_option, default=None, metavar="TIMETABLE",
        help=_(
            "speed limits by time of day over all files, as rclone's --bwlimit: "
            "\"08:00,2M 19:00,off\" is 2 MiB/s from 8:00 and no limit from 19:00"
        ),
    )  # fmt: skip
    command.add_argument(
        "--limit-rate", type=int, default=0, metavar="KIB",
        help=_("speed limit in KiB/s over all files (default: none)"),
    )  # fmt: skip
    command.add_argument(
        "--ftp-port", type=int, default=0,
        help=_("FTP port (default: the one the server announces)"),
    )  # fmt: skip


def register(commands: Commands, tr: Translator) -> None:
    _ = tr.gettext
    upload_exits = _(
        "Exit codes: 0 every file verified, 1 some files failed (see `omix-upload status`), "
        "2 names or sizes refused before sending, 3 authentication, 4 server unreachable, "
        "130 interrupted (run again to resume)."
    )
    put_command = add_command(
        commands, "put", tr,
        help=_("upload files and folders (folders keep their structure)"),
        example=["omix-upload put run1/ run2/sample.fq.gz --remote-dir 2026-batch"],
        exits=upload_exits, handler=put,
    )  # fmt: skip
    put_command.add_argument("paths", nargs="+", metavar="PATH")
    put_command.add_argument(
        "--remote-dir", default="", help=_("folder under your FTP home to upload into")
    )
    transfer_options(put_command, tr)

    retry_command = add_command(
        commands, "retry", tr,
        help=_("upload failed files again"),
        example=["omix-upload retry", "omix-upload retry 3 7"],
        exits=upload_exits, handler=retry,
    )  # fmt: skip
    retry_command.add_argument("ids", nargs="*", metavar="ID")
    transfer_options(retry_command, tr)

    status_command = add_command(
        commands, "status", tr,
        help=_("the Queued, Failed and Successful lists"),
        example=["omix-upload status", "omix-upload status --json | jq '.[].md5'"],
        exits=_("Exit codes: 0 nothing failed, 1 some files failed, 3 not signed in."),
        handler=status,
    )  # fmt: skip
    json_option(status_command, tr)

    md5_command = add_command(
        commands, "md5", tr,
        help=_("MD5 of files, as an md5sum-compatible manifest"),
        example=["omix-upload md5 run1/ -o run1.md5 && md5sum -c run1.md5"],
        exits=_("Exit codes: 0 done, 1 some files could not be read, 2 no such file."),
        handler=md5,
    )  # fmt: skip
    md5_command.add_argument("files", nargs="+", metavar="FILE")
    md5_command.add_argument("-o", "--output", help=_("write the manifest to this file"))
    md5_command.add_argument(
        "--jobs", type=int, default=None, help=_("files hashed at the same time")
    )
