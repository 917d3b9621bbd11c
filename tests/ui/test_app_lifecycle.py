"""The real ``omix-desktop`` program and its local server, as processes.

test_local_server.py checks the pieces (two contexts sharing one server, a
small parent script killed); here the whole app runs as users start it: the
installed ``omix-desktop`` command, offscreen, its profile in the test's
folder. It starts its own local reference server at launch because the sign-in
is remembered (a keyring that knows a password, below; the account does not
exist, so signing in is refused, but the server is already up by then).
Processes are found by the pid the server's lock folder records and by /proc,
so a server left behind fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from keyring.backend import KeyringBackend

from omix_desktop.local_server_host import is_locked, read_address
from omix_desktop.paths import AppPaths

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="POSIX signals and /proc"
)

REPO = Path(__file__).resolve().parents[2]
WAIT = 60.0


class RememberedPassword(KeyringBackend):
    """A keyring (loaded by the app through PYTHON_KEYRING_BACKEND) that knows a
    password for every account: the app finds a remembered sign-in at launch."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return "remembered-password-1"

    def set_password(self, service: str, username: str, password: str) -> None:
        pass

    def delete_password(self, service: str, username: str) -> None:
        pass


def alive(pid: int) -> bool:
    """Running and not a zombie (a zombie has ended, only not yet reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def servers_on(data_dir: Path) -> list[int]:
    """Pids of every live local-server process serving ``data_dir`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        text = [part.decode(errors="replace") for part in argv]
        if "omix_desktop.local_server_host" in text and str(data_dir) in text:
            if alive(int(entry.name)):
                found.append(int(entry.name))
    return sorted(found)


def wait_for(what: str, predicate, timeout: float = WAIT) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting until {what}")
        time.sleep(0.1)


class App:
    """One ``omix-desktop`` process on a profile folder."""

    def __init__(self, home: Path, name: str) -> None:
        program = shutil.which("omix-desktop", path=str(Path(sys.executable).parent))
        assert program, "omix-desktop is not installed in this environment"
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "OMIX_DESKTOP_HOME": str(home),
            "PYTHON_KEYRING_BACKEND": f"{__name__}.RememberedPassword",
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        }
        self.output = home.parent / f"{name}.out"
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(
                [program], env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
            )

    def end(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"omix-desktop ignored {sig}") from None

    def text(self) -> str:
        return self.output.read_text(errors="replace")[-4000:]


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[AppPaths]:
    """A profile whose sign-in is remembered, for the local server (no server_url)."""
    paths = AppPaths.under(tmp_path / "home").create()
    settings = {"remember": True, "last_email": "nobody@example.org", "language": "en"}
    paths.config_file.write_text(json.dumps(settings), encoding="utf-8")
    yield paths
    for pid in servers_on(paths.local_server_dir):  # never leave one behind
        os.kill(pid, signal.SIGKILL)


def launched_server(paths: AppPaths, app: App) -> int:
    """The pid the lock folder records, once the app's local server serves."""
    data = paths.local_server_dir

    def serving() -> bool:
        assert app.process.poll() is None, f"omix-desktop ended early:\n{app.text()}"
        address = read_address(data)
        if address is None or not is_locked(data):
            return False
        try:
            return requests.get(f"{address['url']}/api/v1/health", timeout=1).ok
        except requests.RequestException:
            return False

    wait_for("the app's local server serves", serving)
    address = read_address(data)
    assert address is not None
    return int(address["pid"])


def test_sigterm_to_the_app_leaves_no_server(profile: AppPaths) -> None:
    app = App(profile.config_dir.parent, "app")
    try:
        pid = launched_server(profile, app)
        assert servers_on(profile.local_server_dir) == [pid]
        app.end(signal.SIGTERM)
        wait_for(f"local server {pid} ends", lambda: not alive(pid), timeout=30)
        assert servers_on(profile.local_server_dir) == []
        assert not is_locked(profile.local_server_dir)
    finally:
        app.process.kill()
        app.process.wait()


def test_two_apps_on_one_profile_share_one_server(profile: AppPaths) -> None:
    log = profile.log_file
    first = App(profile.config_dir.parent, "first")
    second = None
    try:
        pid = launched_server(profile, first)
        second = App(profile.config_dir.parent, "second")
        attached = "using the local server another app runs at"
        wait_for(
            "the second app attaches",
            lambda: log.exists() and attached in log.read_text(errors="replace"),
        )
        assert read_address(profile.local_server_dir)["pid"] == pid  # type: ignore[index]
        assert servers_on(profile.local_server_dir) == [pid], "a second server started"
        second.end(signal.SIGTERM)  # the app that only uses it: the server stays
        time.sleep(1.0)
        assert alive(pid) and servers_on(profile.local_server_dir) == [pid]
        url = read_address(profile.local_server_dir)["url"]  # type: ignore[index]
        assert requests.get(f"{url}/api/v1/health", timeout=5).ok
        first.end(signal.SIGTERM)  # its owner: the server goes with it
        wait_for(f"local server {pid} ends", lambda: not alive(pid), timeout=30)
        assert servers_on(profile.local_server_dir) == []
        assert not is_locked(profile.local_server_dir)
    finally:
        for app in (first, second):
            if app is not None:
                app.process.kill()
                app.process.wait()
