"""``omix-desktop --self-test``: prove an installation (a frozen bundle above all) works.

Without a display: loads every message catalog and Qt's own translations,
builds the main window with every screen (so Qt's plugins and the app's
modules are really there), starts the bundled reference server on loopback
in a temporary folder, registers and signs in, uploads a small file through
the transfer engine over FTP, submits a dataset with the engine's MD5 and
waits for ``Archived``. One line per step; exit 0, or 1 naming the step.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from omix_wire.selftest import step

PASSWORD = "self-test-password-1"
TIMEOUT = 60.0


def catalogs() -> str:
    from omix_desktop.i18n.translator import LANGUAGES, Translator

    for code in LANGUAGES:
        translator = Translator(code)
        if code != "en" and translator.gettext("Sign in") == "Sign in":
            raise RuntimeError(f"the {code} catalog is missing")
    return ", ".join(LANGUAGES)


def main_window(home: Path) -> str:
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtCore import QTranslator
    from PySide6.QtWidgets import QApplication

    from omix_desktop.paths import AppPaths
    from omix_desktop.ui.application import build_context
    from omix_desktop.ui.main_window import MainWindow
    from omix_desktop.ui.qt_catalogs import catalog_folder, frozen_root, translation_folders

    app = QApplication.instance() or QApplication([sys.argv[0]])
    searched = translation_folders(frozen_root())  # where the app looks, frozen or not
    folder = catalog_folder("zh_CN", searched)
    if folder is None or not QTranslator().load("qtbase_zh_CN", str(folder)):
        raise RuntimeError(f"Qt's own Chinese translations are missing from {searched}")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    # Closing the loop (the with block) stops its executor's QThreads; a running
    # QThread left for the interpreter's exit aborts the process (exit code 134).
    with loop:
        context = build_context(AppPaths.under(home).create(), loop, language="zh_CN")
        window = MainWindow(context)
        screens = len(window.screens)
        icons = _icons(window)
        window.close()
        loop.run_until_complete(context.shutdown())
    asyncio.set_event_loop(None)
    return f"{screens} screens, {icons} icons, platform {app.platformName()}"


def _icons(window: Any) -> int:
    """The bundled SVG icons are there and draw (the window's, the sidebar's)."""
    from omix_desktop.ui.look import ICONS

    found = sorted(ICONS.glob("*.svg"))
    drawn = [window.windowIcon(), *(window.nav.item(r).icon() for r in range(window.nav.count()))]
    if len(found) < len(drawn) or any(icon.pixmap(32, 32).isNull() for icon in drawn):
        raise RuntimeError(f"the app's icons are missing from {ICONS}")
    return len(found)


def upload_and_archive(home: Path) -> str:
    from omix_desktop import local_server_host
    from omix_desktop.api import ApiClient
    from omix_desktop.api.models import Registration
    from omix_desktop.local_server import LocalServer
    from omix_desktop.transfer import FtpSettings, ItemState, PlannedFile, QueueStore, UploadQueue

    with LocalServer(home / "server", log_path=home / "server.log") as server:
        if not local_server_host.is_locked(server.data_dir):  # one server per profile
            raise RuntimeError(f"the local server does not hold {server.data_dir}'s lock")
        client = ApiClient(server.url)
        email = "self@test.org"
        client.register(
            Registration(
                email=email, password=PASSWORD, first_name="Self", last_name="Test",
                street_address="1 Loopback Road", city="Localhost", postal_code="000000",
                country_region="China", organization="Self test", department="QA",
            )
        )  # fmt: skip
        client.login(email, PASSWORD)
        local = home / "reads.txt"
        local.write_bytes(b"self-test reads\n" * 1000)
        settings = FtpSettings("127.0.0.1", server.ftp_port, email, PASSWORD)

        async def send() -> Any:
            queue = UploadQueue(QueueStore(home / "queue"), settings)
            async with queue:
                queue.add([PlannedFile(local, PurePosixPath("reads.txt"))])
                await asyncio.wait_for(queue.wait_settled(), TIMEOUT)
                return queue.items()[0]

        item = asyncio.run(send())
        if item.state is not ItemState.VERIFIED or not item.md5:
            raise RuntimeError(f"the upload ended {item.state}: {item.reason}")
        project = client.create_bioproject("Self test")
        dataset = client.create_dataset(
            {
                "title": "Self test", "description": "Installation check.",
                "organism": "Oryza sativa", "data_type": "Transcriptome",
                "data_subtype": "Gene expression matrix", "access": "open",
                "bioproject": project.accession, "terms_accepted": True,
                "release_date": date.today() + timedelta(days=30),
                "files": [{"source": "ftp", "path": "reads.txt", "title": "Reads",
                           "samples": 1, "md5": item.md5, "data_type": "Transcriptome"}],
            }
        )  # fmt: skip
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            status = client.dataset(dataset.accession).status
            if status == "Archived":
                return dataset.accession
            time.sleep(0.2)
        raise RuntimeError(f"{dataset.accession} ended {status}, not Archived")


def run() -> int:
    with tempfile.TemporaryDirectory(prefix="omix-desktop-self-test-") as folder:
        home = Path(folder)
        try:
            step("message catalogs", catalogs)
            step("main window and every screen", lambda: main_window(home / "app"))
            step("bundled server, FTP upload, dataset archived", lambda: upload_and_archive(home))
        except Exception:  # noqa: BLE001 - the step printed it
            return 1
    print("self-test passed", flush=True)
    return 0
