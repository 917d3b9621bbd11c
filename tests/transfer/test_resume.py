"""Resume: cut connections, server restarts, remote parts that do not match."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from omix_desktop.transfer.queue_store import ItemState
from omix_desktop.transfer.selection import plan_uploads
from tests.transfer.engine import (
    Recorder,
    aioftp_settings,
    md5_of,
    open_queue,
    poll_until,
    run_until_settled,
    vsftpd_settings,
)
from tests.transfer.peers import AioftpPeer, CuttingProxy, VsftpdPeer

MiB = 1024 * 1024


async def upload_through_cuts(
    tmp_path: Path, make_file, target_port: int, home: Path, settings_for, cuts: list[int]
) -> None:
    sizes = [5 * MiB + 3, 3 * MiB, 2 * MiB + 100]
    files = [make_file(f"run/f{i}.bin", size, seed=i) for i, size in enumerate(sizes)]
    proxy = await CuttingProxy(target_port, cuts=cuts).start()
    try:
        queue = open_queue(tmp_path / "data", settings_for(proxy.port))
        recorder = Recorder(queue)
        async with queue:
            queue.add(plan_uploads([tmp_path / "local" / "run"]))
            await run_until_settled(queue, 40)
        items = queue.items()
        assert [i.state for i in items] == [ItemState.VERIFIED] * 3, [
            (i.reason, i.reason_params) for i in items
        ]
        for item in items:
            local = item.local_path
            assert (home / str(item.remote_path)).read_bytes() == local.read_bytes()
            assert item.md5 == md5_of(local)
        # every cut resumed from the server's size; nothing restarted from zero
        assert proxy.cuts_done >= 3
        resumed = recorder.notices("resumed")
        assert len(resumed) >= proxy.cuts_done - 1, [
            (e.item_id, e.code, dict(e.params)) for e in recorder.notices()
        ]
        assert recorder.notices("restarted") == []
        # bytes sent twice are bounded by what was in flight at each cut
        total = sum(f.stat().st_size for f in files)
        assert proxy.data_bytes - total <= len(cuts) * 2 * MiB
        assert proxy.data_connections >= len(cuts) + 1
    finally:
        await proxy.stop()


async def test_cut_connections_aioftp_with_range_checksum(
    aioftp_peer: AioftpPeer, make_file, tmp_path
) -> None:
    rng = random.Random(7)
    cuts = [rng.randrange(100_000, 3 * MiB // 2) for _ in range(4)]
    await upload_through_cuts(
        tmp_path,
        make_file,
        aioftp_peer.port,
        aioftp_peer.home,
        lambda port: aioftp_settings(port),
        cuts,
    )
    assert aioftp_peer.server is not None
    assert any(
        call.split()[1] != "0" or call.split()[2] != "0" for call in aioftp_peer.server.xmd5_calls
    )


async def test_cut_connections_vsftpd_trusts_size_and_mtime(
    vsftpd_peer: VsftpdPeer, make_file, tmp_path
) -> None:
    rng = random.Random(11)
    cuts = [rng.randrange(100_000, 3 * MiB // 2) for _ in range(4)]
    await upload_through_cuts(
        tmp_path,
        make_file,
        vsftpd_peer.port,
        vsftpd_peer.home,
        lambda port: vsftpd_settings(port),
        cuts,
    )


async def test_remote_part_that_differs_restarts_from_zero(
    aioftp_peer: AioftpPeer, make_file, tmp_path
) -> None:
    local = make_file("x.bin", 2 * MiB + 1)
    # a half-uploaded file from an earlier attempt, but with other content
    (aioftp_peer.home).mkdir(parents=True, exist_ok=True)
    (aioftp_peer.home / "x.bin").write_bytes(b"\0" * MiB)
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port))
    recorder = Recorder(queue)
    (item,) = queue.add(plan_uploads([local]))
    queue.store.update(item.id, started=True)  # as if this item had started it
    async with queue:
        await run_until_settled(queue)
    assert queue.get(item.id).state is ItemState.VERIFIED
    assert [n.params["why"] for n in recorder.notices("restarted")] == ["remote_part_differs"]
    assert (aioftp_peer.home / "x.bin").read_bytes() == local.read_bytes()


async def test_matching_remote_part_is_resumed_even_if_not_ours(
    aioftp_peer: AioftpPeer, make_file, tmp_path
) -> None:
    local = make_file("y.bin", 3 * MiB)
    aioftp_peer.home.mkdir(parents=True, exist_ok=True)
    (aioftp_peer.home / "y.bin").write_bytes(local.read_bytes()[: 2 * MiB])
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port))
    recorder = Recorder(queue)
    async with queue:
        queue.add(plan_uploads([local]))
        await run_until_settled(queue)
    assert [n.params["offset"] for n in recorder.notices("resumed")] == [2 * MiB]
    (item,) = queue.items()
    assert item.state is ItemState.VERIFIED and item.md5 == md5_of(local)


async def test_server_restart_mid_upload(tmp_path, make_file) -> None:
    local = make_file("z.bin", 6 * MiB)
    peer = await AioftpPeer(tmp_path / "home").start()
    port = peer.port
    queue = open_queue(tmp_path / "data", aioftp_settings(port), speed_limit=4 * MiB)
    recorder = Recorder(queue)
    async with queue:
        queue.add(plan_uploads([local]))
        remote = peer.home / "z.bin"
        await poll_until(lambda: remote.exists() and remote.stat().st_size >= 2 * MiB)
        await peer.stop()  # the server goes away mid-upload...
        peer.port = port
        restarted = AioftpPeer(tmp_path / "home")
        await _start_on(restarted, port)  # ...and comes back on the same port
        queue.set_speed_limit(None)
        try:
            await run_until_settled(queue, 30)
        finally:
            await restarted.stop()
    (item,) = queue.items()
    assert item.state is ItemState.VERIFIED, (item.reason, item.reason_params)
    assert item.md5 == md5_of(local)
    resumed = recorder.notices("resumed")
    assert resumed and resumed[0].params["offset"] >= MiB
    assert recorder.notices("retry_scheduled")


async def _start_on(peer: AioftpPeer, port: int) -> None:
    import asyncio

    import aioftp

    from tests.transfer.peers import PASSWORD, USER, ChecksumServer, QuotaPathIO

    user = aioftp.User(USER, PASSWORD, base_path=peer.root, home_path="/")
    QuotaPathIO.quota = None
    peer.server = ChecksumServer([user], block_size=MiB, path_io_factory=QuotaPathIO)
    for _ in range(50):
        try:
            await peer.server.start(host="127.0.0.1", port=port)
            break
        except OSError:
            await asyncio.sleep(0.1)
    else:
        pytest.fail("could not restart the server on its port")
    peer.port = port
