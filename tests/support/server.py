"""Starts the real ``omix-server`` as a child process on loopback for tests.

A separate process, not an in-process app, so tests see exactly what users
get: the command line, migrations on start, signals and restarts.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

HOST = "127.0.0.1"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def free_port_range(count: int = 20) -> tuple[int, int]:
    """A run of ports that were free a moment ago, for passive data connections."""
    for _attempt in range(50):
        start = free_port()
        if start + count > 65000:
            continue
        sockets = []
        try:
            for port in range(start, start + count):
                sock = socket.socket()
                sock.bind((HOST, port))
                sockets.append(sock)
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return start, start + count - 1
    raise RuntimeError("no free port range on loopback")


@dataclass
class ServerProcess:
    data_dir: Path
    database_url: str | None = None
    extra_args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    """Added to the environment of the child (``AWS_*`` for an object store)."""
    http_port: int = field(default_factory=free_port)
    ftp_port: int = field(default_factory=free_port)
    public_ftp_port: int = field(default_factory=free_port)
    passive_ports: tuple[int, int] = field(default_factory=free_port_range)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def command(self) -> list[str]:
        low, high = self.passive_ports
        args = [
            sys.executable,
            "-m",
            "server_stub",
            "--data-dir",
            str(self.data_dir),
            "--host",
            HOST,
            "--http-port",
            str(self.http_port),
            "--ftp-port",
            str(self.ftp_port),
            "--ftp-passive-ports",
            f"{low}-{high}",
            "--public-ftp-port",
            str(self.public_ftp_port),
        ]
        if self.database_url:
            args += ["--database-url", self.database_url]
        return args + self.extra_args

    def start(self) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir.parent / f"server-{self.http_port}.log"
        log = self.log_path.open("ab")
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        self.process = subprocess.Popen(
            self.command(), stdout=log, stderr=subprocess.STDOUT, env=env
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"omix-server exited at start:\n{self.log()}")
            try:
                if requests.get(f"{self.api}/health", timeout=1).ok and self._ftp_ready():
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or still busy starting (e.g. under tracemalloc)
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"omix-server did not start in time:\n{self.log()}")

    def _ftp_ready(self) -> bool:
        try:
            for port in (self.ftp_port, self.public_ftp_port):
                with socket.create_connection((HOST, port), timeout=1):
                    pass
            return True
        except OSError:
            return False

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        code = self.process.returncode
        self.process = None
        return code

    def restart(self) -> ServerProcess:
        self.stop()
        return self.start()

    def log(self) -> str:
        if self.log_path and self.log_path.exists():
            return self.log_path.read_text(errors="replace")[-5000:]
        return ""
