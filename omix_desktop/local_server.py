"""The local reference archive server, started by the app when no server is configured.

Runs ``omix-server`` as a child process on free loopback ports with its data
in the app's data folder, waits until both the HTTP API and the FTP port
answer, and stops it again (SIGTERM, then kill). The child is
:mod:`omix_desktop.local_server_host`: one server per data folder (a lock
there; a second app on the same profile reuses the running server, read from
the address file beside the lock, and :attr:`LocalServer.shared` says so),
and the server ends when its app ends however it ends (it watches a pipe
from the app that the system closes). No Qt: the UI calls
:meth:`LocalServer.start` through ``asyncio.to_thread``, and tests use it
directly.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import requests

from omix_desktop import local_server_host as host

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
START_TIMEOUT = 30.0
PASSIVE_PORTS = 20


class LocalServerError(RuntimeError):
    """The local server could not start; ``log_tail`` holds the end of its log."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message)
        self.log_tail = log_tail


def free_port(host: str = HOST) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def free_port_range(count: int = PASSIVE_PORTS, host: str = HOST) -> tuple[int, int]:
    """A run of ports that were free a moment ago, for passive data connections."""
    for _attempt in range(50):
        start = free_port(host)
        if start + count > 65000:
            continue
        sockets: list[socket.socket] = []
        try:
            for port in range(start, start + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind((host, port))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return start, start + count - 1
    raise LocalServerError("no free range of ports on loopback")


def server_command() -> list[str]:
    """How to run ``omix-server`` from this installation."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle ships the server beside the app
        name = "omix-server.exe" if os.name == "nt" else "omix-server"
        # through the same host as below: the data folder's lock, server.json, the parent watch
        return [str(Path(sys.executable).with_name(name)), host.UNDER_APP]
    return [sys.executable, "-m", "omix_desktop.local_server_host"]


class LocalServer:
    """One ``omix-server`` child process on loopback.

    Attributes:
        data_dir: the server's data folder (database, pre-upload area, archive).
        http_port, ftp_port, public_ftp_port, passive_ports: chosen at :meth:`start`.
        shared: True when another app on this profile runs the server and this
            one uses it (it stops when that app ends; :meth:`stop` leaves it running).
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        log_path: Path | None = None,
        host: str = HOST,
        command: Sequence[str] | None = None,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.data_dir = data_dir
        self.log_path = log_path or data_dir.parent / "local-server.log"
        self.host = host
        self.command = list(command) if command is not None else server_command()
        self.start_timeout = start_timeout
        self.http_port = 0
        self.ftp_port = 0
        self.public_ftp_port = 0
        self.passive_ports = (0, 0)
        self.shared = False
        self.pid: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def running(self) -> bool:
        return self.shared or (self._process is not None and self._process.poll() is None)

    def arguments(self) -> list[str]:
        low, high = self.passive_ports
        return [
            *self.command,
            "--data-dir", str(self.data_dir),
            "--host", self.host,
            "--http-port", str(self.http_port),
            "--ftp-port", str(self.ftp_port),
            "--public-ftp-port", str(self.public_ftp_port),
            "--ftp-passive-ports", f"{low}-{high}",
        ]  # fmt: skip

    def start(self) -> LocalServer:
        """Start and wait until it serves (blocking; call it from a worker thread)."""
        if self.running:
            return self
        last_error: LocalServerError | None = None
        for _attempt in range(3):  # a port taken between choosing and binding: choose again
            try:
                if not (host.is_locked(self.data_dir) and self._attach()):
                    self._start_once()
                return self
            except LocalServerError as error:
                last_error = error
                log.warning("local server did not start: %s", error)
        assert last_error is not None
        raise last_error

    def _start_once(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.http_port = free_port(self.host)
        self.ftp_port = free_port(self.host)
        self.public_ftp_port = free_port(self.host)
        self.passive_ports = free_port_range(host=self.host)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with self.log_path.open("ab") as log_file:
            # stdin is the pipe the server watches: it closes when this process ends
            self._process = subprocess.Popen(
                self.arguments(), stdout=log_file, stderr=subprocess.STDOUT,
                stdin=subprocess.PIPE, env=env,
            )  # fmt: skip
        self.pid = self._process.pid
        log.info(
            "local server starting: pid %s, %s, FTP port %s",
            self._process.pid,
            self.url,
            self.ftp_port,
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                if code == host.ALREADY_RUNNING and self._attach():
                    return  # another app started one at the same moment
                raise LocalServerError(
                    f"omix-server exited at start (code {code})", self.log_tail()
                )
            if self._serving():
                log.info("local server ready at %s", self.url)
                return
            time.sleep(0.1)
        self.stop()
        raise LocalServerError("omix-server did not start in time", self.log_tail())

    def _attach(self, timeout: float = 10.0) -> bool:
        """Use the server another app runs on this data folder, once it serves."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and host.is_locked(self.data_dir):
            address = host.read_address(self.data_dir)
            if address is not None and address.get("host") == self.host:
                self.http_port = int(address["http_port"])
                self.ftp_port = int(address["ftp_port"])
                self.public_ftp_port = int(address["public_ftp_port"])
                if self._serving():
                    self.shared = True
                    self.pid = int(address["pid"])
                    log.info("using the local server another app runs at %s", self.url)
                    return True
            time.sleep(0.2)
        return False

    def _serving(self) -> bool:
        try:
            if not requests.get(f"{self.url}/api/v1/health", timeout=1).ok:
                return False
            with socket.create_connection((self.host, self.ftp_port), timeout=1):
                return True
        except (requests.RequestException, OSError):
            return False

    def stop(self, timeout: float = 15.0) -> int | None:
        """Stop the server (SIGTERM, then kill after ``timeout``); its exit code."""
        self.shared = False
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            if os.name == "nt":
                process.terminate()
            else:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log.warning("local server did not stop in %s s; killing it", timeout)
                process.kill()
                process.wait(timeout=timeout)
        if process.stdin is not None:
            process.stdin.close()
        log.info("local server stopped (code %s)", process.returncode)
        return process.returncode

    def log_tail(self, size: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
