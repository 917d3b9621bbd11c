"""Transfer blocks are borrowed and always given back: finished, failed or cancelled."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from server_stub.ftp.blocks import BlockPool
from server_stub.ftp.datachannel import BLOCKS_PER_UPLOAD, DataChannel
from server_stub.ftp.hashing_io import HashingUpload, ResumeCache

BLOCK = 64 * 1024


def test_pool_reuses_blocks_and_keeps_only_its_idle_allowance() -> None:
    pool = BlockPool(keep_idle_bytes=2 * BLOCK)
    first = pool.take(BLOCK)
    pool.give(first)
    assert pool.take(BLOCK) is first
    blocks = [first] + [pool.take(BLOCK) for _ in range(3)]
    assert pool.borrowed == 4 and pool.allocated == 4
    for block in blocks:
        pool.give(block)
    assert pool.borrowed == 0
    assert pool.idle_bytes == 2 * BLOCK  # the other two were freed
    assert len(pool.take(2 * BLOCK)) == 2 * BLOCK  # another size is a new block


async def _channel(pool: BlockPool) -> tuple[asyncio.Server, asyncio.Future[DataChannel]]:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[DataChannel] = loop.create_future()
    server = await loop.create_server(
        lambda: DataChannel(lambda channel: ready.set_result(channel), pool), "127.0.0.1", 0
    )
    return server, ready


async def _send(port: int, data: bytes, close: bool = True) -> asyncio.StreamWriter:
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    if close:
        writer.close()
        await writer.wait_closed()
    return writer


async def test_blocks_go_back_after_an_upload_and_are_reused() -> None:
    pool = BlockPool()
    data = bytes(range(256)) * (BLOCK * 10 // 256 + 3)
    with ThreadPoolExecutor(2) as executor:
        for _round in range(3):
            server, ready = await _channel(pool)
            port = server.sockets[0].getsockname()[1]
            sender = asyncio.create_task(_send(port, data))
            channel = await ready
            received: list[bytes] = []
            count = await channel.receive(
                lambda view, into=received: into.append(bytes(view)), executor, BLOCK, 30
            )
            await sender
            server.close()
            assert count == len(data)
            assert hashlib.md5(b"".join(received)).digest() == hashlib.md5(data).digest()
            assert pool.borrowed == 0
    assert pool.allocated <= BLOCKS_PER_UPLOAD  # later uploads reused the first one's blocks


async def test_blocks_go_back_when_the_disk_refuses_a_block() -> None:
    pool = BlockPool()

    def refuse(_view: memoryview) -> None:
        raise OSError(28, "No space left on device")

    with ThreadPoolExecutor(2) as executor:
        server, ready = await _channel(pool)
        port = server.sockets[0].getsockname()[1]
        sender = asyncio.create_task(_send(port, b"x" * BLOCK * 4, close=False))
        channel = await ready
        with pytest.raises(OSError):
            await channel.receive(refuse, executor, BLOCK, 30)
        (await sender).close()
        server.close()
    assert pool.borrowed == 0


async def test_a_block_being_written_when_the_transfer_is_cancelled_goes_back_after_the_write() -> (
    None
):
    pool = BlockPool()
    writing = threading.Event()
    gate = threading.Event()

    def slow(_view: memoryview) -> None:
        writing.set()
        gate.wait(10)

    with ThreadPoolExecutor(2) as executor:
        server, ready = await _channel(pool)
        port = server.sockets[0].getsockname()[1]
        sender = asyncio.create_task(_send(port, b"y" * BLOCK * 4, close=False))
        channel = await ready
        task = asyncio.create_task(channel.receive(slow, executor, BLOCK, 30))
        await asyncio.to_thread(writing.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert pool.borrowed == 1  # the one the worker still writes from
        gate.set()
        for _attempt in range(200):  # bounded: 2 s
            if pool.borrowed == 0:
                break
            await asyncio.sleep(0.01)
        assert pool.borrowed == 0
        (await sender).close()
        server.close()


async def test_the_trailing_hasher_gives_its_block_back(tmp_path: Path) -> None:
    blocks = BlockPool()
    before = blocks.borrowed
    with ThreadPoolExecutor(2) as executor:
        upload = HashingUpload(tmp_path / "a.bin", executor, ResumeCache(), blocks)
        await upload.open(0, False)
        await asyncio.to_thread(upload.write_block, b"z" * 3000)
        md5 = await upload.finish()
    assert md5 == hashlib.md5(b"z" * 3000).hexdigest()
    for _attempt in range(200):  # the thread returns it just after settling: bounded 2 s
        if blocks.borrowed == before:
            break
        await asyncio.sleep(0.01)
    assert blocks.borrowed == before
