"""The queue survives kill -9 at any moment; large queues stay fast."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path, PurePosixPath

from omix_desktop.transfer.queue_store import ItemState, QueueStore
from omix_desktop.transfer.selection import PlannedFile, plan_uploads
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
ROOT = Path(__file__).resolve().parents[2]


def start_uploader(data: Path, port: int, files: list[Path]) -> subprocess.Popen[bytes]:
    """The engine in a child process (a plain Popen: asyncio's child watcher is shared)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.transfer.crash_child",
            str(data),
            str(port),
            *map(str, files),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


async def test_sigkill_mid_upload_then_resume(aioftp_peer: AioftpPeer, make_file, tmp_path) -> None:
    files = [make_file("k/a.bin", 6 * MiB, seed=1), make_file("k/b.bin", 5 * MiB, seed=2)]
    data = tmp_path / "data"
    child = start_uploader(data, aioftp_peer.port, files)
    try:
        remote = aioftp_peer.home / "a.bin"

        def partly_uploaded() -> bool:
            assert child.poll() is None, "the uploader ended before it was killed"
            return remote.exists() and remote.stat().st_size >= 1 * MiB

        await poll_until(partly_uploaded, 20)
        child.send_signal(signal.SIGKILL)
        await poll_until(lambda: child.poll() is not None)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    partial = remote.stat().st_size
    assert 0 < partial < 6 * MiB

    store = QueueStore(data)  # what the killed process left behind
    assert store.recovered >= 1  # 'uploading' items put back to 'queued'
    assert all(i.state is ItemState.QUEUED for i in store.items())
    assert all(i.started for i in store.items() if i.remote_path.name == "a.bin")
    store.close()

    queue = open_queue(data, aioftp_settings(aioftp_peer.port))
    recorder = Recorder(queue)
    async with queue:
        await run_until_settled(queue)
    items = queue.items()
    assert [i.state for i in items] == [ItemState.VERIFIED] * 2
    for item, local in zip(items, files, strict=True):
        assert item.md5 == md5_of(local) == item.remote_md5
    offsets = [n.params["offset"] for n in recorder.notices("resumed") if n.item_id == items[0].id]
    assert offsets and offsets[0] >= partial - MiB  # not restarted from zero


async def test_engine_stopped_abruptly_in_process(
    aioftp_peer: AioftpPeer, make_file, tmp_path
) -> None:
    local = make_file("z.bin", 4 * MiB)
    data = tmp_path / "data"
    queue = open_queue(data, aioftp_settings(aioftp_peer.port), speed_limit=2 * MiB)
    queue.add(plan_uploads([local]))
    await queue.start()
    remote = aioftp_peer.home / "z.bin"
    await poll_until(lambda: remote.exists() and remote.stat().st_size > 0)
    # abrupt: the running task is cancelled with no bookkeeping, the store left as is
    queue._dispatcher.cancel()
    for run in list(queue._runs.values()):
        run.task.cancel()
    queue.store.update(1, state=ItemState.UPLOADING)  # as a crash would leave it
    queue.store.close()

    again = open_queue(data, aioftp_settings(aioftp_peer.port))
    assert again.store.recovered == 1
    async with again:
        await run_until_settled(again)
    (item,) = again.items()
    assert item.state is ItemState.VERIFIED and item.md5 == md5_of(local)


def test_store_round_trip_and_upsert(tmp_path, make_file) -> None:
    local = make_file("u.bin", 100)
    store = QueueStore(tmp_path / "data")
    (item,) = store.add(plan_uploads([local]))
    item = store.update(
        item.id,
        state=ItemState.FAILED,
        reason="connection_lost",
        reason_params={"detail": "x"},
        paused=True,
    )
    store.close()
    store = QueueStore(tmp_path / "data")
    again = store.get(item.id)
    assert again == item
    assert again.reason_params == {"detail": "x"} and again.paused
    # re-adding the same file requeues the failed item instead of duplicating it
    (readded,) = store.add(plan_uploads([local]))
    assert readded.id == item.id and readded.state is ItemState.QUEUED and not readded.paused
    assert len(store.items()) == 1
    assert store.counts()["queued"] == 1
    store.close()


def test_ten_thousand_items_add_and_list(tmp_path) -> None:
    local = tmp_path / "x"
    planned = [
        PlannedFile(local / f"f{i}.fq.gz", PurePosixPath(f"run/f{i}.fq.gz"), 1000 + i, 1)
        for i in range(10_000)
    ]
    store = QueueStore(tmp_path / "data")
    added = store.add(planned)
    listed = store.items()
    counts = store.counts()
    # how fast: benchmarks/bench_queue_10k.py (timings do not belong in unit tests)
    assert len(added) == len(listed) == 10_000 and counts["queued"] == 10_000
    store.close()
