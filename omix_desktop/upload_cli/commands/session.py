"""``login`` and ``logout``: which account the other commands work for.

The email and server are remembered in the config folder and the password
in the system keyring where there is one; on a headless node without a
keyring the password comes from ``OMIX_PASSWORD`` or ``--password-stdin``.
"""

from __future__ import annotations

import os
import sys

from omix_desktop.api import ApiClient
from omix_desktop.api.credentials import CredentialStore
from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.translator import Translator
from omix_desktop.keyring_text import where_is_my_password
from omix_desktop.upload_cli.account import PASSWORD_VARIABLE, Account
from omix_desktop.upload_cli.commands import Commands, add_command, exit_codes_common
from omix_desktop.upload_cli.context import OK, USAGE, Cli, Exit


def login(cli: Cli) -> int:
    _ = cli.tr.gettext
    stored = cli.accounts.load()
    server = cli.server(stored)
    email = cli.args.email or (stored.email if stored else "")
    if not email:
        if not sys.stdin.isatty():
            raise Exit(USAGE, _("Give the account's email with --email."))
        email = input(_("Email: ")).strip()
    account = Account(server, email)
    if cli.args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = os.environ.get(PASSWORD_VARIABLE) or cli.password(account)
    client = ApiClient(server)
    result = cli.call(client.login, email, password)
    cli.call(client.logout)
    cli.accounts.save(account)
    cli.say(
        fill(
            _("Signed in to {server} as {name}."),
            {"server": server, "name": result.user.display_name},
        )
    )
    if CredentialStore(server).save(email, password):
        cli.say(where_is_my_password(cli.tr))  # names Credential Manager, Keychain…
    else:
        cli.say(
            fill(
                _(
                    "This machine has no keyring: the password is not stored. "
                    "Set {variable} or use --password-stdin for the other commands."
                ),
                {"variable": PASSWORD_VARIABLE},
            )
        )
    return OK


def logout(cli: Cli) -> int:
    stored = cli.accounts.load()
    if stored is not None and stored.email:
        CredentialStore(stored.server_url).forget(stored.email)
    cli.accounts.forget()
    cli.say(cli.tr.gettext("Signed out; the password was removed from the keyring."))
    return OK


def register(commands: Commands, tr: Translator) -> None:
    _ = tr.gettext
    command = add_command(
        commands, "login", tr,
        help=_("sign in and remember the account"),
        example=["OMIX_PASSWORD=… omix-upload --server https://omix.example.org login "
                 "--email me@lab.org"],
        exits=exit_codes_common(tr),
        handler=login,
    )  # fmt: skip
    command.add_argument("--email", help=_("the account's email"))
    add_command(
        commands, "logout", tr,
        help=_("forget the account and its password"),
        example=["omix-upload logout"],
        exits=_("Exit codes: 0 done."),
        handler=logout,
    )  # fmt: skip
