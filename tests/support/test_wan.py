"""The long-link emulator against an echo server on 127.0.0.1.

Bounds only, with wide margins: these check the model (delay, pipeline, caps,
cuts), not the speed of this machine; figures go in benchmarks/bench_wan.py.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from tests.support.server import free_port
from tests.support.wan import LISTEN_HOST, TARGET_HOST, WanEmulator

pytestmark = pytest.mark.timeout(60)

MB = 1_000_000


class _Echo(socketserver.BaseRequestHandler):
    server: EchoServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        try:
            while data := sock.recv(256 * 1024):
                sock.sendall(data)
        except ConnectionResetError:
            self.server.resets += 1


class EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__((TARGET_HOST, free_port()), _Echo)
        self.resets = 0
        self.port = int(self.server_address[1])
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    yield server
    server.shutdown()
    server.server_close()


def connect(port: int) -> socket.socket:
    sock = socket.create_connection((LISTEN_HOST, port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def ping(sock: socket.socket) -> float:
    started = time.perf_counter()
    sock.sendall(b"x")
    assert sock.recv(1) == b"x"
    return time.perf_counter() - started


def echo_through(port: int, size: int) -> float:
    """Seconds to send ``size`` bytes and get them all back (both directions pipelined)."""
    sock = connect(port)
    block = b"\x5a" * (256 * 1024)

    def send() -> None:
        left = size
        while left:
            sent = sock.send(block[: min(left, len(block))])
            left -= sent
        sock.shutdown(socket.SHUT_WR)

    started = time.perf_counter()
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    received = 0
    while data := sock.recv(256 * 1024):
        received += len(data)
    elapsed = time.perf_counter() - started
    sender.join(timeout=10)
    sock.close()
    assert received == size
    return elapsed


def test_a_round_trip_costs_twice_the_delay_and_a_new_connection_one_more(
    echo: EchoServer,
) -> None:
    with WanEmulator([echo.port], delay=0.05) as wan:
        sock = connect(echo.port)
        first = ping(sock)  # handshake round trip + the request's
        rtts = [ping(sock) for _ in range(5)]
        sock.close()
        assert wan.stats()[echo.port].accepted == 1
    assert 0.095 <= min(rtts) <= 0.25, rtts
    assert first >= 0.19, first


def test_delay_is_a_pipeline_not_a_sleep_per_chunk(echo: EchoServer) -> None:
    # 16 MB in 64 KiB chunks: one sleep per chunk at 0.2 s RTT would take ~50 s.
    with WanEmulator([echo.port], delay=0.1, connection_rate=None, link_rate=None) as wan:
        elapsed = echo_through(echo.port, 16 * MB)
        stats = wan.stats()[echo.port]
    assert 0.3 <= elapsed < 8, elapsed
    assert stats.bytes_up == stats.bytes_down == 16 * MB


def test_one_connection_runs_at_its_cap(echo: EchoServer) -> None:
    rate = 2 * MB
    with WanEmulator([echo.port], delay=0.01, connection_rate=rate, link_rate=None):
        elapsed = echo_through(echo.port, 2 * MB)
    measured = 2 * MB / elapsed
    assert 0.6 * rate <= measured <= 1.1 * rate, measured


def test_connections_share_the_link(echo: EchoServer) -> None:
    """4 connections capped at 2 MB/s each on a 3 MB/s link: the link is the limit."""
    link, each, count = 3 * MB, 750_000, 4
    times: list[float] = []
    with WanEmulator([echo.port], delay=0.01, connection_rate=2 * MB, link_rate=link) as wan:
        started = time.perf_counter()
        threads = [
            threading.Thread(target=lambda: times.append(echo_through(echo.port, each)))
            for _ in range(count)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        elapsed = time.perf_counter() - started
        assert wan.stats()[echo.port].accepted == count
    assert len(times) == count
    total = count * each / elapsed
    assert 0.6 * link <= total <= 1.1 * link, total
    # first come, first served: nobody is starved (each gets well over half its fair share)
    assert max(times) <= 1.6 * min(times) + 0.3, times


def test_cut_resets_the_chosen_connections_on_both_sides(echo: EchoServer) -> None:
    other = EchoServer()
    try:
        with WanEmulator([echo.port, other.port], delay=0.01) as wan:
            doomed = [connect(echo.port), connect(echo.port)]
            spared = connect(other.port)
            for sock in [*doomed, spared]:
                ping(sock)
            assert wan.open_connections() == 3

            assert wan.cut(echo.port) == 2
            for sock in doomed:
                with pytest.raises(ConnectionResetError):
                    sock.recv(1)
            ping(spared)  # untouched
            deadline = time.monotonic() + 5
            while echo.resets < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert echo.resets == 2  # the server saw RST too

            assert wan.cut() == 1
            with pytest.raises(ConnectionResetError):
                spared.recv(1)
            again = connect(echo.port)  # the link itself still works
            ping(again)
            again.close()
            stats = wan.stats()
            assert (stats[echo.port].cut, stats[other.port].cut) == (2, 1)
            assert stats[echo.port].accepted == 3
    finally:
        other.shutdown()
        other.server_close()


def test_a_refused_upstream_is_a_reset_for_the_client() -> None:
    port = free_port()  # nothing listens on 127.0.0.1 there
    with WanEmulator([port], delay=0.01):
        sock = connect(port)
        with pytest.raises(ConnectionResetError):
            sock.recv(1)
        sock.close()


def test_it_stops_by_itself_after_its_lifetime(echo: EchoServer) -> None:
    wan = WanEmulator([echo.port], delay=0.01, lifetime=0.5).start()
    sock = connect(echo.port)
    ping(sock)
    deadline = time.monotonic() + 10
    while wan.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not wan.running and wan.expired
    assert sock.recv(1) == b""  # closed, not left hanging
    sock.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((LISTEN_HOST, echo.port), timeout=2)
    wan.stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.1", "192.168.1.1", "example.org"])
def test_only_loopback_addresses(host: str) -> None:
    with pytest.raises(ValueError):
        WanEmulator([8000], listen_host=host)
    with pytest.raises(ValueError):
        WanEmulator([8000], target_host=host)


def test_a_busy_port_is_reported_at_start(echo: EchoServer) -> None:
    with socket.socket() as taken:
        taken.bind((LISTEN_HOST, echo.port))
        taken.listen()
        wan = WanEmulator([echo.port])
        with pytest.raises(RuntimeError, match="could not listen"):
            wan.start()
        assert not wan.running


def test_configure_changes_the_cap_of_open_connections(echo: EchoServer) -> None:
    with WanEmulator([echo.port], delay=0.01, connection_rate=20 * MB, link_rate=None) as wan:
        sock = connect(echo.port)
        ping(sock)
        sock.close()
        wan.configure(connection_rate=1 * MB)
        elapsed = echo_through(echo.port, 500_000)
    assert elapsed >= 0.35, elapsed  # 0.5 s at 1 MB/s; 25 ms at the old cap
