"""``completion bash|zsh``: the shell code that completes ``omix-upload`` commands.

Completion is argcomplete's: the shell calls ``omix-upload`` itself with the
words typed so far, so it completes exactly what the parser accepts, and
no list of commands goes stale.
"""

from __future__ import annotations

from argcomplete.shell_integration import shellcode

from omix_desktop.i18n.translator import Translator
from omix_desktop.upload_cli.commands import Commands, add_command
from omix_desktop.upload_cli.context import OK, Cli


def completion(cli: Cli) -> int:
    cli.say(shellcode(["omix-upload"], shell=cli.args.shell))
    return OK


def register(commands: Commands, tr: Translator) -> None:
    _ = tr.gettext
    command = add_command(
        commands, "completion", tr,
        help=_("print the shell code that completes omix-upload's commands and options"),
        example=['eval "$(omix-upload completion bash)"   # in ~/.bashrc',
                 'eval "$(omix-upload completion zsh)"    # in ~/.zshrc'],
        exits=_("Exit codes: 0 done."),
        handler=completion,
    )  # fmt: skip
    command.add_argument("shell", choices=("bash", "zsh"))
