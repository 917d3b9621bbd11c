"""``datasets list|show|watch|edit|release``: follow and change one's submissions.

These are the guide's "My submissions" screen for a terminal: the table,
one dataset with its files (both MD5s, and why a file failed or still
checks), waiting until the checks settle, editing basic information, and
early release.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from typing import Any

from omix_desktop.api import ApiClient
from omix_desktop.api.archive_models import Dataset
from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.translator import Translator
from omix_desktop.upload_cli.commands import (
    Commands,
    add_command,
    exit_codes_common,
    group,
    json_option,
    yes_option,
)
from omix_desktop.upload_cli.context import FAILED, OK, TIMED_OUT, USAGE, Cli, Exit
from omix_desktop.upload_cli.diagnosis import file_reason
from omix_desktop.upload_cli.output import size, table, when

WATCH_TIMEOUT = 600.0
SETTLED = {"archived": {"Archived", "Released"}, "released": {"Released"}}
EDITABLE = (
    "title", "description", "organism", "human_genetic_resource", "data_type", "data_subtype",
    "access", "bioproject", "release_date", "most_registration_number",
)  # fmt: skip


def list_datasets(cli: Cli) -> int:
    _ = cli.tr.gettext
    client = cli.client()
    rows = cli.call(client.my_datasets, cli.args.query)
    if cli.json:
        cli.emit(rows)
        return OK
    if not rows:
        cli.say(_("No dataset yet: submit one with `omix-upload submit dataset.toml`."))
        return OK
    headers = [_("ID"), _("Title"), _("Organism"), _("Access"), _("Last edit"), _("Status"),
               _("Curation")]  # fmt: skip
    cells = [
        [r.accession, r.title, r.organism, r.access, when(r.updated_at), r.status,
         r.curation_status]
        for r in rows
    ]  # fmt: skip
    for line in table(headers, cells):
        cli.say(line)
    return OK


def load(cli: Cli, client: ApiClient, accession: str) -> Dataset:
    dataset: Dataset = cli.call(client.dataset, accession, values={"accession": accession})
    return dataset


def show(cli: Cli) -> int:
    client = cli.client()
    dataset = load(cli, client, cli.args.accession)
    if cli.json:
        cli.emit(dataset)
    else:
        print_dataset(cli, client, dataset)
    return OK


def print_dataset(cli: Cli, client: ApiClient, dataset: Dataset) -> None:
    """The summary, then each file with both MD5s and what to do when it is not archived."""
    _ = cli.tr.gettext
    summary = [
        (_("Accession"), dataset.accession), (_("Title"), dataset.title),
        (_("Organism"), dataset.organism), (_("Data type"),
                                            f"{dataset.data_type} / {dataset.data_subtype}"),
        (_("Access"), dataset.access), (_("BioProject"), dataset.bioproject),
        (_("Release date"), when(dataset.release_date)),
        (_("MOST number"), dataset.most_registration_number or "-"),
        (_("Status"), dataset.status), (_("Curation"), dataset.curation_status),
        (_("Last edit"), when(dataset.updated_at)),
        (_("Released"), when(dataset.released_at)),
    ]  # fmt: skip
    for line in table(["", ""], [[f"{label}:", value] for label, value in summary])[1:]:
        cli.say(line)
    if dataset.curation_message:
        cli.say(fill(_("Curator's message: {message}"), {"message": dataset.curation_message}))
    cli.say()
    headers = [_("File"), _("Name"), _("Size"), _("Status"), _("Your MD5"), _("Server's MD5")]
    rows = [
        [f.file_id, f.name, size(f.size, cli.tr), f.status, f.md5, f.md5_server or "-"]
        for f in dataset.files
    ]
    for line in table(headers, rows):
        cli.say(line)
    for file in dataset.files:
        if file.status == "Archived":
            continue
        diagnosis = cli.call(client.file_diagnosis, dataset.accession, file.file_id)
        cli.say(f"  {file.file_id}: {file_reason(diagnosis, file.name, cli.tr)}")


def watch(cli: Cli) -> int:
    """Poll until the status settles; the exit code says how it ended."""
    _ = cli.tr.gettext
    client = cli.client()
    accession = cli.args.accession
    settled = SETTLED[cli.args.until]
    deadline = time.monotonic() + cli.args.timeout
    delay, seen = 0.3, ""
    while True:
        dataset = load(cli, client, accession)
        state = f"{dataset.status} · {dataset.curation_status}"
        if state != seen and not cli.json:
            cli.say(f"{when_now()}  {accession}: {state}")
        seen = state
        if dataset.status in settled or dataset.status == "MD5 Checked Failed":
            break
        if time.monotonic() > deadline:
            if cli.json:
                cli.emit(dataset)
            raise Exit(TIMED_OUT, fill(_("{accession} is still {status} after {seconds} s; "
                                         "run `omix-upload datasets watch {accession}` again."),
                                       {"accession": accession, "status": dataset.status,
                                        "seconds": round(cli.args.timeout)}))  # fmt: skip
        time.sleep(delay)
        delay = min(delay * 1.5, 5.0)
    if cli.json:
        cli.emit(dataset)
    if dataset.status == "MD5 Checked Failed":
        if not cli.json:
            print_dataset(cli, client, dataset)
        return FAILED
    return OK


def when_now() -> str:
    return time.strftime("%H:%M:%S")


def edit(cli: Cli) -> int:
    _ = cli.tr.gettext
    changes: dict[str, Any] = {
        name: getattr(cli.args, name) for name in EDITABLE if getattr(cli.args, name) is not None
    }
    if not changes:
        raise Exit(USAGE, _("Nothing to change: give at least one option, e.g. --title …"))
    return apply(cli, cli.args.accession, changes, _("Saved {accession}."))


def apply(cli: Cli, accession: str, changes: dict[str, Any], done: str) -> int:
    """PATCH the dataset; print the result (or its JSON)."""
    client = cli.client()
    values = {"accession": accession, **changes}
    dataset = cli.call(client.update_dataset, accession, changes, values=values)
    if cli.json:
        cli.emit(dataset)
    else:
        cli.say(fill(done, {"accession": accession, "date": when(dataset.release_date)}))
    return OK


def release(cli: Cli) -> int:
    _ = cli.tr.gettext
    when_date: date = cli.args.date or date.today()
    cli.warn(
        _(
            "Early release makes the dataset public once it is curated; after release "
            "its files and information can no longer be changed. Reviewer links close."
        )
    )
    question = fill(_("Release {accession} on {date}?"),
                    {"accession": cli.args.accession, "date": when_date.isoformat()})  # fmt: skip
    cli.confirm(question)
    done = _(
        "Release date of {accession} set to {date}: it is released on that date once curated "
        "(follow it with `omix-upload datasets watch {accession} --until released`)."
    )
    return apply(cli, cli.args.accession, {"release_date": when_date}, done)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: YYYY-MM-DD") from error


def register(commands: Commands, tr: Translator) -> None:
    _ = tr.gettext
    sub = group(
        commands, "datasets", tr,
        help=_("list, show, follow, edit and release your datasets"),
        example=["omix-upload datasets list", "omix-upload datasets show OMIX000001"],
    )  # fmt: skip
    listing = add_command(
        sub, "list", tr,
        help=_("your datasets: ID, title, organism, access, last edit, status, curation"),
        example=["omix-upload datasets list --query rice"],
        exits=exit_codes_common(tr), handler=list_datasets,
    )  # fmt: skip
    listing.add_argument("--query", default="", help=_("only those whose ID, title or organism "
                                                       "contains this"))  # fmt: skip
    json_option(listing, tr)

    one = add_command(
        sub, "show", tr,
        help=_("one dataset: its summary and files, both MD5s, and why a file is not archived"),
        example=["omix-upload datasets show OMIX000001"],
        exits=exit_codes_common(tr), handler=show,
    )  # fmt: skip
    one.add_argument("accession", metavar="OMIX_ID")
    json_option(one, tr)

    follow = add_command(
        sub, "watch", tr,
        help=_("follow the status until it settles"),
        example=["omix-upload datasets watch OMIX000001 && echo archived",
                 "omix-upload datasets watch OMIX000001 --until released"],
        exits=_("Exit codes: 0 archived (or released with --until released), 1 MD5 Checked "
                "Failed (the files and reasons are printed), 2 not your dataset, "
                "3 authentication, 4 server unreachable, 5 still not settled at --timeout."),
        handler=watch,
    )  # fmt: skip
    follow.add_argument("accession", metavar="OMIX_ID")
    follow.add_argument("--until", choices=sorted(SETTLED), default="archived",
                        help=_("what to wait for (default: archived)"))  # fmt: skip
    follow.add_argument("--timeout", type=float, default=WATCH_TIMEOUT,
                        help=_("seconds to wait (default: 600)"))  # fmt: skip
    json_option(follow, tr)

    change = add_command(
        sub, "edit", tr,
        help=_("change basic information (before release; the MOST number also after)"),
        example=["omix-upload datasets edit OMIX000001 --title 'Leaf transcriptome, 3 stages'"],
        exits=exit_codes_common(tr), handler=edit,
    )  # fmt: skip
    change.add_argument("accession", metavar="OMIX_ID")
    change.add_argument("--title")
    change.add_argument("--description")
    change.add_argument("--organism", help=_("a taxonomy name, or 'mixed sample'"))
    change.add_argument("--human-genetic-resource", dest="human_genetic_resource",
                        action=argparse.BooleanOptionalAction, default=None,
                        help=_("human genetic resource data (needs Homo sapiens)"))  # fmt: skip
    change.add_argument("--data-type", dest="data_type")
    change.add_argument("--data-subtype", dest="data_subtype")
    change.add_argument("--access", choices=("open", "controlled"))
    change.add_argument("--bioproject", help=_("one of `omix-upload bioproject list`"))
    change.add_argument("--release-date", dest="release_date", type=_date, metavar="YYYY-MM-DD")
    change.add_argument("--most-number", dest="most_registration_number", metavar="NUMBER")
    json_option(change, tr)

    early = add_command(
        sub, "release", tr,
        help=_("release early: set an earlier release date (it releases once curated)"),
        example=["omix-upload datasets release OMIX000001 --yes",
                 "omix-upload datasets release OMIX000001 --date 2026-09-01"],
        exits=_("Exit codes: 0 date set, 1 not confirmed, 2 refused or --yes missing without "
                "a terminal, 3 authentication, 4 server unreachable."),
        handler=release,
    )  # fmt: skip
    early.add_argument("accession", metavar="OMIX_ID")
    early.add_argument("--date", type=_date, metavar="YYYY-MM-DD",
                       help=_("the new release date (default: today)"))  # fmt: skip
    yes_option(early, tr)
    json_option(early, tr)
