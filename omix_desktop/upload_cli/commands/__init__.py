"""The command groups of ``omix-upload``, one module each, and how they are declared.

Each module has ``register(commands, tr)``, which adds its sub-commands with
:func:`add_command`; the handler of each is a function of
:class:`~omix_desktop.upload_cli.context.Cli` returning the exit code. Every
command's ``--help`` ends with a worked example and its exit codes, because a
terminal user learns a tool from ``--help`` first.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from omix_desktop.i18n.translator import Translator
from omix_desktop.upload_cli.context import Cli

Handler = Callable[[Cli], int]
if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]
else:  # argparse's private type is not subscriptable at run time
    Commands = argparse._SubParsersAction


def add_command(
    commands: Commands,
    name: str,
    tr: Translator,
    *,
    help: str,
    example: Sequence[str],
    exits: str,
    handler: Handler | None = None,
    details: str = "",
) -> argparse.ArgumentParser:
    """A sub-command whose help shows what it does, an example and its exit codes."""
    epilog = "\n".join(
        [tr.gettext("Example:"), *(f"  {line}" for line in example), "", textwrap.fill(exits, 78)]
    )
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help,
        description=f"{help}\n\n{details}" if details else help,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if handler is not None:
        parser.set_defaults(handler=handler)
    return parser


def json_option(parser: argparse.ArgumentParser, tr: Translator) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help=tr.gettext("machine-readable output (the shapes are in docs/omix-upload.md)"),
    )


def yes_option(parser: argparse.ArgumentParser, tr: Translator) -> None:
    parser.add_argument(
        "--yes", "-y", action="store_true", help=tr.gettext("do not ask (for scripts)")
    )


def group(
    commands: Commands, name: str, tr: Translator, *, help: str, example: Sequence[str]
) -> Commands:
    """A command with sub-commands of its own (``datasets list``, ``datasets show`` …)."""
    parser = add_command(
        commands, name, tr, help=help, example=example, exits=exit_codes_common(tr)
    )
    sub: Commands = parser.add_subparsers(dest=f"{name}_command", required=True, metavar="ACTION")
    return sub


def exit_codes_common(tr: Translator) -> str:
    return tr.gettext(
        "Exit codes: 0 done, 2 refused (the message names the field and the value), "
        "3 authentication, 4 server unreachable."
    )
