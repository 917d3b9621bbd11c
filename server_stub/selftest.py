"""``omix-server --self-test``: prove an installation (a frozen bundle above all) works.

Loads the web pages' catalogs, starts the whole server (HTTP, both FTP
endpoints, the release scheduler, migrations) on free loopback ports in a
temporary folder, registers an account, uploads a small file over FTP,
submits a dataset and waits until it is ``Archived``. Prints one line per
step and exits 0, or says which step failed and exits 1. Needs no display
and touches nothing outside its temporary folder.
"""

from __future__ import annotations

import asyncio
import ftplib
import hashlib
import io
import socket
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import requests

from omix_wire.selftest import step
from server_stub.config import Settings

PASSWORD = "self-test-password-1"
TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Server:
    """The real server in a thread of its own, stopped through its stop event."""

    def __init__(self, data_dir: Path) -> None:
        passive = _free_port()
        self.settings = Settings(
            data_dir=data_dir,
            http_port=_free_port(),
            ftp_port=_free_port(),
            public_ftp_port=_free_port(),
            ftp_passive_ports=(passive, passive),
        )
        self.loop = asyncio.new_event_loop()
        self.stop_event: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, name="omix-server", daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.stop_event = asyncio.Event()
        try:
            from server_stub.runner import serve

            self.loop.run_until_complete(serve(self.settings, self.stop_event))
        except BaseException as error:  # noqa: BLE001 - reported by the step that waits
            self.error = error

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.settings.http_port}/api/v1"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.error is not None:
                raise RuntimeError(f"the server stopped: {self.error!r}") from self.error
            try:
                if requests.get(f"{self.api}/health", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the server did not answer in time")

    def stop(self) -> None:
        if self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(TIMEOUT)


def _catalogs() -> str:
    from server_stub.web.i18n import LANGUAGES, translations

    for code, language in LANGUAGES.items():
        catalog = translations(code)
        if language.catalog is not None and not getattr(catalog, "_catalog", None):
            raise RuntimeError(f"the {code} catalog of the web pages is missing or empty")
    return ", ".join(LANGUAGES)


def submit_and_archive(api: str, ftp_port: int, email: str) -> str:
    """Register, upload by FTP, submit, wait for Archived; returns the accession."""
    form = {
        "email": email, "password": PASSWORD, "first_name": "Self", "last_name": "Test",
        "street_address": "1 Loopback Road", "city": "Localhost", "postal_code": "000000",
        "country_region": "China", "organization": "Self test", "department": "QA",
    }  # fmt: skip
    http = requests.Session()
    http.post(f"{api}/auth/register", json=form, timeout=30).raise_for_status()
    login = http.post(f"{api}/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
    login.raise_for_status()
    http.headers["Authorization"] = f"Bearer {login.json()['token']}"
    data = b"self-test reads\n" * 1000
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", ftp_port, timeout=30)
        ftp.login(email, PASSWORD)
        ftp.storbinary("STOR self_test.txt", io.BytesIO(data))
    project = http.post(f"{api}/bioprojects", json={"title": "Self test"}, timeout=30)
    project.raise_for_status()
    body = {
        "title": "Self test", "description": "Installation check.", "organism": "Oryza sativa",
        "data_type": "Transcriptome", "data_subtype": "Gene expression matrix",
        "access": "open", "bioproject": project.json()["accession"],
        "release_date": (date.today() + timedelta(days=30)).isoformat(),
        "terms_accepted": True,
        "files": [{"source": "ftp", "path": "self_test.txt", "title": "Reads", "samples": 1,
                   "md5": hashlib.md5(data).hexdigest(), "data_type": "Transcriptome"}],
    }  # fmt: skip
    created = http.post(f"{api}/datasets", json=body, timeout=30)
    created.raise_for_status()
    accession = str(created.json()["accession"])
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        status = http.get(f"{api}/datasets/{accession}", timeout=30).json()["status"]
        if status == "Archived":
            return accession
        if status == "MD5 Checked Failed":
            raise RuntimeError(f"{accession}: the server's MD5 differs from the file's")
        time.sleep(0.2)
    raise RuntimeError(f"{accession} was not archived within {TIMEOUT:.0f} s")


def run() -> int:
    with tempfile.TemporaryDirectory(prefix="omix-server-self-test-") as folder:
        server = _Server(Path(folder) / "data")
        try:
            step("web page catalogs", _catalogs)
            step("server starts (migrations, HTTP, FTP)", server.start)
            step(
                "register, FTP upload, dataset archived",
                lambda: submit_and_archive(server.api, server.settings.ftp_port, "self@test.org"),
            )
        except Exception:  # noqa: BLE001 - the step printed it
            return 1
        finally:
            server.stop()
    print("self-test passed", flush=True)
    return 0
