"""A long link on loopback: a TCP proxy that delays, caps and cuts (DESIGN.md section 7).

The kernel of these machines has no ``netem``, so the long path between a lab
and the archive is emulated in user space. ``WanEmulator`` listens on another
loopback address (``127.0.0.2``) at the server's own port numbers (HTTP, FTP,
every passive port) and forwards each connection to ``127.0.0.1``. A client
that is given ``127.0.0.2`` and ignores the address in a PASV reply (EPSV,
aioftp, lftp with ``ftp:ignore-pasv-address``, curl) then goes through it for
every connection, unchanged::

    with WanEmulator.for_server(server, delay=0.05) as wan:
        requests.get(f"http://{wan.host}:{server.http_port}/api/v1/health")
        wan.cut(range(low, high + 1))       # reset the data connections (passive ports)
        wan.stats()[server.ftp_port].accepted

The model, per direction of each connection (``up`` is client to server):

* a bottleneck: each chunk read (up to 64 KiB) passes a per-connection token
  bucket and the link's bucket for that direction, shared by every
  connection, and is "on the wire" until the later of the two has let it
  through (one TCP stream is capped far below the link, as Mathis says; many
  streams share the link first come, first served);
* then a delay line: the chunk is stamped with the time its last byte left
  the bottleneck and delivered at that time + ``delay``, in order. This is a
  pipeline (many chunks in flight), not a sleep per chunk, so throughput is
  not capped at chunk / RTT; the bytes in flight are bounded (a window of at
  least twice the bandwidth-delay product), beyond which the proxy stops
  reading and TCP pushes back on the sender;
* the handshake: nothing reaches the server before one round trip after the
  client connected (the upstream connection is opened after ``2 * delay``),
  so a new connection costs what it costs on a real path. (The client's
  ``connect()`` itself returns at once.)

End of stream (FIN) and resets travel in order behind the data. ``cut()``
resets connections on both sides (SO_LINGER 0, so the peers see RST). The
proxy runs an asyncio loop in a daemon thread, accepts only loopback
addresses, and stops by itself after ``lifetime`` seconds, so it never
outlives a test or a benchmark.

``python -m tests.support.wan --ports 8000,2121,30000-30019`` runs one by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import enum
import ipaddress
import itertools
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, Protocol, TypeVar

LISTEN_HOST = "127.0.0.2"
TARGET_HOST = "127.0.0.1"

DELAY = 0.05
"""Reference one-way delay, seconds (DESIGN.md section 7)."""
CONNECTION_RATE = 1.5e6
"""Reference cap of one TCP connection, bytes per second, in each direction."""
LINK_RATE = 12.5e6
"""Reference capacity of the whole link, bytes per second, in each direction."""
LIFETIME = 300.0
"""Seconds after which the emulator stops by itself."""

CHUNK = 64 * 1024
_SLACK = 0.010
"""Credit a bucket keeps, in seconds of its rate, so timer lateness costs no throughput."""
_MIN_WINDOW = 1024 * 1024
_UNCAPPED_WINDOW = 8 * 1024 * 1024
_EOF = b""
_RESET = None

UP = "up"
DOWN = "down"

T = TypeVar("T")


class _Keep(enum.Enum):
    KEEP = 0


KEEP = _Keep.KEEP
"""``configure()``: leave this setting as it is."""


def check_loopback(host: str) -> str:
    """``host`` if it is a loopback IP address; the emulator never touches a real network."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"not an IP address: {host!r} (the emulator takes loopback only)"
        ) from None
    if not address.is_loopback:
        raise ValueError(f"{host} is not a loopback address (the emulator takes loopback only)")
    return host


def _set_linger_zero(transport: asyncio.BaseTransport | None) -> None:
    """Make the next close of ``transport`` send RST instead of FIN."""
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@dataclass
class PortStats:
    """What went through one listening port. ``up`` is client to server."""

    port: int
    accepted: int = 0
    open: int = 0
    cut: int = 0
    bytes_up: int = 0
    bytes_down: int = 0


class _Bucket:
    """A token bucket in virtual-time form: serialises bytes at ``rate`` B/s.

    ``reserve`` books ``size`` bytes after everything booked before and
    returns when their last byte is through; at most ``_SLACK`` seconds of
    unused time are credited, so an idle bucket allows only a tiny burst.
    """

    __slots__ = ("rate", "_free")

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self._free = 0.0

    def reserve(self, size: int, now: float) -> float:
        rate = self.rate
        if not rate:
            return now
        start = max(self._free, now - _SLACK)
        self._free = start + size / rate
        return self._free


