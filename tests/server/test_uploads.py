"""Online (HTTP) upload: streamed to disk, MD5 on the way, 100 MB in total."""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta
from pathlib import Path

from server_stub.archive.online_uploads import clean_stale
from server_stub.config import Settings
from server_stub.db import Database
from server_stub.migrate import upgrade
from server_stub.models import OnlineUpload, User, utcnow
from tests.support.accounts import ApiUser
from tests.support.server import HOST, ServerProcess
from tests.support.submission import (
    bioproject,
    dataset_body,
    error_of,
    file_entry,
    md5,
    online_upload,
    settings_of,
)

MB = 1000 * 1000


def test_raw_upload_returns_token_size_and_md5(server: ServerProcess, user: ApiUser) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    upload = online_upload(user, "F13_S1.tar", data)
    assert upload["name"] == "F13_S1.tar"
    assert upload["size"] == len(data)
    assert upload["md5"] == md5(data)
    stored = settings_of(server).incoming_root / upload["token"]
    assert stored.read_bytes() == data
    listed = user.get("/uploads").json()
    assert listed["limit"] == 100 * MB
    assert listed["used"] == len(data)
    assert [item["token"] for item in listed["uploads"]] == [upload["token"]]


def test_multipart_upload_is_accepted(user: ApiUser) -> None:
    data = b"gene\tS1\tS2\nOs01g0100100\t1.5\t2.5\n"
    response = user.post("/uploads", files={"file": ("matrix.tsv", data, "text/plain")})
    assert response.status_code == 201, response.text
    assert response.json()["md5"] == md5(data)
    assert response.json()["name"] == "matrix.tsv"


def test_names_with_spaces_or_special_characters_are_refused(user: ApiUser) -> None:
    response = user.post("/uploads", params={"filename": "my data.txt"}, data=b"x")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_name"
    assert error["params"]["problem"] == "space"
    assert "space" in error["message"]
    special = user.post("/uploads", params={"filename": "data#1.txt"}, data=b"x")
    assert error_of(special)["code"] == "invalid_name"
    assert error_of(special)["params"]["character"] == "#"
    multipart = user.post("/uploads", files={"file": ("a b.txt", b"x")})
    assert multipart.status_code == 400
    assert error_of(multipart)["code"] == "invalid_name"
    assert user.get("/uploads").json()["uploads"] == []


def test_a_malformed_multipart_body_is_refused_not_a_server_error(user: ApiUser) -> None:
    """Found by the contract test: a part without headers made the parser raise (500)."""
    boundary = "13741c20283d0bdf4cd6736a3194b81f"
    body = f"--{boundary}\r\n2251799813685248--{boundary}--\r\n".encode()
    content_type = f"multipart/form-data; boundary={boundary}"
    response = user.post("/uploads", data=body, headers={"Content-Type": content_type})
    assert response.status_code == 400, response.text
    assert error_of(response)["code"] == "invalid_upload"
    assert user.get("/uploads").json()["uploads"] == []


def test_upload_without_a_name_is_refused(user: ApiUser) -> None:
    response = user.post("/uploads", data=b"x")
    assert response.status_code == 422
    assert error_of(response)["field"] == "filename"


