"""The local reference server the app starts when no server is configured."""

from __future__ import annotations

from pathlib import Path

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
