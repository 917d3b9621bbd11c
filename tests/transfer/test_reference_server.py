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
from tests.support.accounts import ApiUser
from tests.support.server import ServerProcess
from tests.transfer.engine import Recorder, md5_of, open_queue, run_until_settled
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
