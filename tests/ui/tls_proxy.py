"""HTTPS in front of the test server: a TLS-terminating TCP relay on 127.0.0.1.

The reference server speaks plain HTTP (a site puts TLS in its reverse proxy);
this relay does the same on loopback, with a self-signed certificate for
127.0.0.1, so a test can download over real HTTPS. Each connection is relayed
byte for byte to the server's HTTP port; the relay runs its own event loop in
a thread and stops when the ``with`` block ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

from tests.server.test_ftp_tls import make_certificate
from tests.support.server import HOST, ServerProcess


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(256 * 1024):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


@contextlib.contextmanager
def https_in_front(server: ServerProcess, folder: Path) -> Iterator[tuple[str, Path]]:
    """``(https://127.0.0.1:PORT, certificate)`` relaying to ``server``'s HTTP port."""
    cert, key = make_certificate(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    loop = asyncio.new_event_loop()
    port: list[int] = []
    listening: list[asyncio.AbstractServer] = []
    ready = threading.Event()

    async def relay(client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        try:
            upstream, to_upstream = await asyncio.open_connection(HOST, server.http_port)
        except OSError:
            to_client.close()
            return
        await asyncio.gather(_pipe(client, to_upstream), _pipe(upstream, to_client))

    async def start() -> None:
        listening.append(await asyncio.start_server(relay, HOST, 0, ssl=context))
        port.append(listening[0].sockets[0].getsockname()[1])
        ready.set()

    async def stop() -> None:
        listening[0].close()
        running = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    def run() -> None:  # the test's thread has the app's loop marked running: not here
        asyncio.set_event_loop(loop)
        loop.create_task(start())
        loop.run_forever()

    thread = threading.Thread(target=run, name="https-relay", daemon=True)
    thread.start()
    if not ready.wait(timeout=10):
        raise RuntimeError("the HTTPS relay did not start")
    try:
        yield f"https://{HOST}:{port[0]}", cert
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
