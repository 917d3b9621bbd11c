"""Helpers for the submission tests: FTP pre-upload, online upload, datasets.

They drive the real server the way a user does (ftplib for FTP, requests
for HTTP); :func:`server_database` opens the server's own database for the
few states a test must arrange directly (a release, an interrupted upload).
"""

from __future__ import annotations

import ftplib
import hashlib
import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from server_stub.config import Settings
from server_stub.db import Database
from tests.support.accounts import ApiUser
from tests.support.server import HOST, ServerProcess


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def user_id(user: ApiUser) -> int:
    response = user.get("/auth/me")
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def settings_of(server: ServerProcess) -> Settings:
    return Settings(data_dir=server.data_dir, database_url=server.database_url)


@contextmanager
def server_database(server: ServerProcess) -> Iterator[Database]:
    database = Database(settings_of(server).sqlalchemy_url)
    try:
        yield database
    finally:
        database.dispose()


def home_of(server: ServerProcess, user: ApiUser) -> Path:
    return settings_of(server).preupload_root / str(user_id(user))


# --- FTP ------------------------------------------------------------------------


def ftp_login(server: ServerProcess, user: ApiUser) -> ftplib.FTP:
    ftp = ftplib.FTP()
    ftp.connect(HOST, server.ftp_port, timeout=30)
    ftp.login(user.email, user.password)
    ftp.set_pasv(True)
    return ftp


def _make_folders(ftp: ftplib.FTP, path: str) -> None:
    parts = path.split("/")[:-1]
    for index in range(len(parts)):
        folder = "/".join(parts[: index + 1])
        try:
            ftp.mkd(folder)
        except ftplib.error_perm as error:
            if not str(error).startswith(("550", "553", "521")):
                raise


def ftp_put(server: ServerProcess, user: ApiUser, path: str, data: bytes) -> None:
    """Upload ``data`` to ``path`` (relative to the FTP home), creating folders."""
    with ftp_login(server, user) as ftp:
        _make_folders(ftp, path)
        ftp.storbinary(f"STOR {path}", io.BytesIO(data))


def left_over(server: ServerProcess, user: ApiUser, path: str, data: bytes) -> None:
    """Put a file in the user's pre-upload folder by hand, as one from before the
    FTP server refused bad names (it refuses ``path`` at the door now)."""
    with ftp_login(server, user):
        pass  # the home folder exists once the user has signed in
    target = home_of(server, user) / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


# --- HTTP -----------------------------------------------------------------------


def online_upload(user: ApiUser, name: str, data: bytes) -> dict[str, Any]:
    response = user.post("/uploads", params={"filename": name}, data=data)
    assert response.status_code == 201, response.text
    return dict(response.json())


def bioproject(user: ApiUser) -> str:
    response = user.post("/bioprojects", json={"title": "Rice drought response"})
    assert response.status_code == 201, response.text
    return str(response.json()["accession"])


def file_entry(
    *,
    path: str | None = None,
    upload: str | None = None,
    md5_value: str,
    title: str = "Expression matrix",
    samples: int = 2,
    data_type: str = "Transcriptome",
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "title": title,
        "samples": samples,
        "md5": md5_value,
        "data_type": data_type,
    }
    if path is not None:
        entry.update(source="ftp", path=path)
    else:
        entry.update(source="http", upload=upload)
    return entry


def dataset_body(project: str, files: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "HTTP upload test",
        "description": "Expression of rice leaves under drought.",
        "organism": "Oryza sativa",
        "human_genetic_resource": False,
        "data_type": "Transcriptome",
        "data_subtype": "Gene expression matrix",
        "access": "open",
        "bioproject": project,
        "release_date": date.today().isoformat(),
        "most_registration_number": "",
        "terms_accepted": True,
        "files": files,
    }
    body.update(overrides)
    return body


def wait_for(probe: Callable[[], Any], until: Callable[[Any], bool], timeout: float = 20.0) -> Any:
    """Poll ``probe`` until ``until(result)``; returns the last result."""
    deadline = time.monotonic() + timeout
    result = probe()
    while not until(result) and time.monotonic() < deadline:
        time.sleep(0.1)
        result = probe()
    return result


def error_of(response: Any) -> dict[str, Any]:
    return dict(response.json()["error"])
