"""``review-link create|show|close`` and ``most-number``: sharing before release, and
the MOST registration number, which stays editable after release.

The server keeps only a hash of a reviewer link's token, so its address is
printed once, by ``create``; ``show`` can only say whether a link is open.
"""

from __future__ import annotations

from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.translator import Translator
from omix_desktop.upload_cli.commands import (
    Commands,
    add_command,
    exit_codes_common,
    group,
    json_option,
)
from omix_desktop.upload_cli.commands.datasets import apply
from omix_desktop.upload_cli.context import FAILED, OK, Cli
from omix_desktop.upload_cli.output import when


def create_link(cli: Cli) -> int:
    _ = cli.tr.gettext
    accession: str = cli.args.accession
    client = cli.client()
    link = cli.call(client.create_review_link, accession, values={"accession": accession})
    if cli.json:
        cli.emit(link)
        return OK
    cli.say(link.url or "")
    if link.replaced:
        cli.warn(_("The link open before is closed: its address no longer works."))
    cli.warn(
        _(
            "Send this address to the reviewers; it shows the metadata, never the files. It "
            "cannot be shown again: keep it. It closes at release or with "
            "`omix-upload review-link close`."
        )
    )
    return OK


def show_link(cli: Cli) -> int:
    _ = cli.tr.gettext
    accession: str = cli.args.accession
    client = cli.client()
    link = cli.call(client.review_link, accession, values={"accession": accession})
    if cli.json:
        cli.emit({"accession": accession, "open": link is not None, "link": link})
        return OK if link is not None else FAILED
    if link is None:
        cli.say(fill(_("{accession} has no open reviewer link; make one with "
                       "`omix-upload review-link create {accession}`."),
                     {"accession": accession}))  # fmt: skip
        return FAILED
    cli.say(fill(_("{accession} has a reviewer link open since {since}; its address was "
                   "printed when it was made (make a new one to get an address again)."),
                 {"accession": accession, "since": when(link.created_at)}))  # fmt: skip
    return OK


def close_link(cli: Cli) -> int:
    accession: str = cli.args.accession
    client = cli.client()
    cli.call(client.close_review_link, accession, values={"accession": accession})
    cli.say(fill(cli.tr.gettext("The reviewer link of {accession} is closed."),
                 {"accession": accession}))  # fmt: skip
    return OK


def most_number(cli: Cli) -> int:
    done = cli.tr.gettext("MOST registration number of {accession} saved.")
    changes = {"most_registration_number": cli.args.number}
    return apply(cli, cli.args.accession, changes, done)


def register(commands: Commands, tr: Translator) -> None:
    _ = tr.gettext
    sub = group(
        commands, "review-link", tr,
        help=_("a temporary preview address for reviewers (metadata only)"),
        example=["omix-upload review-link create OMIX000001"],
    )  # fmt: skip
    for name, handler, text, exits in (
        ("create", create_link,
         _("make a reviewer link (every file must be archived) and print its address"),
         exit_codes_common(tr)),
        ("show", show_link, _("whether a reviewer link is open, and since when"),
         _("Exit codes: 0 a link is open, 1 none is open, 2 not your dataset, "
           "3 authentication, 4 server unreachable.")),
        ("close", close_link, _("close the reviewer link: its address stops working"),
         exit_codes_common(tr)),
    ):  # fmt: skip
        command = add_command(
            sub, name, tr, help=text, example=[f"omix-upload review-link {name} OMIX000001"],
            exits=exits, handler=handler,
        )  # fmt: skip
        command.add_argument("accession", metavar="OMIX_ID")
        if name != "close":
            json_option(command, tr)

    most = add_command(
        commands, "most-number", tr,
        help=_("set the MOST human-genetic-resource registration number (also after release)"),
        example=["omix-upload most-number OMIX000001 2026BAT01234"],
        exits=exit_codes_common(tr), handler=most_number,
    )  # fmt: skip
    most.add_argument("accession", metavar="OMIX_ID")
    most.add_argument("number", metavar="NUMBER")
    json_option(most, tr)
