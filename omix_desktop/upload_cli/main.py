"""Command line of ``omix-upload``: parse, run one command, map failures to exit codes.

Every command is a thin use of the engine (``omix_desktop.transfer``) and the
API client (``omix_desktop.api``), one module per command group under
:mod:`omix_desktop.upload_cli.commands`; nothing here knows FTP or HTTP details.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import argcomplete

from omix_desktop import version
from omix_desktop.i18n.translator import Translator, match_language, system_language
from omix_desktop.upload_cli.commands import (
    bioprojects,
    completion,
    datasets,
    files,
    get,
    review,
    session,
    submit,
    transfer,
)
from omix_desktop.upload_cli.context import INTERRUPTED, OK, Cli, Exit

GROUPS = (session, transfer, bioprojects, submit, datasets, files, review, get, completion)
"""In the order ``--help`` lists them: the guide's order."""


def build_parser(tr: Translator) -> argparse.ArgumentParser:
    _ = tr.gettext
    parser = argparse.ArgumentParser(
        prog="omix-upload",
        description=_(
            "Upload files to an OMIX archive, submit datasets and follow them to release, "
            "from a terminal."
        ),
        epilog="\n".join([
            _("The whole guide from a terminal:"),
            "  omix-upload --server https://omix.example.org login --email me@lab.org",
            "  omix-upload bioproject create --title 'Rice drought response'",
            "  omix-upload put run1/",
            "  omix-upload submit --template > dataset.toml",
            "  omix-upload submit dataset.toml --check && omix-upload submit dataset.toml --wait",
            "  omix-upload datasets show OMIX000001",
            "  omix-upload files fix-md5 OMIX000001-01 --from-local run1/leaf_1.fq.gz",
            "  omix-upload review-link create OMIX000001",
            "  omix-upload datasets release OMIX000001 --yes",
            "  omix-upload get OMIX000001 -o data/",
            "",
            _("Exit codes: 0 done, 1 some files failed, 2 usage error or input refused, "
              "3 authentication, 4 server unreachable, 130 interrupted (run again to resume)."),
            _("`omix-upload COMMAND --help` shows each command's example and exit codes."),
        ]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--version", action="version", version=f"omix-upload {version()}")
    parser.add_argument("--server", help=_("archive server address (default: the last one used)"))
    parser.add_argument("--home", type=Path, help=_("folder for settings, queue and hash cache"))
    parser.add_argument("--lang", help=_("language of messages: en or zh_CN"))
    parser.add_argument("-v", "--verbose", action="store_true", help=_("log what happens"))
    parser.add_argument(
        "--password-stdin", action="store_true", help=_("read the password from standard input")
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in GROUPS:
        module.register(commands, tr)
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
    parser = build_parser(tr)
    argcomplete.autocomplete(parser)  # answers the shell's completion request, then exits
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR,
        format="%(levelname)s %(name)s: %(message)s",
    )
    cli = Cli(args, tr)
    try:
        return int(args.handler(cli))
    except BrokenPipeError:  # `omix-upload status | head`: the reader has all it wanted
        sys.stdout = None  # nothing more to flush at exit
        return OK
    except Exit as stop:
        if stop.message:
            print(stop.message, file=sys.stderr, flush=True)
        return stop.code
    except KeyboardInterrupt:
        return INTERRUPTED
