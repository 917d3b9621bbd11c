"""Upload queue against a real aioftp server on 127.0.0.1 (with and without XMD5)."""

from __future__ import annotations

from pathlib import Path

from omix_desktop.transfer.events import ItemProgress, QueueProgress
from omix_desktop.transfer.hash_cache import HashCache
from omix_desktop.transfer.queue_store import ItemState
from omix_desktop.transfer.selection import plan_uploads
from tests.transfer.engine import Recorder, aioftp_settings, md5_of, open_queue, run_until_settled
from tests.transfer.peers import AioftpPeer


async def test_folder_upload_verified_with_md5(
    aioftp_peer: AioftpPeer, make_file, tmp_path
) -> None:
    files = [
        make_file("run1/a.fq.gz", 3 * 1024 * 1024 + 5, seed=1),
        make_file("run1/sub/b.fq.gz", 1024 * 1024, seed=2),
        make_file("run1/c.txt", 10, seed=3),
    ]
    cache = HashCache(tmp_path / "data")
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port), hash_cache=cache)
    recorder = Recorder(queue)
    async with queue:
        items = queue.add(plan_uploads([tmp_path / "local" / "run1"]))
        await run_until_settled(queue)
    done = queue.items()
    assert [i.state for i in done] == [ItemState.VERIFIED] * 3
    for item, local in zip(done, sorted(files), strict=True):
        assert item.local_path == local
        remote = aioftp_peer.home / str(item.remote_path)
        assert remote.read_bytes() == local.read_bytes()
        assert item.md5 == md5_of(local) == item.remote_md5  # hashed while uploading
        assert item.verified_by == "md5"
        assert cache.get(local) == item.md5
    assert (aioftp_peer.home / "run1" / "sub" / "b.fq.gz").exists()
    assert recorder.states(items[0].id) == [
        ItemState.UPLOADING,
        ItemState.UPLOADED,
        ItemState.VERIFIED,
    ]
    progress = [e for e in recorder.events if isinstance(e, ItemProgress)]
    assert progress and progress[-1].sent == progress[-1].total
    assert any(isinstance(e, QueueProgress) for e in recorder.events)


async def test_without_server_checksum_verifies_by_size(tmp_path: Path, make_file) -> None:
    peer = await AioftpPeer(tmp_path / "home", xmd5=False).start()
    try:
        local = make_file("a.bin", 2 * 1024 * 1024)
        queue = open_queue(tmp_path / "data", aioftp_settings(peer.port))
        async with queue:
            queue.add(plan_uploads([local]))
            await run_until_settled(queue)
        (item,) = queue.items()
        assert item.state is ItemState.VERIFIED and item.verified_by == "size"
        assert item.md5 == md5_of(local) and item.remote_md5 is None
        assert (peer.home / "a.bin").read_bytes() == local.read_bytes()
    finally:
        await peer.stop()