class _Line:
    """One direction of one connection after the bottleneck: the delay line.

    Items are ``(release time, bytes)``; ``b""`` is end of stream and ``None``
    a reset. One timer at a time, for the head of the queue, keeps the order.
    """

    def __init__(self, connection: _Connection, direction: str) -> None:
        self.connection = connection
        self.direction = direction
        self.writer: asyncio.StreamWriter | None = None
        self.queue: deque[tuple[float, bytes | None]] = deque()
        self.queued = 0
        self.last = 0.0
        self.space = asyncio.Event()
        self.space.set()
        self._timer: asyncio.TimerHandle | None = None

    def push(self, release: float, item: bytes | None) -> None:
        release = max(release, self.last)
        self.last = release
        self.queue.append((release, item))
        if item:
            self.queued += len(item)
            if self.queued >= self.connection.window:
                self.space.clear()
        if self._timer is None and self.writer is not None:
            self._timer = self.connection.loop.call_at(release, self._release)

    def attach(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        if self.queue and self._timer is None:
            self._timer = self.connection.loop.call_at(self.queue[0][0], self._release)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.queue.clear()
        self.space.set()

    def _release(self) -> None:
        self._timer = None
        connection = self.connection
        loop = connection.loop
        horizon = loop.time() + 0.0005
        queue = self.queue
        while queue and queue[0][0] <= horizon and not connection.closed:
            _, item = queue.popleft()
            if item is _RESET:
                connection.abort(reset=True)
                return
            if item == _EOF:
                connection.deliver_eof(self)
                continue
            assert self.writer is not None and item is not None
            if not self.writer.transport.is_closing():
                self.writer.write(item)
                connection.count(self.direction, len(item))
            self.queued -= len(item)
            if self.queued < connection.window:
                self.space.set()
        if queue and not connection.closed:
            self._timer = loop.call_at(queue[0][0], self._release)


class _Connection:
    """One proxied connection: two pumps (read, cap, stamp) feeding two delay lines."""

    _ids = itertools.count(1)

    def __init__(
        self,
        emulator: WanEmulator,
        port: int,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.id = next(self._ids)
        self.emulator = emulator
        self.loop = asyncio.get_running_loop()
        self.port = port
        self.client_reader = reader
        self.client_writer = writer
        self.server_writer: asyncio.StreamWriter | None = None
        self.buckets = {
            UP: _Bucket(emulator.connection_rate),
            DOWN: _Bucket(emulator.connection_rate),
        }
        self.lines = {UP: _Line(self, UP), DOWN: _Line(self, DOWN)}
        self.lines[DOWN].attach(writer)
        self.window = emulator.window()
        self.closed = False
        self.eofs = 0
        self.done = self.loop.create_future()
        self.tasks: list[asyncio.Task[None]] = []

    async def run(self) -> None:
        emulator = self.emulator
        stats = emulator._stats[self.port]
        try:
            # The client may start sending at once; its bytes wait in the
            # proxy's socket and are stamped when read, after the handshake.
            if emulator.handshake and emulator.delay > 0:
                await asyncio.sleep(2 * emulator.delay)
            try:
                reader, writer = await asyncio.open_connection(
                    emulator.target_host, self.port, limit=4 * CHUNK
                )
            except OSError:
                self.abort(reset=True)
                return
            if self.closed:
                writer.transport.abort()
                return
            self.server_writer = writer
            self.lines[UP].attach(writer)
            self.tasks = [
                asyncio.create_task(self.pump(UP, self.client_reader, writer)),
                asyncio.create_task(self.pump(DOWN, reader, self.client_writer)),
            ]
            await self.done
        finally:
            for task in self.tasks:
                task.cancel()
            for line in self.lines.values():
                line.cancel()
            for side in (self.client_writer, self.server_writer):
                if side is not None and not side.transport.is_closing():
                    side.transport.close()
            stats.open -= 1
            emulator._connections.discard(self)

    async def pump(
        self, direction: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Read, pass the buckets, stamp, queue; stop reading while the line is full."""
        emulator = self.emulator
        loop = self.loop
        line = self.lines[direction]
        bucket = self.buckets[direction]
        link = emulator._links[direction]
        while not self.closed:
            try:
                data = await reader.read(CHUNK)
            except OSError:
                line.push(loop.time() + emulator.delay, _RESET)
                return
            now = loop.time()
            if not data:
                line.push(now + emulator.delay, _EOF)
                return
            size = len(data)
            through = max(bucket.reserve(size, now), link.reserve(size, now))
            if through > now:
                await asyncio.sleep(through - now)
            # the slack may date ``through`` slightly in the past; never release early
            line.push(max(through, now) + emulator.delay, data)
            if not line.space.is_set():
                await line.space.wait()
            try:
                await writer.drain()  # the receiving side's own pace
            except OSError:
                self.abort_later(reset=True)
                return

    def count(self, direction: str, size: int) -> None:
        stats = self.emulator._stats[self.port]
        if direction == UP:
            stats.bytes_up += size
        else:
            stats.bytes_down += size

    def deliver_eof(self, line: _Line) -> None:
        writer = line.writer
        if writer is not None and not writer.transport.is_closing():
            with contextlib.suppress(OSError):
                if writer.can_write_eof():
                    writer.write_eof()
        self.eofs += 1
        if self.eofs == 2 and not self.done.done():
            self.done.set_result(None)

    def abort_later(self, reset: bool) -> None:
        self.loop.call_later(self.emulator.delay, self.abort, reset)

    def abort(self, reset: bool = True) -> None:
        """Close both sides now; with ``reset`` both peers see RST."""
        if self.closed:
            return
        self.closed = True
        for line in self.lines.values():
            line.cancel()
        for side in (self.client_writer, self.server_writer):
            if side is None:
                continue
            if reset:
                _set_linger_zero(side.transport)
            side.transport.abort()
        if not self.done.done():
            self.done.set_result(None)


class _ServerLike(Protocol):
    http_port: int
    ftp_port: int
    public_ftp_port: int
    passive_ports: tuple[int, int]


class WanEmulator:
    """A user-space long link between ``listen_host`` and ``target_host`` (both loopback).

    ``delay`` is one way, in seconds; ``connection_rate`` caps each connection
    and ``link_rate`` all connections together, in bytes per second in each
    direction (``None``: no cap). Start with ``start()`` or ``with``; it
    stops after ``lifetime`` seconds whatever happens.
    """

    def __init__(
        self,
        ports: Iterable[int],
        *,
        delay: float = DELAY,
        connection_rate: float | None = CONNECTION_RATE,
        link_rate: float | None = LINK_RATE,
        listen_host: str = LISTEN_HOST,
        target_host: str = TARGET_HOST,
        lifetime: float = LIFETIME,
        handshake: bool = True,
    ) -> None:
        self.ports = sorted(set(ports))
        if not self.ports:
            raise ValueError("no port to listen on")
        self.listen_host = check_loopback(listen_host)
        self.target_host = check_loopback(target_host)
        if listen_host == target_host:
            raise ValueError("the listening and target addresses must differ")
        if delay < 0 or lifetime <= 0:
            raise ValueError("delay must be >= 0 and lifetime > 0")
        self.delay = delay
        self.connection_rate = connection_rate
        self.link_rate = link_rate
        self.lifetime = lifetime
        self.handshake = handshake
        self.expired = False
        """True once the emulator stopped because its lifetime ran out."""
        self._links = {UP: _Bucket(link_rate), DOWN: _Bucket(link_rate)}
        self._stats = {port: PortStats(port) for port in self.ports}
        self._connections: set[_Connection] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._error: BaseException | None = None

    @classmethod
    def for_server(cls, server: _ServerLike, **options: Any) -> WanEmulator:
        """In front of a ``ServerProcess``: HTTP, FTP, public FTP and every passive port."""
        low, high = server.passive_ports
        ports = [server.http_port, server.ftp_port, server.public_ftp_port, *range(low, high + 1)]
        return cls(ports, **options)

    @property
    def host(self) -> str:
        return self.listen_host

    def url(self, port: int, scheme: str = "http") -> str:
        return f"{scheme}://{self.listen_host}:{port}"

    def window(self) -> int:
        """Bytes a delay line may hold: twice the bandwidth-delay product, at least 1 MiB."""
        rates = [rate for rate in (self.connection_rate, self.link_rate) if rate]
        if not rates:
            return _UNCAPPED_WINDOW
        return max(_MIN_WINDOW, int(2 * min(rates) * max(self.delay, _SLACK)))

    # -- life cycle -------------------------------------------------------

    def start(self) -> WanEmulator:
        if self._thread is not None:
            raise RuntimeError("already started")
        self._thread = threading.Thread(target=self._run, name="wan-emulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=10):
            raise RuntimeError("the WAN emulator did not start")
        if self._error is not None:
            self._thread.join(timeout=5)
            raise RuntimeError(f"the WAN emulator could not listen: {self._error}") from self._error
        return self

    def stop(self, timeout: float = 10.0) -> None:
        thread = self._thread
        if thread is None:
            return
        loop, stopping = self._loop, self._stopping
        if thread.is_alive() and loop is not None and stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout=timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._error is None

    def __enter__(self) -> WanEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        finally:
            loop.close()

    async def _main(self) -> None:
        servers: list[asyncio.AbstractServer] = []
        self._stopping = asyncio.Event()
        try:
            for port in self.ports:
                servers.append(
                    await asyncio.start_server(
                        self._accepter(port), self.listen_host, port, limit=4 * CHUNK, backlog=256
                    )
                )
        except BaseException as error:  # reported by start()
            self._error = error
            for server in servers:
                server.close()
            self._ready.set()
            return
        self._ready.set()
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=self.lifetime)
        except TimeoutError:
            self.expired = True
        for server in servers:
            server.close()
        connections = list(self._connections)
        for connection in connections:
            connection.abort(reset=False)
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        if pending:
            await asyncio.wait(pending, timeout=2)
        for task in pending:
            task.cancel()

    def _accepter(self, port: int) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]:
        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            stats = self._stats[port]
            stats.accepted += 1
            stats.open += 1
            connection = _Connection(self, port, reader, writer)
            self._connections.add(connection)
            await connection.run()

        return accept

    def _call(self, function: Callable[[], T]) -> T:
        """Run ``function`` on the emulator's loop and return its result."""
        loop = self._loop
        if not self.running or loop is None:
            raise RuntimeError("the WAN emulator is not running")
        if self._thread is threading.current_thread():
            return function()
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def call() -> None:
            try:
                future.set_result(function())
            except BaseException as error:
                future.set_exception(error)

        loop.call_soon_threadsafe(call)
        return future.result(timeout=10)

    # -- control and measures ----------------------------------------------

    def cut(self, ports: int | Iterable[int] | None = None, *, limit: int | None = None) -> int:
        """Reset (RST to both peers) open connections, newest first; returns how many.

        ``ports``: only connections accepted on these ports (default: all);
        ``limit``: at most that many.
        """
        wanted = None if ports is None else {ports} if isinstance(ports, int) else set(ports)

        def cut_now() -> int:
            chosen = sorted(
                (
                    c
                    for c in self._connections
                    if not c.closed and (wanted is None or c.port in wanted)
                ),
                key=lambda c: c.id,
                reverse=True,
            )[:limit]
            for connection in chosen:
                connection.abort(reset=True)
                self._stats[connection.port].cut += 1
            return len(chosen)

        return self._call(cut_now)

    def configure(
        self,
        *,
        delay: float | None = None,
        connection_rate: float | None | _Keep = KEEP,
        link_rate: float | None | _Keep = KEEP,
    ) -> None:
        """Change the link while it runs (open connections follow at once); ``None``: no cap."""

        def apply() -> None:
            if delay is not None:
                self.delay = delay
            if not isinstance(connection_rate, _Keep):
                self.connection_rate = connection_rate
                for connection in self._connections:
                    for bucket in connection.buckets.values():
                        bucket.rate = connection_rate
            if not isinstance(link_rate, _Keep):
                self.link_rate = link_rate
                for bucket in self._links.values():
                    bucket.rate = link_rate

        self._call(apply)

    def stats(self) -> dict[int, PortStats]:
        """A snapshot per listening port: connections accepted, open and cut; bytes each way."""
        if not self.running:
            return {port: replace(stats) for port, stats in self._stats.items()}
        return self._call(lambda: {port: replace(stats) for port, stats in self._stats.items()})

    def open_connections(self, ports: int | Iterable[int] | None = None) -> int:
        wanted = None if ports is None else {ports} if isinstance(ports, int) else set(ports)
        snapshot = self.stats()
        return sum(s.open for port, s in snapshot.items() if wanted is None or port in wanted)

    def total(self) -> PortStats:
        """All ports together (``port`` 0)."""
        total = PortStats(0)
        for stats in self.stats().values():
            total.accepted += stats.accepted
            total.open += stats.open
            total.cut += stats.cut
            total.bytes_up += stats.bytes_up
            total.bytes_down += stats.bytes_down
        return total


def _parse_ports(text: str) -> list[int]:
    ports: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        ports += range(int(low), int(high or low) + 1)
    return ports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="A long link on loopback (127.0.0.2 -> 127.0.0.1)."
    )
    parser.add_argument(
        "--ports", type=_parse_ports, required=True, help="e.g. 8000,2121,30000-30019"
    )
    parser.add_argument("--delay", type=float, default=DELAY, help="one way, seconds")
    parser.add_argument("--connection-rate", type=float, default=CONNECTION_RATE, help="B/s")
    parser.add_argument("--link-rate", type=float, default=LINK_RATE, help="B/s")
    parser.add_argument("--lifetime", type=float, default=3600.0, help="seconds")
    args = parser.parse_args(argv)
    wan = WanEmulator(
        args.ports,
        delay=args.delay,
        connection_rate=args.connection_rate or None,
        link_rate=args.link_rate or None,
        lifetime=args.lifetime,
    )
    with wan:
        print(f"{wan.host} -> {wan.target_host}, ports {args.ports}; Ctrl-C stops", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while wan.running:
                time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
