"""Every failure is classified, explained, and loses nothing."""

from __future__ import annotations

import os
import ssl
from pathlib import PurePosixPath

from omix_desktop.transfer.ftp_uploader import FtpConnection
from omix_desktop.transfer.queue_store import ItemState
from omix_desktop.transfer.reasons import FailureReason, SuggestedAction, TransferError, describe
from omix_desktop.transfer.selection import PlannedFile, plan_uploads
from tests.transfer.engine import Recorder, aioftp_settings, md5_of, open_queue, run_until_settled
from tests.transfer.peers import AioftpPeer, free_port

MiB = 1024 * 1024


async def test_wrong_password_fails_and_pauses_queue(
    aioftp_peer: AioftpPeer, make_file, tmp_path
) -> None:
    files = [make_file(f"{i}.bin", 1000, seed=i) for i in range(3)]
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port, password="wrong"))
    recorder = Recorder(queue)
    async with queue:
        queue.add(plan_uploads(files))
        await run_until_settled(queue)
        failed = queue.items([ItemState.FAILED])
        assert len(failed) >= 1
        assert failed[0].reason == FailureReason.LOGIN_FAILED
        assert failed[0].action == SuggestedAction.CHECK_CREDENTIALS
        assert "password" in failed[0].reason_params["message"]
        assert queue.paused  # the other files would fail the same way: nothing else tried
        assert recorder.notices("queue_paused_by_error")
        assert all(i.state is ItemState.QUEUED for i in queue.items() if i not in failed)
        # fix the password, requeue, resume: everything lands
        queue.set_settings(aioftp_settings(aioftp_peer.port))
        queue.retry()
        queue.resume_all()
        await run_until_settled(queue)
    assert [i.state for i in queue.items()] == [ItemState.VERIFIED] * 3


async def test_server_down_retries_then_fails_clearly(make_file, tmp_path) -> None:
    local = make_file("a.bin", 1000)
    queue = open_queue(tmp_path / "data", aioftp_settings(free_port()))
    recorder = Recorder(queue)
    async with queue:
        queue.add(plan_uploads([local]))
        await run_until_settled(queue)
    (item,) = queue.items()
    assert item.state is ItemState.FAILED
    assert item.reason == FailureReason.CONNECTION_FAILED
    assert item.action == SuggestedAction.CHECK_NETWORK
    assert len(recorder.notices("retry_scheduled")) == 3  # FAST_RETRY allows 4 failures
    assert "Cannot reach the FTP server" in item.reason_params["message"]


async def test_tls_refused_by_server(aioftp_peer: AioftpPeer, make_file, tmp_path) -> None:
    local = make_file("a.bin", 1000)
    context = ssl.create_default_context()
    settings = aioftp_settings(aioftp_peer.port, tls=True, ssl_context=context)
    queue = open_queue(tmp_path / "data", settings)
    async with queue:
        queue.add(plan_uploads([local]))
        await run_until_settled(queue)
    (item,) = queue.items()
    assert item.reason == FailureReason.TLS_NOT_SUPPORTED
    assert item.action == SuggestedAction.DISABLE_TLS
    assert "does not support TLS (AUTH SSL" in item.reason_params["message"]
    assert not (aioftp_peer.home / "a.bin").exists()


async def test_server_disk_full_is_clear_and_loses_nothing(tmp_path, make_file) -> None:
    local = make_file("big.bin", 4 * MiB)
    peer = await AioftpPeer(tmp_path / "home", quota=MiB + 1234).start()
    try:
        queue = open_queue(tmp_path / "data", aioftp_settings(peer.port))
        async with queue:
            queue.add(plan_uploads([local]))
            await run_until_settled(queue)
            (item,) = queue.items()
            assert item.state is ItemState.FAILED
            assert item.reason == FailureReason.SERVER_DISK_FULL, (item.reason, item.reason_params)
            assert item.action == SuggestedAction.FREE_SERVER_SPACE
            partial = (peer.home / "big.bin").stat().st_size
            assert 0 < partial <= MiB + 1234
            # space freed: retry resumes from what is there and ends verified
            from tests.transfer.peers import QuotaPathIO

            QuotaPathIO.quota = None
            recorder = Recorder(queue)
            queue.retry()
            await run_until_settled(queue)
        (item,) = queue.items()
        assert item.state is ItemState.VERIFIED and item.md5 == md5_of(local)
        assert recorder.notices("resumed")[0].params["offset"] == partial
    finally:
        await peer.stop()


