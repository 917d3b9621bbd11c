"""Running the real ``omix-upload`` as a subprocess, as one account, in one language."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.accounts import ApiUser
from tests.support.server import ServerProcess


class Terminal:
    """``omix-upload`` with its own home folder; ``lang`` is passed to every command."""

    def __init__(self, server: ServerProcess, home: Path, user: ApiUser, lang: str = "en") -> None:
        self.server = server
        self.home = home
        self.user = user
        self.lang = lang
        self.env = {**os.environ, "OMIX_PASSWORD": user.password}
        self.env.pop("OMIX_DESKTOP_HOME", None)
        self.env.pop("_ARGCOMPLETE", None)

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "omix_desktop.upload_cli", "--home", str(self.home),
                   "--lang", self.lang, *args]  # fmt: skip
        return subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=90, cwd=cwd
        )

    def ok(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        done = self.run(*args, cwd=cwd)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json").stdout)

    def login(self) -> Terminal:
        self.ok("--server", self.server.url, "login", "--email", self.user.email)
        return self
