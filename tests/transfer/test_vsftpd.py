"""Against a third-party server: Debian's vsftpd on loopback, plain and explicit TLS."""

from __future__ import annotations

import ssl
from pathlib import Path

from omix_desktop.transfer.queue_store import ItemState
from omix_desktop.transfer.reasons import FailureReason
from omix_desktop.transfer.selection import plan_uploads
from tests.transfer.engine import md5_of, open_queue, run_until_settled, vsftpd_settings
from tests.transfer.peers import VsftpdPeer

MiB = 1024 * 1024


async def test_many_files_with_folders(vsftpd_peer: VsftpdPeer, make_file, tmp_path) -> None:
    for i in range(12):
        make_file(f"batch/s{i % 3}/f{i}.fq.gz", 50_000 * (i + 1), seed=i)
    queue = open_queue(tmp_path / "data", vsftpd_settings(vsftpd_peer.port))
    async with queue:
        queue.add(plan_uploads([tmp_path / "local" / "batch"]))
        await run_until_settled(queue)
    items = queue.items()
    assert len(items) == 12 and all(i.state is ItemState.VERIFIED for i in items)
    for item in items:
        remote = vsftpd_peer.home / str(item.remote_path)
        assert md5_of(remote) == item.md5 == md5_of(item.local_path)
        assert item.verified_by == "size"  # vsftpd offers no checksum command


def tls_context(cert: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(cert))
    return context


async def test_explicit_tls_with_session_reuse(
    vsftpd_tls_peer: VsftpdPeer, make_file, tmp_path
) -> None:
    # vsftpd here forces TLS for login and data and requires TLS session reuse
    # on data connections (require_ssl_reuse=YES), which ftplib cannot do.
    local = make_file("t/secure.bin", 3 * MiB + 17)
    assert vsftpd_tls_peer.tls_cert is not None
    settings = vsftpd_settings(
        vsftpd_tls_peer.port, tls=True, ssl_context=tls_context(vsftpd_tls_peer.tls_cert)
    )
    queue = open_queue(tmp_path / "data", settings)
    async with queue:
        queue.add(plan_uploads([local]))
        await run_until_settled(queue)
    (item,) = queue.items()
    assert item.state is ItemState.VERIFIED, (item.reason, item.reason_params)
    assert md5_of(vsftpd_tls_peer.home / "secure.bin") == md5_of(local)


async def test_plain_login_refused_by_tls_only_server(
    vsftpd_tls_peer: VsftpdPeer, make_file, tmp_path
) -> None:
    local = make_file("p.bin", 100)
    queue = open_queue(tmp_path / "data", vsftpd_settings(vsftpd_tls_peer.port))
    async with queue:
        queue.add(plan_uploads([local]))
        await run_until_settled(queue)
    (item,) = queue.items()
    assert item.state is ItemState.FAILED and item.reason == FailureReason.LOGIN_FAILED


async def test_untrusted_certificate_is_a_tls_failure(
    vsftpd_tls_peer: VsftpdPeer, make_file, tmp_path
) -> None:
    local = make_file("u.bin", 100)
    settings = vsftpd_settings(vsftpd_tls_peer.port, tls=True)  # system trust store only
    queue = open_queue(tmp_path / "data", settings)
    async with queue:
        queue.add(plan_uploads([local]))
        await run_until_settled(queue)
    (item,) = queue.items()
    assert item.reason == FailureReason.TLS_FAILED, (item.reason, item.reason_params)
