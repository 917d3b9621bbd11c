"""Which server and account ``omix-upload`` works for, and where its password comes from.

The server address and email live in a small JSON file in the config folder
(no secret in it). The password, which the FTP login needs, comes from the
OS keyring when ``login`` could store it there, else from ``OMIX_PASSWORD``
(the usual way on a headless server), else from a prompt on a terminal.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from omix_desktop.api.credentials import CredentialStore

PASSWORD_VARIABLE = "OMIX_PASSWORD"
DEFAULT_SERVER = "http://127.0.0.1:8000"


@dataclass(frozen=True, slots=True)
class Account:
    server_url: str
    email: str = ""


class AccountFile:
    def __init__(self, config_dir: Path) -> None:
        self.path = config_dir / "omix-upload.json"

    def load(self) -> Account | None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return Account(str(raw["server_url"]), str(raw.get("email", "")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, account: Account) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(account), indent=2), encoding="utf-8")
        os.replace(temporary, self.path)

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)


def password_for(account: Account, prompt: str, *, stdin: bool = False) -> str | None:
    """The account's password from stdin, the keyring, the environment or a prompt."""
    if stdin:
        return sys.stdin.readline().rstrip("\r\n") or None
    stored = CredentialStore(account.server_url).load(account.email)
    if stored:
        return stored
    from_env = os.environ.get(PASSWORD_VARIABLE)
    if from_env:
        return from_env
    if sys.stdin.isatty():
        return getpass.getpass(prompt) or None
    return None
