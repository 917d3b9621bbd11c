"""Helpers for the pre-upload FTP tests: clients, cuts and database peeks."""

from __future__ import annotations

import ftplib
import hashlib
import io
import socket
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from server_stub.db import Database
from server_stub.models import PreuploadFile, User
from tests.support.accounts import PASSWORD, ApiUser
from tests.support.server import HOST, ServerProcess


def payload(size: int, seed: int = 0) -> bytes:
    """Deterministic, non-repeating test bytes."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}-{counter}".encode()).digest() * 64
        counter += 1
    return bytes(out[:size])


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@contextmanager
def ftp_login(server: ServerProcess, user: ApiUser | None = None) -> Iterator[ftplib.FTP]:
    ftp = ftplib.FTP()
    ftp.connect(HOST, server.ftp_port, timeout=20)
    try:
        if user is not None:
            ftp.login(user.email, PASSWORD)
        yield ftp
    finally:
        try:
            ftp.quit()
        except (ftplib.Error, OSError, EOFError):
            ftp.close()


def upload(ftp: ftplib.FTP, name: str, data: bytes) -> str:
    return ftp.storbinary(f"STOR {name}", io.BytesIO(data), blocksize=256 * 1024)


def cut_upload(ftp: ftplib.FTP, command: str, data: bytes, reset: bool = False) -> str:
    """Send ``data`` on a fresh data connection, then drop it mid-file.

    ``reset`` closes with RST (as when a network dies) instead of FIN (as
    when a client is killed). Returns the server's final reply to the command.
    """
    ftp.voidcmd("TYPE I")
    conn = ftp.transfercmd(command)
    conn.sendall(data)
    if reset:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
    try:
        return ftp.getresp()
    except ftplib.Error as error:
        return str(error)


def xmd5(ftp: ftplib.FTP, name: str) -> str:
    reply = ftp.sendcmd(f"XMD5 {name}")
    assert reply.startswith("250 "), reply
    return reply.split()[1]


def database(server: ServerProcess) -> Database:
    return Database(server.database_url or f"sqlite:///{server.data_dir / 'omix.db'}")


def user_id(server: ServerProcess, email: str) -> int:
    db = database(server)
    try:
        with db.session() as session:
            found = session.scalar(select(User.id).where(User.email == email))
            assert found is not None
            return int(found)
    finally:
        db.dispose()


def rows(server: ServerProcess, email: str) -> dict[str, PreuploadFile]:
    db = database(server)
    try:
        with db.session() as session:
            uid = session.scalar(select(User.id).where(User.email == email))
            return {
                row.path: row
                for row in session.scalars(
                    select(PreuploadFile).where(PreuploadFile.user_id == uid)
                )
            }
    finally:
        db.dispose()


def wait_row(
    server: ServerProcess, email: str, path: str, state: str = "complete", timeout: float = 10
) -> PreuploadFile:
    deadline = time.monotonic() + timeout
    while True:
        row = rows(server, email).get(path)
        if row is not None and row.state == state:
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"{path}: row {row and (row.state, row.size, row.md5)}")
        time.sleep(0.05)


def home(server: ServerProcess, email: str) -> Path:
    return server.data_dir / "preupload" / str(user_id(server, email))
