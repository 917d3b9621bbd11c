"""The app's state follows a server by the id it announces, not by its address.

The local server comes up on new ports at every start; the upload queue and
this computer's MD5s must still be there after a restart (issue 14).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePosixPath

import requests

from omix_desktop.transfer import ItemState, PlannedFile, queue_folder
from omix_desktop.ui.uploads_service import account_folder, local_md5s
from tests.support.accounts import PASSWORD, registration
from tests.ui.support import run_until


def start_and_sign_in(context, loop, email: str) -> str:
    url = loop.run_until_complete(context.session.ensure_server())
    answer = requests.post(f"{url}/api/v1/auth/register", json=registration(email), timeout=30)
    assert answer.status_code in (201, 409), answer.text  # 409: registered at the first start
    loop.run_until_complete(context.session.sign_in(email, PASSWORD))
    run_until(loop, lambda: context.uploads.queue is not None)
    return url


def test_queue_and_md5s_survive_a_restart_on_other_ports(make_context, loop, tmp_path) -> None:
    data = os.urandom(200_000)
    (tmp_path / "sample.fq").write_bytes(data)
    first = make_context(server_url="")
    first_url = start_and_sign_in(first, loop, "identity@example.org")
    identity = first.session.server_id
    assert identity and first.session.server_key == identity
    assert requests.get(f"{first_url}/api/v1/health", timeout=10).json()["server_id"] == identity
    queue = first.uploads.queue
    queue.add([PlannedFile(tmp_path / "sample.fq", PurePosixPath("sample.fq"))])
    run_until(loop, lambda: queue.items()[0].state is ItemState.VERIFIED)
    md5 = hashlib.md5(data).hexdigest()
    assert local_md5s(first) == {"sample.fq": md5}
    loop.run_until_complete(first.shutdown())  # quit: the local server stops
    assert first.session.local_server is None

    second = make_context(server_url="")  # next start, same profile
    second_url = start_and_sign_in(second, loop, "identity@example.org")
    assert second_url != first_url  # new ports
    assert second.session.server_id == identity
    items = second.uploads.queue.items()
    assert [(i.remote_path, i.state) for i in items] == [
        (PurePosixPath("sample.fq"), ItemState.VERIFIED)
    ]
    assert local_md5s(second) == {"sample.fq": md5}


def test_a_queue_kept_under_the_address_moves_to_the_id(tmp_path: Path) -> None:
    root = tmp_path / "uploads"
    legacy = queue_folder(root, "https://archive.example.org", "me@example.org")
    legacy.mkdir(parents=True)
    (legacy / "queue.sqlite3").write_bytes(b"kept")
    folder = account_folder(root, "0123abcd", "https://archive.example.org", "me@example.org")
    assert folder == queue_folder(root, "0123abcd", "me@example.org")
    assert (folder / "queue.sqlite3").read_bytes() == b"kept" and not legacy.exists()
    # a server without an id keeps the address as its key
    plain = account_folder(root, "http://old:8000", "http://old:8000", "me@example.org")
    assert plain == queue_folder(root, "http://old:8000", "me@example.org") and plain.is_dir()
