"""The local reference server the app starts when no server is configured."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from omix_desktop.local_server import LocalServer


def test_start_and_stop_a_local_server(tmp_path: Path) -> None:
    server = LocalServer(tmp_path / "data", log_path=tmp_path / "local.log")
    with server:
        assert server.running
        answer = requests.get(f"{server.url}/api/v1/health", timeout=5)
        assert answer.json()["status"] == "ok"
        assert server.ftp_port and server.passive_ports[1] > server.passive_ports[0]
    assert not server.running
    assert (tmp_path / "data").is_dir()
    assert server.stop() is None  # stopping twice is harmless


def test_admin_commands_run_beside_the_running_local_server(tmp_path: Path) -> None:
    """``admin make-curator`` through the app's server command while that server runs.

    The data folder's lock is for a second *server*; a one-off admin command
    must not be refused by it (the screenshots script and a lab's curator do this).
    """
    from tests.support.accounts import new_user

    server = LocalServer(tmp_path / "data", log_path=tmp_path / "local.log")
    with server:
        person = new_user(f"{server.url}/api/v1")
        done = subprocess.run(
            [*server.command, "--data-dir", str(server.data_dir), "admin", "make-curator",
             person.email],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert person.get("/auth/me").json()["is_curator"] is True
        assert requests.get(f"{server.url}/api/v1/health", timeout=5).ok  # still serving


def test_two_local_servers_run_side_by_side(tmp_path: Path) -> None:
    """Every port is chosen free, the anonymous FTP one too (two apps, two users)."""
    first = LocalServer(tmp_path / "one", log_path=tmp_path / "one.log")
    second = LocalServer(tmp_path / "two", log_path=tmp_path / "two.log")
    with first, second:
        for server in (first, second):
            health = requests.get(f"{server.url}/api/v1/health", timeout=5).json()
            assert health["public_ftp_port"] == server.public_ftp_port
        assert first.public_ftp_port != second.public_ftp_port


def test_the_app_starts_its_own_server_when_none_is_configured(make_context, loop) -> None:
    context = make_context(server_url="")
    session = context.session
    assert session.uses_local_server and session.server_url is None
    url = loop.run_until_complete(session.ensure_server())
    assert url.startswith("http://127.0.0.1:")
    assert session.api is not None and session.api.health()["status"] == "ok"
    assert session.local_server is not None
    assert session.local_server.data_dir == context.paths.local_server_dir
    process_server = session.local_server
    loop.run_until_complete(context.session.close())
    assert not process_server.running


def test_two_apps_on_one_profile_share_one_local_server(make_context, loop, qtbot) -> None:
    from omix_desktop.local_server_host import is_locked, read_address
    from omix_desktop.ui.sign_in import SignInScreen

    first = make_context(server_url="")
    second = make_context(server_url="")  # a second app on the same profile
    first_url = loop.run_until_complete(first.session.ensure_server())
    second_url = loop.run_until_complete(second.session.ensure_server())
    assert second_url == first_url
    owner, user = first.session.local_server, second.session.local_server
    assert not owner.shared and user.shared and user.pid == owner.pid
    assert read_address(first.paths.local_server_dir)["pid"] == owner.pid
    assert second.session.server_id == first.session.server_id
    screen = SignInScreen(second)  # the second app says so
    qtbot.addWidget(screen)
    assert "already runs the local reference server" in screen.server_note.text()
    second.translator.set_language("zh_CN")
    assert "本机另一个 OMIX Desktop 已在" in screen.server_note.text()
    loop.run_until_complete(second.session.close())  # leaves the shared server running
    assert owner.running and requests.get(f"{first_url}/api/v1/health", timeout=5).ok
    loop.run_until_complete(first.session.close())
    assert not is_locked(first.paths.local_server_dir)


PARENT = """
import sys, time
from pathlib import Path
from omix_desktop.local_server import LocalServer

server = LocalServer(Path(sys.argv[1]), log_path=Path(sys.argv[1]).parent / "server.log").start()
print(server.pid, server.url, flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is gone too, only not yet reaped
        return stat.read().split(")")[-1].split()[0] != "Z"


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_the_server_ends_when_its_app_ends(tmp_path: Path, how: signal.Signals) -> None:
    from omix_desktop.local_server_host import is_locked

    data = tmp_path / "data"
    app = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(data)], stdout=subprocess.PIPE, cwd=Path.cwd()
    )
    try:
        pid_text, url = app.stdout.readline().decode().split()
        pid = int(pid_text)
        assert requests.get(f"{url}/api/v1/health", timeout=5).ok and is_locked(data)
        app.send_signal(how)
        app.wait(timeout=10)
        deadline = time.monotonic() + 20
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(pid), f"the local server outlived its app ({how.name})"
        assert not is_locked(data)
    finally:
        app.kill()
        app.wait()
