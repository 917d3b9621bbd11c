"""Real FTP peers on 127.0.0.1 for the transfer tests, and a connection-cutting proxy.

* :class:`AioftpPeer`: an ``aioftp.Server`` in the test's own event loop, with
  an optional ``XMD5 <path> <start> <end>`` command (what our reference server
  offers) and an optional disk quota (a full server disk).
* :class:`VsftpdPeer`: Debian's vsftpd on a loopback high port with a temporary
  config (anonymous write into a temp folder, optional TLS that requires TLS
  session reuse on data connections, as vsftpd does by default).
* :class:`CuttingProxy`: an FTP-aware TCP proxy. It relays the control
  connection, rewrites EPSV/PASV replies so data connections go through it
  too, and resets the data connection after a given number of bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import aioftp

USER = "lab"
PASSWORD = "s3cret"
VSFTPD = shutil.which("vsftpd") or shutil.which("vsftpd", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- aioftp


class QuotaPathIO(aioftp.PathIO):
    """Server-side file I/O that fails with ENOSPC past a byte quota (a full disk)."""

    quota: int | None = None

    @aioftp.pathio.universal_exception
    async def write(self, file: Any, data: bytes) -> int:  # type: ignore[override]
        if self.quota is not None:
            used = sum(p.stat().st_size for p in QuotaPathIO.root.rglob("*") if p.is_file())
            if used + len(data) > self.quota:
                raise OSError(errno.ENOSPC, "No space left on device")
        return file.write(data)

    root: Path = Path(".")


class ChecksumServer(aioftp.Server):
    """aioftp server with the range checksum our reference server offers."""

    def __init__(self, *args: Any, xmd5: bool = True, lie: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.xmd5_calls: list[str] = []
        self.lie = lie
        """Answer a wrong digest for whole files (a corrupted upload)."""
        if xmd5:
            self.commands_mapping["xmd5"] = self.xmd5

    async def xmd5(self, connection: Any, rest: str) -> bool:
        if not connection.future.logged.done():
            connection.response("530", "not logged in")
            return True
        parts = rest.split()
        self.xmd5_calls.append(rest)
        real, _virtual = self.get_paths(connection, parts[0])
        if not real.is_file():
            connection.response("550", "no such file")
            return True
        start = int(parts[1]) if len(parts) > 1 else 0
        end = int(parts[2]) if len(parts) > 2 else real.stat().st_size
        lie = self.lie and start == 0 and end == real.stat().st_size
        connection.response("250", await asyncio.to_thread(_md5_range, real, start, end, lie))
        return True


def _md5_range(path: Path, start: int, end: int, lie: bool) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        handle.seek(start)
        digest.update(handle.read(max(0, end - start)))
    if lie:
        digest.update(b"corrupted")
    return digest.hexdigest()


@dataclass
class AioftpPeer:
    root: Path
    xmd5: bool = True
    lie: bool = False
    quota: int | None = None
    server: ChecksumServer | None = None
    port: int = 0

    @property
    def home(self) -> Path:
        return self.root

    async def start(self) -> AioftpPeer:
        self.root.mkdir(parents=True, exist_ok=True)
        QuotaPathIO.quota = self.quota
        QuotaPathIO.root = self.root
        user = aioftp.User(USER, PASSWORD, base_path=self.root, home_path="/")
        self.server = ChecksumServer(
            [user],
            xmd5=self.xmd5,
            lie=self.lie,
            block_size=1024 * 1024,
            path_io_factory=QuotaPathIO,
        )
        await self.server.start(host="127.0.0.1", port=0)
        assert self.server.server is not None
        self.port = self.server.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.close()
            self.server = None


# --------------------------------------------------------------------------- vsftpd


@dataclass
class VsftpdPeer:
    """vsftpd with anonymous write into ``root/upload`` (``remote_root='upload'``)."""

    workdir: Path
    tls_cert: Path | None = None
    tls_key: Path | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def home(self) -> Path:
        return self.workdir / "root" / "upload"

    def start(self) -> VsftpdPeer:
        assert VSFTPD is not None
        root = self.workdir / "root"
        (root / "upload").mkdir(parents=True, exist_ok=True)
        (self.workdir / "empty").mkdir(exist_ok=True)
        os.chmod(root, 0o755)
        pasv = free_port()
        lines = [
            "listen=YES",
            "listen_ipv6=NO",
            "listen_address=127.0.0.1",
            f"listen_port={self.port}",
            "background=NO",
            "run_as_launching_user=YES",
            "anonymous_enable=YES",
            "no_anon_password=YES",
            f"anon_root={root}",
            "write_enable=YES",
            "anon_upload_enable=YES",
            "anon_mkdir_write_enable=YES",
            "anon_other_write_enable=YES",
            "anon_umask=022",
            "local_enable=NO",
            "pasv_enable=YES",
            f"pasv_min_port={pasv}",
            f"pasv_max_port={pasv + 20}",
            "pasv_address=127.0.0.1",
            "seccomp_sandbox=NO",
            f"secure_chroot_dir={self.workdir / 'empty'}",
            "xferlog_enable=NO",
            f"vsftpd_log_file={self.workdir / 'vsftpd.log'}",
            "idle_session_timeout=60",
            "data_connection_timeout=30",
        ]
        if self.tls_cert is not None:
            lines += [
                "ssl_enable=YES",
                "allow_anon_ssl=YES",
                "force_anon_logins_ssl=YES",
                "force_anon_data_ssl=YES",
                "require_ssl_reuse=YES",
                "ssl_ciphers=HIGH",
                f"rsa_cert_file={self.tls_cert}",
                f"rsa_private_key_file={self.tls_key}",
            ]
        config = self.workdir / "vsftpd.conf"
        config.write_text("\n".join(lines) + "\n")
        self.process = subprocess.Popen(
            [VSFTPD, str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode() if self.process.stdout else ""
                raise RuntimeError(f"vsftpd exited: {output}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return self
            time.sleep(0.05)
        raise RuntimeError("vsftpd did not start listening")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 / localhost."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


# --------------------------------------------------------------------------- proxy

_EPSV = re.compile(rb"^229 (.*)\(\|\|\|(\d+)\|\)(.*)$")
_PASV = re.compile(rb"^227 (.*?)\(?(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)?(.*)$")


class CuttingProxy:
    """Relays FTP through 127.0.0.1 and resets data connections after N bytes.

    ``cuts`` gives, for successive data connections carrying an upload, how
    many bytes to let through before resetting both sides (``None`` = no cut).
    Connections beyond the list are not cut. ``data_bytes`` counts all bytes
    relayed client -> server on data connections (to check nothing is sent
    twice more than needed).
    """

    def __init__(self, target_port: int, cuts: Iterable[int | None] = ()) -> None:
        self.target_port = target_port
        self.cuts = list(cuts)
        self.data_bytes = 0
        self.data_connections = 0
        self.cuts_done = 0
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._servers: list[asyncio.base_events.Server] = []
        self.down = False
        self.commands: list[str] = []
        """Every command a client sent on a control connection (the verb and its argument)."""

    async def start(self) -> CuttingProxy:
        self._server = await asyncio.start_server(self._control, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        for server in [self._server, *self._servers]:
            if server is not None:
                server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._spawn(self._commands(reader, up_writer))
        try:
            while line := await up_reader.readline():
                line = await self._rewrite(line)
                writer.write(line)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            up_writer.close()

    async def _commands(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Client -> server on the control connection, one command a line, recorded."""
        try:
            while line := await reader.readline():
                self.commands.append(line.decode("utf-8", "replace").strip())
                writer.write(line)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    def count(self, verb: str) -> int:
        return sum(1 for c in self.commands if c.split(" ", 1)[0].upper() == verb)

    async def _rewrite(self, line: bytes) -> bytes:
        match = _EPSV.match(line.rstrip(b"\r\n"))
        if match:
            port = await self._data_listener(int(match.group(2)))
            return b"229 %s(|||%d|)%s\r\n" % (match.group(1), port, match.group(3))
        match = _PASV.match(line.rstrip(b"\r\n"))
        if match:
            real = int(match.group(6)) * 256 + int(match.group(7))
            port = await self._data_listener(real)
            return b"227 Entering Passive Mode (127,0,0,1,%d,%d)\r\n" % (port // 256, port % 256)
        return line

    async def _data_listener(self, real_port: int) -> int:
        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            server.close()
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", real_port)
            self._spawn(self._pipe(up_reader, writer))
            first = await reader.read(256 * 1024)
            if not first:  # a listing or download: nothing to cut
                up_writer.close()
                return
            self.data_connections += 1
            budget = self.cuts.pop(0) if self.cuts else None
            await self._pipe(reader, up_writer, budget=budget, count=True, peer=writer, first=first)

        server = await asyncio.start_server(accept, "127.0.0.1", 0)
        self._servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        budget: int | None = None,
        count: bool = False,
        peer: asyncio.StreamWriter | None = None,
        first: bytes = b"",
    ) -> None:
        try:
            while data := (first or await reader.read(256 * 1024)):
                first = b""
                if budget is not None and len(data) >= budget:
                    data = data[:budget]
                    writer.write(data)
                    if count:
                        self.data_bytes += len(data)
                    await writer.drain()
                    # reset both sides, like a dropped line
                    self.cuts_done += 1
                    writer.transport.abort()
                    if peer is not None:
                        peer.transport.abort()
                    return
                if budget is not None:
                    budget -= len(data)
                if count:
                    self.data_bytes += len(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()


def remote_file(home: Path, remote: str | PurePosixPath) -> Path:
    return home / str(remote)
