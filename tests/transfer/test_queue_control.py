"""Pause/resume one or all, cancel, remove, retry, concurrency and speed limits."""

from __future__ import annotations

import asyncio
import time

from omix_desktop.transfer.events import ItemProgress, ItemRemoved
from omix_desktop.transfer.queue_store import ItemState
from omix_desktop.transfer.reasons import FailureReason
from omix_desktop.transfer.selection import plan_uploads
from tests.transfer.engine import (
    Recorder,
    aioftp_settings,
    md5_of,
    open_queue,
    poll_until,
    run_until_settled,
)
from tests.transfer.peers import AioftpPeer

MiB = 1024 * 1024


async def test_pause_and_resume_one_item(aioftp_peer: AioftpPeer, make_file, tmp_path) -> None:
    local = make_file("p.bin", 4 * MiB)
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port), speed_limit=4 * MiB)
    recorder = Recorder(queue)
    async with queue:
        (item,) = queue.add(plan_uploads([local]))
        await poll_until(
            lambda: any(isinstance(e, ItemProgress) and e.sent >= MiB for e in recorder.events)
        )
        queue.pause(item.id)
        await poll_until(lambda: not queue.is_running(item.id))
        paused = queue.get(item.id)
        assert paused.state is ItemState.QUEUED and paused.paused
        assert queue.is_settled()  # nothing left that would start by itself
        queue.set_speed_limit(None)
        queue.resume(item.id)
        await run_until_settled(queue)
    done = queue.get(item.id)
    assert done.state is ItemState.VERIFIED and done.md5 == md5_of(local)
    assert recorder.notices("resumed")[0].params["offset"] > 0


async def test_pause_all_and_resume_all(aioftp_peer: AioftpPeer, make_file, tmp_path) -> None:
    files = [make_file(f"{i}.bin", 2 * MiB, seed=i) for i in range(3)]
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port), speed_limit=4 * MiB)
    async with queue:
        queue.pause_all()
        queue.add(plan_uploads(files))
        await asyncio.sleep(0.2)
        assert not any(queue.is_running(i.id) for i in queue.items())
        assert queue.paused and queue.is_settled()
        queue.resume_all()
        await poll_until(lambda: any(queue.is_running(i.id) for i in queue.items()))
        queue.pause_all()
        await poll_until(lambda: not any(queue.is_running(i.id) for i in queue.items()))
        assert all(i.state is ItemState.QUEUED for i in queue.items())
        queue.set_speed_limit(None)
        queue.resume_all()
        await run_until_settled(queue)
    assert [i.state for i in queue.items()] == [ItemState.VERIFIED] * 3


async def test_cancel_then_retry(aioftp_peer: AioftpPeer, make_file, tmp_path) -> None:
    local = make_file("c.bin", 4 * MiB)
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port), speed_limit=2 * MiB)
    async with queue:
        (item,) = queue.add(plan_uploads([local]))
        await poll_until(lambda: queue.is_running(item.id))
        queue.cancel(item.id)
        await poll_until(lambda: not queue.is_running(item.id))
        cancelled = queue.get(item.id)
        assert cancelled.state is ItemState.FAILED and cancelled.reason == FailureReason.CANCELLED
        assert cancelled.list_name == "failed"
        queue.set_speed_limit(None)
        queue.retry([item.id])
        await run_until_settled(queue)
    assert queue.get(item.id).list_name == "successful"


async def test_remove_running_and_queued(aioftp_peer: AioftpPeer, make_file, tmp_path) -> None:
    files = [make_file(f"r{i}.bin", 3 * MiB, seed=i) for i in range(3)]
    queue = open_queue(
        tmp_path / "data", aioftp_settings(aioftp_peer.port), speed_limit=2 * MiB, concurrency=1
    )
    recorder = Recorder(queue)
    async with queue:
        first, second, third = queue.add(plan_uploads(files))
        await poll_until(lambda: queue.is_running(first.id))
        queue.remove(first.id)
        queue.remove(third.id)
        await poll_until(lambda: queue.get(first.id) is None)
        queue.set_speed_limit(None)
        await run_until_settled(queue)
    assert [i.id for i in queue.items()] == [second.id]
    assert {e.item_id for e in recorder.events if isinstance(e, ItemRemoved)} == {
        first.id,
        third.id,
    }


async def test_concurrency_limit(aioftp_peer: AioftpPeer, make_file, tmp_path) -> None:
    files = [make_file(f"k{i}.bin", MiB, seed=i) for i in range(6)]
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port), speed_limit=8 * MiB)
    peak = 0

    def watch(event: object) -> None:
        nonlocal peak
        peak = max(peak, sum(queue.is_running(i) for i in range(1, 7)))

    queue.events.subscribe(watch)
    async with queue:
        queue.add(plan_uploads(files))
        await run_until_settled(queue)
    assert peak == 2
    assert all(i.state is ItemState.VERIFIED for i in queue.items())


async def test_speed_limit_is_respected(aioftp_peer: AioftpPeer, make_file, tmp_path) -> None:
    local = make_file("s.bin", 3 * MiB)
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port), speed_limit=2 * MiB)
    assert queue.speed_limit == 2 * MiB
    started = time.monotonic()
    async with queue:
        queue.add(plan_uploads([local]))
        await run_until_settled(queue)
    elapsed = time.monotonic() - started
    assert elapsed >= 1.0  # 3 MiB at 2 MiB/s: at least ~1.5 s minus the first burst
    assert queue.items()[0].state is ItemState.VERIFIED


async def test_event_stream_iterator(aioftp_peer: AioftpPeer, make_file, tmp_path) -> None:
    local = make_file("e.bin", MiB)
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port))
    async with queue, queue.events.stream() as events:
        queue.add(plan_uploads([local]))
        names = []
        async with asyncio.timeout(10):
            while "verified" not in names:
                event = await events.get()
                state = getattr(getattr(event, "item", None), "state", None)
                if state is not None:
                    names.append(str(state))
    assert names[0] == "queued" and names[-1] == "verified"