def _declared_upload(server: ServerProcess, user: ApiUser, size: int) -> tuple[int, bytes]:
    """Send only the headers of a ``size``-byte upload and read the answer."""
    request = (
        f"POST /api/v1/uploads?filename=big.bin HTTP/1.1\r\n"
        f"Host: {HOST}:{server.http_port}\r\n"
        f"Authorization: Bearer {user.token}\r\n"
        f"Content-Type: application/octet-stream\r\n"
        f"Content-Length: {size}\r\n\r\n"
    ).encode()
    with socket.create_connection((HOST, server.http_port), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, answer


def test_more_than_100_mb_in_total_is_refused_with_advice_to_use_ftp(
    server: ServerProcess, user: ApiUser
) -> None:
    status, answer = _declared_upload(server, user, 150 * MB)
    assert status == 413
    assert b"online_limit_exceeded" in answer
    assert b"FTP" in answer

    first = online_upload(user, "part1.bin", os.urandom(60 * MB))
    status, answer = _declared_upload(server, user, 45 * MB)
    assert status == 413
    assert b"online_limit_exceeded" in answer
    # what remains below the limit is still accepted
    online_upload(user, "part2.bin", os.urandom(30 * MB))
    assert user.get("/uploads").json()["used"] == 90 * MB
    # discarding an upload frees its share
    assert user.delete(f"/uploads/{first['token']}").status_code == 204
    assert user.get("/uploads").json()["used"] == 30 * MB


def test_an_upload_still_arriving_holds_its_share_of_the_limit(
    server: ServerProcess, user: ApiUser
) -> None:
    """Two uploads of 60 MB at once: the second is refused while the first arrives."""
    request = (
        f"POST /api/v1/uploads?filename=arriving.bin HTTP/1.1\r\n"
        f"Host: {HOST}:{server.http_port}\r\n"
        f"Authorization: Bearer {user.token}\r\n"
        f"Content-Type: application/octet-stream\r\n"
        f"Content-Length: {60 * MB}\r\n\r\n"
    ).encode()
    incoming = settings_of(server).incoming_root
    before = {path.name for path in incoming.iterdir()}
    with socket.create_connection((HOST, server.http_port), timeout=60) as first:
        first.sendall(request + b"x" * MB)
        # The server is receiving it once its partial file exists.
        deadline = time.monotonic() + 60
        while not {p.name for p in incoming.glob("*.part")} - before:
            assert time.monotonic() < deadline, "the first upload never started"
            time.sleep(0.1)
        status, answer = _declared_upload(server, user, 60 * MB)
        assert status == 413
        assert b"online_limit_exceeded" in answer
        block = b"x" * MB
        for _ in range(59):
            first.sendall(block)
        reply = b""
        while not reply.rstrip().endswith(b"}"):
            chunk = first.recv(65536)
            if not chunk:
                break
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 201")
    assert user.get("/uploads").json()["used"] == 60 * MB
    # the share of an upload that arrived is counted once: 40 MB are left, not less
    status, _answer = _declared_upload(server, user, 41 * MB)
    assert status == 413
    online_upload(user, "rest.bin", os.urandom(39 * MB))


def test_chunked_upload_over_the_limit_stops_early(server: ServerProcess, user: ApiUser) -> None:
    online_upload(user, "big.bin", os.urandom(99 * MB))

    def chunks() -> object:
        for _ in range(4):
            yield b"x" * (1024 * 1024)

    try:
        response = user.post("/uploads", params={"filename": "more.bin"}, data=chunks())
    except Exception:  # the server may close while the client still sends
        response = None
    if response is not None:
        assert response.status_code == 413
        assert error_of(response)["code"] == "online_limit_exceeded"
    assert user.get("/uploads").json()["used"] == 99 * MB
    leftovers = [p.name for p in settings_of(server).incoming_root.iterdir() if ".part" in p.name]
    assert leftovers == []


def test_another_users_upload_token_is_useless(user: ApiUser, other_user: ApiUser) -> None:
    data = b"private\n"
    upload = online_upload(user, "secret.txt", data)
    project = bioproject(other_user)
    body = dataset_body(project, [file_entry(upload=upload["token"], md5_value=md5(data))])
    response = other_user.post("/datasets", json=body)
    assert response.status_code == 404
    assert error_of(response)["code"] == "upload_not_found"
    assert error_of(response)["field"] == "files.0.upload"
    assert other_user.delete(f"/uploads/{upload['token']}").status_code == 404
    assert other_user.get("/uploads").json()["uploads"] == []
    assert [item["token"] for item in user.get("/uploads").json()["uploads"]] == [upload["token"]]


def test_uploads_need_a_signed_in_user(server: ServerProcess) -> None:
    import requests

    response = requests.post(
        f"{server.api}/uploads", params={"filename": "a.txt"}, data=b"x", timeout=10
    )
    assert response.status_code == 401


def test_stale_uploads_and_orphan_files_are_cleaned(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    settings.ensure_folders()
    database = Database(settings.sqlalchemy_url)
    try:
        upgrade(database.engine)
        with database.session() as session:
            owner = User(
                email="stale@example.org",
                password_hash="x",
                first_name="A",
                last_name="B",
                street_address="s",
                city="c",
                postal_code="1",
                country_region="China",
                organization="o",
                department="d",
            )
            session.add(owner)
            session.flush()
            old = OnlineUpload(
                token="old",
                user_id=owner.id,
                original_name="a.txt",
                size=1,
                md5="0" * 32,
                created_at=utcnow() - timedelta(days=2),
            )
            fresh = OnlineUpload(
                token="fresh", user_id=owner.id, original_name="b.txt", size=1, md5="0" * 32
            )
            session.add_all([old, fresh])
        for name in ("old", "fresh", "orphan.part", "young-orphan"):
            (settings.incoming_root / name).write_bytes(b"x")
        two_days_ago = (utcnow() - timedelta(days=2)).timestamp()
        os.utime(settings.incoming_root / "orphan.part", (two_days_ago, two_days_ago))
        assert clean_stale(database, settings) == 2
        left = sorted(path.name for path in settings.incoming_root.iterdir())
        assert left == ["fresh", "young-orphan"]
        with database.session() as session:
            assert [upload.token for upload in session.query(OnlineUpload)] == ["fresh"]
    finally:
        database.dispose()
