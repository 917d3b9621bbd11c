"""Helpers for the release-side tests: submit, curate, move the clock, release.

Datasets are made through the real API (online upload + ``POST /datasets``);
only the curator role is granted straight in the server's database, as
``omix-server admin make-curator`` would.
"""

from __future__ import annotations

import ftplib
import hashlib
import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from server_stub.models import User
from tests.support.accounts import ApiUser, new_user
from tests.support.server import HOST, ServerProcess
from tests.support.submission import (
    bioproject,
    dataset_body,
    file_entry,
    online_upload,
    server_database,
    settings_of,
    wait_for,
)


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@dataclass
class Submitted:
    accession: str
    files: dict[str, bytes] = field(default_factory=dict)
    """Public name (``OMIX000001-01.txt``) → content."""

    def file_id(self, index: int = 1) -> str:
        return f"{self.accession}-{index:02d}"


def make_curator(server: ServerProcess, user: ApiUser) -> ApiUser:
    with server_database(server) as database, database.session() as session:
        session.execute(update(User).where(User.email == user.email).values(is_curator=True))
    return user


def new_curator(server: ServerProcess) -> ApiUser:
    return make_curator(server, new_user(server.api, prefix="curator"))


def submit(
    user: ApiUser,
    files: dict[str, bytes] | None = None,
    *,
    release_date: date | None = None,
    access: str = "open",
    **overrides: Any,
) -> Submitted:
    """A dataset with online-uploaded files, archived (HTTP uploads archive at once)."""
    files = files or {"matrix.txt": os.urandom(2048)}
    project = bioproject(user)
    entries = []
    for name, data in files.items():
        upload = online_upload(user, name, data)
        entries.append(file_entry(upload=upload["token"], md5_value=md5(data), title=name))
    body = dataset_body(
        project,
        entries,
        access=access,
        release_date=(release_date or date.today() + timedelta(days=30)).isoformat(),
        **overrides,
    )
    response = user.post("/datasets", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    accession = created["accession"]
    public = {}
    for index, (name, data) in enumerate(files.items(), start=1):
        suffix = name[name.index(".") :] if "." in name else ""
        public[f"{accession}-{index:02d}{suffix}"] = data
    state = wait_for(lambda: dataset(user, accession), lambda d: d["status"] == "Archived")
    assert state["status"] == "Archived", state
    return Submitted(accession, public)


def dataset(user: ApiUser, accession: str) -> dict[str, Any]:
    response = user.get(f"/datasets/{accession}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def approve(curator: ApiUser, accession: str) -> dict[str, Any]:
    response = curator.post(f"/curation/{accession}/approve")
    assert response.status_code == 200, response.text
    return dict(response.json())


def wait_released(user: ApiUser, accession: str, timeout: float = 15.0) -> dict[str, Any]:
    state = wait_for(
        lambda: dataset(user, accession), lambda d: d["released_at"] is not None, timeout
    )
    assert state["released_at"] is not None, state
    return state


def released(
    server: ServerProcess,
    owner: ApiUser,
    curator: ApiUser,
    files: dict[str, bytes] | None = None,
    access: str = "open",
) -> Submitted:
    """A dataset released today: submitted with today's date, then approved."""
    submitted = submit(owner, files, release_date=date.today(), access=access)
    approve(curator, submitted.accession)
    wait_released(owner, submitted.accession)
    return submitted


def public_folder(server: ServerProcess, accession: str) -> Path:
    return settings_of(server).public_root / "OMIX" / accession


def set_clock(path: Path, days: int) -> None:
    """Move the server's "today" by ``days`` (read at every scheduler pass)."""
    path.write_text(f"{days:+d}\n")


def clock_server(server: ServerProcess, clock: Path, interval: float = 0.2) -> ServerProcess:
    """Give an ``own_server`` a clock file and a fast scheduler (before start)."""
    if not clock.exists():
        set_clock(clock, 0)
    server.extra_args += ["--clock-file", str(clock), "--release-interval", str(interval)]
    return server


def anonymous_ftp(server: ServerProcess) -> ftplib.FTP:
    ftp = ftplib.FTP()
    ftp.connect(HOST, server.public_ftp_port, timeout=30)
    ftp.login("anonymous", "guest@example.org")
    ftp.set_pasv(True)
    return ftp