async def test_md5_mismatch_requeued_once_then_failed(tmp_path, make_file) -> None:
    local = make_file("m.bin", MiB)
    peer = await AioftpPeer(tmp_path / "home", lie=True).start()
    try:
        queue = open_queue(tmp_path / "data", aioftp_settings(peer.port))
        recorder = Recorder(queue)
        async with queue:
            queue.add(plan_uploads([local]))
            await run_until_settled(queue)
        (item,) = queue.items()
        assert item.state is ItemState.FAILED and item.reason == FailureReason.MD5_MISMATCH
        assert item.verify_failures == 2
        assert item.reason_params["local"] == md5_of(local)
        assert [n.params["why"] for n in recorder.notices("restarted")] == ["md5_mismatch"]
        assert recorder.states(item.id).count(ItemState.UPLOADED) == 2
    finally:
        await peer.stop()


async def test_bad_name_never_sent(aioftp_peer: AioftpPeer, make_file, tmp_path) -> None:
    local = make_file("bad name.txt", 10)
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port))
    async with queue:
        queue.add([PlannedFile(local, PurePosixPath("bad name.txt"))])
        await run_until_settled(queue)
    (item,) = queue.items()
    assert item.reason == FailureReason.BAD_NAME and item.action == SuggestedAction.RENAME_FILE
    assert "contains a space" in item.reason_params["message"]
    assert not any(aioftp_peer.home.rglob("*.txt"))


async def test_file_changed_after_hashing_is_rehashed(
    aioftp_peer: AioftpPeer, make_file, tmp_path
) -> None:
    local = make_file("c.bin", MiB, seed=1)
    stat = local.stat()
    planned = PlannedFile(local, PurePosixPath("c.bin"), stat.st_size, stat.st_mtime_ns, "0" * 32)
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port))
    recorder = Recorder(queue)
    queue.add([planned])
    with local.open("ab") as handle:  # edited after hashing, before the upload
        handle.write(b"more")
    os.utime(local, ns=(stat.st_mtime_ns + 10**9, stat.st_mtime_ns + 10**9))
    async with queue:
        await run_until_settled(queue)
    (item,) = queue.items()
    assert recorder.notices("file_changed_rehash")
    assert item.state is ItemState.VERIFIED
    assert item.md5 == md5_of(local) and item.size == MiB + 4


async def test_local_file_missing(aioftp_peer: AioftpPeer, make_file, tmp_path) -> None:
    local = make_file("gone.bin", 10)
    queue = open_queue(tmp_path / "data", aioftp_settings(aioftp_peer.port))
    queue.add(plan_uploads([local]))
    local.unlink()
    async with queue:
        await run_until_settled(queue)
    (item,) = queue.items()
    assert item.reason == FailureReason.LOCAL_FILE_MISSING


async def test_connection_reports_missing_remote_and_size(
    aioftp_peer: AioftpPeer, make_file
) -> None:
    connection = FtpConnection(aioftp_settings(aioftp_peer.port))
    await connection.open()
    try:
        assert await connection.remote_size(PurePosixPath("nope.bin")) is None
        await connection.ensure_directory(PurePosixPath("a/b/c"))
        await connection.ensure_directory(PurePosixPath("a/b/c"))
        assert (aioftp_peer.home / "a" / "b" / "c").is_dir()
        local = make_file("s.bin", 12345)
        await connection.send(
            local,
            PurePosixPath("a/b/c/s.bin"),
            offset=0,
            size=12345,
            hasher=None,
            on_sent=lambda n: None,
        )
        assert await connection.remote_size(PurePosixPath("a/b/c/s.bin")) == 12345
        assert await connection.range_md5(PurePosixPath("a/b/c/s.bin"), 0, 12345) == md5_of(local)
    finally:
        await connection.close()


def test_every_reason_has_text_and_action() -> None:
    for reason in FailureReason:
        error = TransferError(reason, {"detail": "x"})
        assert describe(reason, {"detail": "x"}) == str(error)
        assert error.action in SuggestedAction
    assert not TransferError(FailureReason.SERVER_ERROR, {"permanent": True}).retryable
