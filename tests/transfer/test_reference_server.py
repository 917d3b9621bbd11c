"""The engine against our own reference server (``omix-server``) on loopback.

Uses the session-wide server of ``tests/conftest.py`` and a fresh account;
the server offers ``SIZE`` and the range checksum ``XMD5``, so uploads end
MD5-verified and resumes are checked byte-for-byte before continuing.
"""

from __future__ import annotations

import random

from omix_desktop.transfer.ftp_uploader import FtpSettings
from omix_desktop.transfer.queue_store import ItemState
from omix_desktop.transfer.reasons import FailureReason
from omix_desktop.transfer.selection import plan_uploads
from omix_desktop.transfer.small_files import SmallFileBoost
from tests.support.accounts import ApiUser
from tests.support.server import ServerProcess
from tests.transfer.engine import Recorder, md5_of, open_queue, poll_until, run_until_settled
from tests.transfer.peers import CuttingProxy

MiB = 1024 * 1024


def settings(port: int, user: ApiUser, **changes: object) -> FtpSettings:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "user": user.email,
        "password": user.password,
        "connect_timeout": 5,
        "socket_timeout": 20,
    }
    values.update(changes)
    return FtpSettings(**values)  # type: ignore[arg-type]


async def test_folder_upload_md5_verified(
    server: ServerProcess, user: ApiUser, make_file, tmp_path
) -> None:
    for i in range(4):
        make_file(f"run7/lane{i % 2}/r{i}.fq.gz", 300_000 * (i + 1), seed=i)
    queue = open_queue(tmp_path / "data", settings(server.ftp_port, user))
    async with queue:
        queue.add(plan_uploads([tmp_path / "local" / "run7"]))
        await run_until_settled(queue)
    items = queue.items()
    assert [i.state for i in items] == [ItemState.VERIFIED] * 4, [
        (i.reason, i.reason_params) for i in items
    ]
    for item in items:
        assert item.verified_by == "md5"
        assert item.remote_md5 == item.md5 == md5_of(item.local_path)


async def test_cut_connections_resume_verified(
    server: ServerProcess, user: ApiUser, make_file, tmp_path
) -> None:
    local = make_file("cut/big.bin", 6 * MiB + 9)
    rng = random.Random(3)
    proxy = await CuttingProxy(
        server.ftp_port, [rng.randrange(200_000, 2 * MiB) for _ in range(3)]
    ).start()
    try:
        queue = open_queue(tmp_path / "data", settings(proxy.port, user))
        recorder = Recorder(queue)
        async with queue:
            queue.add(plan_uploads([local]))
            await run_until_settled(queue, 40)
    finally:
        await proxy.stop()
    (item,) = queue.items()
    assert item.state is ItemState.VERIFIED, (item.reason, item.reason_params)
    assert item.remote_md5 == md5_of(local)
    assert len(recorder.notices("resumed")) >= proxy.cuts_done - 1
    assert recorder.notices("restarted") == []
    assert proxy.data_bytes - local.stat().st_size <= proxy.cuts_done * 2 * MiB


async def test_wrong_password(server: ServerProcess, user: ApiUser, make_file, tmp_path) -> None:
    local = make_file("w.bin", 100)
    queue = open_queue(tmp_path / "data", settings(server.ftp_port, user, password="nope"))
    async with queue:
        queue.add(plan_uploads([local]))
        await run_until_settled(queue)
    (item,) = queue.items()
    assert item.reason == FailureReason.LOGIN_FAILED and queue.paused


