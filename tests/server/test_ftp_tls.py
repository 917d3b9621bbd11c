"""Explicit FTP over TLS (AUTH TLS, PBSZ 0, PROT P) with a self-signed certificate."""

from __future__ import annotations

import datetime as dt
import ftplib
import io
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import aioftp
import pytest

from tests.server.ftp_support import md5, payload, wait_row
from tests.support.accounts import PASSWORD, ApiUser, new_user
from tests.support.server import HOST, ServerProcess


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "omix-test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(own_server: ServerProcess, tmp_path: Path) -> Iterator[tuple[ServerProcess, Path]]:
    pytest.importorskip("cryptography")
    cert, key = make_certificate(tmp_path)
    own_server.extra_args = ["--ftp-tls-cert", str(cert), "--ftp-tls-key", str(key)]
    yield own_server.start(), cert


def _context(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


def test_ftplib_ftp_tls_with_protected_data(tls_server: tuple[ServerProcess, Path]) -> None:
    server, cert = tls_server
    owner = new_user(server.api, prefix="tls")
    data = payload(2 * 1024 * 1024 + 5, seed=21)
    ftp = ftplib.FTP_TLS(context=_context(cert), timeout=20)
    ftp.connect(HOST, server.ftp_port)
    try:
        assert "AUTH TLS" in ftp.sendcmd("FEAT")
        ftp.auth()
        ftp.login(owner.email, PASSWORD)
        ftp.prot_p()
        assert md5(data) in ftp.storbinary("STOR secure.bin", io.BytesIO(data))
        assert ftp.sendcmd("XMD5 secure.bin") == f"250 {md5(data)}"
        assert dict(ftp.mlsd())["secure.bin"]["size"] == str(len(data))
        received = io.BytesIO()
        ftp.retrbinary("RETR secure.bin", received.write)
        assert received.getvalue() == data
        # PROT C switches the data connections back to clear text
        ftp.prot_c()
        assert ftp.nlst() == ["secure.bin"]
    finally:
        ftp.quit()
    assert wait_row(server, owner.email, "secure.bin").md5 == md5(data)


async def test_aioftp_upgrade_to_tls(tls_server: tuple[ServerProcess, Path]) -> None:
    server, cert = tls_server
    owner: ApiUser = new_user(server.api, prefix="aiotls")
    data = payload(1_234_567, seed=22)
    client = aioftp.Client(socket_timeout=20)
    await client.connect(HOST, server.ftp_port)
    try:
        await client.upgrade_to_tls(_context(cert))  # AUTH TLS, PBSZ 0, PROT P
        await client.login(owner.email, PASSWORD)
        async with client.upload_stream("aio-secure.bin") as stream:
            await stream.write(data[:500_000])
        # resume over TLS too
        async with client.upload_stream("aio-secure.bin", offset=500_000) as stream:
            await stream.write(data[500_000:])
        assert int((await client.stat("aio-secure.bin"))["size"]) == len(data)
        code, lines = await client.command("XMD5 aio-secure.bin", "250")
        assert lines[0].strip() == md5(data)
    finally:
        await client.quit()


def test_prot_needs_auth_first(tls_server: tuple[ServerProcess, Path]) -> None:
    server, _cert = tls_server
    ftp = ftplib.FTP()
    ftp.connect(HOST, server.ftp_port, timeout=20)
    try:
        with pytest.raises(ftplib.error_perm, match="^503"):
            ftp.sendcmd("PROT P")
    finally:
        ftp.close()
