"""Segmented uploads: one large file as stripes over several connections to omix-server."""

from __future__ import annotations

import asyncio
import random
import signal
import sys

from omix_desktop.transfer.events import ItemProgress
from omix_desktop.transfer.queue_store import ItemState, QueueStore
from omix_desktop.transfer.segmented import SegmentPolicy, completed_md5
from omix_desktop.transfer.selection import plan_uploads
from tests.server.ftp_support import rows
from tests.support.accounts import ApiUser
from tests.support.server import ServerProcess
from tests.transfer.engine import (
    Recorder,
    aioftp_settings,
    md5_of,
    open_queue,
    poll_until,
    run_until_settled,
)
from tests.transfer.peers import AioftpPeer, CuttingProxy
from tests.transfer.test_reference_server import settings

MiB = 1024 * 1024
SMALL_STRIPES = SegmentPolicy(
    threshold=4 * MiB, stripe_size=MiB, start_connections=2, max_connections=6, grow_every=0.2
)


def peak_connections(recorder: Recorder) -> int:
    return max((e.connections for e in recorder.events if isinstance(e, ItemProgress)), default=0)


async def test_a_large_file_goes_as_stripes_and_ends_md5_verified(
    server: ServerProcess, user: ApiUser, make_file, tmp_path
) -> None:
    local = make_file("big/reads.fq.gz", 24 * MiB + 77)
    queue = open_queue(
        tmp_path / "data",
        settings(server.ftp_port, user),
        segments=SMALL_STRIPES,
        speed_limit=24 * MiB,  # slow enough for the connection count to grow
    )
    recorder = Recorder(queue)
    async with queue:
        (item,) = queue.add(plan_uploads([local]))
        await run_until_settled(queue, 60)
    done = queue.get(item.id)
    assert done.state is ItemState.VERIFIED, (done.reason, done.reason_params)
    assert done.md5 == done.remote_md5 == md5_of(local)
    assert done.verified_by == "md5"
    assert peak_connections(recorder) > 2  # it grew beyond the start
    assert queue.store.stripes(item.id) == []  # the journal is gone once verified
    assert rows(server, user.email)[str(done.remote_path)].md5 == md5_of(local)


async def test_cut_stripes_are_sent_again_and_only_they(
    server: ServerProcess, user: ApiUser, make_file, tmp_path
) -> None:
    local = make_file("cuts.bin", 16 * MiB + 5, seed=3)
    rng = random.Random(11)
    cuts = [rng.randrange(10_000, MiB - 10_000) if i % 3 else None for i in range(45)]
    proxy = await CuttingProxy(server.ftp_port, cuts).start()
    try:
        queue = open_queue(tmp_path / "data", settings(proxy.port, user), segments=SMALL_STRIPES)
        async with queue:
            (item,) = queue.add(plan_uploads([local]))
            await run_until_settled(queue, 90)
    finally:
        await proxy.stop()
    done = queue.get(item.id)
    assert done.state is ItemState.VERIFIED, (done.reason, done.reason_params)
    assert done.remote_md5 == md5_of(local)
    assert proxy.cuts_done >= 20
    # every cut costs at most the stripe it cut: nothing else is sent twice
    assert proxy.data_bytes - local.stat().st_size <= proxy.cuts_done * MiB


async def test_pause_keeps_the_stored_stripes(
    server: ServerProcess, user: ApiUser, make_file, tmp_path
) -> None:
    local = make_file("paused.bin", 12 * MiB, seed=4)
    queue = open_queue(
        tmp_path / "data",
        settings(server.ftp_port, user),
        segments=SMALL_STRIPES,
        speed_limit=4 * MiB,
    )
    recorder = Recorder(queue)
    async with queue:
        (item,) = queue.add(plan_uploads([local]))
        await poll_until(
            lambda: sum(done for _s, _e, done in queue.store.stripes(item.id)) >= 3, 20
        )
        queue.pause(item.id)
        await poll_until(lambda: not queue.is_running(item.id))
        paused = queue.get(item.id)
        assert paused.state is ItemState.QUEUED and paused.paused
        stored = sum(e - s for s, e, done in queue.store.stripes(item.id) if done)
        queue.set_speed_limit(None)
        queue.resume(item.id)
        await run_until_settled(queue, 60)
    done = queue.get(item.id)
    assert done.state is ItemState.VERIFIED and done.remote_md5 == md5_of(local)
    assert recorder.notices("resumed")[-1].params["offset"] >= stored >= 3 * MiB