async def test_many_small_files_take_few_round_trips(
    server: ServerProcess, user: ApiUser, make_file, tmp_path
) -> None:
    """Connections stay signed in across files; no probe for a file never sent; the
    server's MD5 comes from its reply to the upload; one MKD and one listing per folder."""
    for i in range(30):
        make_file(f"batch/lane{i % 2}/r{i}.fq", 2_000 + i, seed=i)
    proxy = await CuttingProxy(server.ftp_port).start()
    try:
        queue = open_queue(
            tmp_path / "data",
            settings(proxy.port, user),
            concurrency=3,
            small_files=SmallFileBoost(cap=0),  # exactly 3 connections: count their commands
        )
        async with queue:
            queue.add(plan_uploads([tmp_path / "local" / "batch"]))
            await run_until_settled(queue, 40)
    finally:
        await proxy.stop()
    items = queue.items()
    assert [i.state for i in items] == [ItemState.VERIFIED] * 30
    assert all(i.verified_by == "md5" and i.remote_md5 == md5_of(i.local_path) for i in items)
    assert proxy.count("USER") <= 3  # one sign-in per connection, not per file
    assert proxy.count("STOR") == 30
    assert proxy.count("SIZE") == 0 and proxy.count("XMD5") == 0
    assert proxy.count("NLST") == 2  # batch/lane0 and batch/lane1, once each
    assert proxy.count("MKD") == 3  # batch, batch/lane0, batch/lane1


async def test_a_file_already_on_the_server_is_not_sent_again(
    server: ServerProcess, user: ApiUser, make_file, tmp_path
) -> None:
    local = make_file("again/same.bin", 3 * MiB, seed=8)
    first = open_queue(tmp_path / "one", settings(server.ftp_port, user))
    async with first:
        first.add(plan_uploads([tmp_path / "local" / "again"]))
        await run_until_settled(first)
    proxy = await CuttingProxy(server.ftp_port).start()
    try:
        second = open_queue(tmp_path / "two", settings(proxy.port, user))  # another computer
        recorder = Recorder(second)
        async with second:
            (item,) = second.add(plan_uploads([tmp_path / "local" / "again"]))
            await run_until_settled(second)
    finally:
        await proxy.stop()
    done = second.get(item.id)
    assert done.state is ItemState.VERIFIED and done.remote_md5 == md5_of(local)
    assert recorder.notices("already_on_server")
    assert proxy.count("STOR") == 0 and proxy.data_bytes == 0


async def test_small_files_go_more_at_a_time_over_a_long_link(
    server: ServerProcess, user: ApiUser, make_file, tmp_path
) -> None:
    """Over a link with a round trip of 40 ms, small files run beyond the setting of 2."""
    from tests.support.wan import LISTEN_HOST, WanEmulator

    for i in range(80):
        make_file(f"many/r{i}.fq", 16_000 + i, seed=i)
    peak = 0
    with WanEmulator.for_server(server, delay=0.02, lifetime=120):
        queue = open_queue(
            tmp_path / "data", settings(server.ftp_port, user, host=LISTEN_HOST), concurrency=2
        )

        ids = range(1, 81)

        def watch(_event: object) -> None:
            nonlocal peak
            peak = max(peak, sum(queue.is_running(i) for i in ids))

        queue.events.subscribe(watch)
        async with queue:
            queue.add(plan_uploads([tmp_path / "local" / "many"]))
            await run_until_settled(queue, 90)
    assert [i.state for i in queue.items()] == [ItemState.VERIFIED] * 80
    assert peak > 2


async def test_connections_waiting_in_the_pool_are_kept_alive(
    server: ServerProcess, user: ApiUser, make_file, tmp_path
) -> None:
    """While a long upload runs, the connection that sent a small file says NOOP
    now and then instead of going silent, and is used again without a new sign-in."""
    big = make_file("keep/big.bin", 3 * MiB, seed=1)
    small = [make_file(f"keep/s{i}.fq", 1000 + i, seed=i) for i in range(2)]
    proxy = await CuttingProxy(server.ftp_port).start()
    try:
        queue = open_queue(
            tmp_path / "data", settings(proxy.port, user), concurrency=2,
            speed_limit=2 * MiB, keepalive=0.3, small_files=SmallFileBoost(cap=0),
        )  # fmt: skip
        async with queue:
            queue.add(plan_uploads([big, small[0]]))
            await poll_until(lambda: proxy.count("NOOP") >= 2, 10)
            queue.add(plan_uploads([small[1]]))
            await run_until_settled(queue, 30)
    finally:
        await proxy.stop()
    assert [i.state for i in queue.items()] == [ItemState.VERIFIED] * 3
    # the kept connection sends the third file, unless it was mid-NOOP at that moment
    assert proxy.count("USER") <= 3