async def test_a_server_without_segments_gets_one_stream(
    aioftp_peer: AioftpPeer, make_file, tmp_path
) -> None:
    local = make_file("whole.bin", 6 * MiB)
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port), segments=SMALL_STRIPES)
    recorder = Recorder(queue)
    async with queue:
        (item,) = queue.add(plan_uploads([local]))
        await run_until_settled(queue)
    assert queue.get(item.id).state is ItemState.VERIFIED
    assert peak_connections(recorder) == 1
    assert queue.store.stripes(item.id) == []


def test_the_md5_comes_from_the_reply_that_completed_the_file() -> None:
    reply = "Transfer complete: /a/b.fq, 1234 bytes, MD5 0123456789ABCDEF0123456789abcdef."
    assert completed_md5(reply, 1234) == "0123456789abcdef0123456789abcdef"
    assert completed_md5(reply, 1235) is None
    assert completed_md5("Segment [0, 10) stored: 10 of 20 bytes of /x are in.", 20) is None


async def test_kill_9_mid_upload_resends_at_most_one_stripe_per_connection(
    server: ServerProcess, user: ApiUser, make_file, tmp_path
) -> None:
    local = make_file("crash.bin", 20 * MiB, seed=9)
    data = tmp_path / "data"
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.transfer.segmented_crash_child", str(data),
        str(server.ftp_port), user.email, user.password, str(local),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        assert (await child.stdout.readline()).strip() == b"started"
        store = QueueStore(data)

        def stored_stripes() -> int:
            return sum(done for _s, _e, done in store.stripes(1))

        await poll_until(lambda: stored_stripes() >= 4, 30)
        child.send_signal(signal.SIGKILL)
        await asyncio.wait_for(child.wait(), 10)
        store.close()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    proxy = await CuttingProxy(server.ftp_port).start()
    try:
        queue = open_queue(data, settings(proxy.port, user), segments=SMALL_STRIPES)
        async with queue:
            stored = sum(e - s for s, e, done in queue.store.stripes(1) if done)
            await run_until_settled(queue, 60)
    finally:
        await proxy.stop()
    (item,) = queue.items()
    assert item.state is ItemState.VERIFIED and item.remote_md5 == md5_of(local)
    assert stored >= 4 * MiB
    resent = proxy.data_bytes - (local.stat().st_size - stored)
    assert resent <= SMALL_STRIPES.max_connections * MiB  # at most one stripe per connection


async def test_a_server_restart_mid_upload_resumes_the_stripes(
    own_server: ServerProcess, make_file, tmp_path
) -> None:
    from tests.support.accounts import new_user

    server = own_server.start()
    user = new_user(server.api, prefix="segrestart")
    local = make_file("restart.bin", 16 * MiB, seed=10)
    queue = open_queue(
        tmp_path / "data", settings(server.ftp_port, user), segments=SMALL_STRIPES,
        speed_limit=4 * MiB,
    )  # fmt: skip
    async with queue:
        (item,) = queue.add(plan_uploads([local]))
        await poll_until(lambda: sum(d for _s, _e, d in queue.store.stripes(item.id)) >= 3, 30)
        server.stop()
        server.start()
        queue.set_speed_limit(None)
        await run_until_settled(queue, 90)
    done = queue.get(item.id)
    assert done.state is ItemState.VERIFIED, (done.reason, done.reason_params)
    assert done.remote_md5 == md5_of(local)
