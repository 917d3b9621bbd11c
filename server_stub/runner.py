"""Runs the HTTP API, the two FTP endpoints and the release scheduler in one loop.

The pre-upload FTP server (accounts), the anonymous read-only FTP server over
the released open-access tree, and the scheduler that releases datasets on
their date (``server_stub.release.scheduler.ReleaseScheduler``) all start before the
"ready" line and stop before the database is closed.

It also builds what the layers share and wires them together: the
pre-upload records (one object for the FTP server and the HTTP API, told to
hand a completed file over to the archive) and the download counter the
public FTP server calls; the FTP layer itself imports nothing above it.

Ctrl-C or SIGTERM sets one stop event; the servers then stop accepting,
running requests and transfers are allowed to end or are cut cleanly, and the
database is closed last, so nothing is left half-written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Generator

import uvicorn

from server_stub.app import create_app
from server_stub.archive.archiving import settle_preupload
from server_stub.config import Settings
from server_stub.data_folder_lock import hold as hold_data_folder
from server_stub.db import Database
from server_stub.ftp.preupload_server import PreuploadFtpServer
from server_stub.ftp.public_server import PublicFtpServer
from server_stub.migrate import upgrade
from server_stub.preupload.records import PreuploadRecords
from server_stub.release.public_tree import StorePublicTree, count_download
from server_stub.release.scheduler import ReleaseScheduler, ReleaseWaker
from server_stub.storage import is_local, with_store

log = logging.getLogger(__name__)


class _QuietSignalsServer(uvicorn.Server):
    """uvicorn without its own signal handling: the runner owns shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def _download_counter(database: Database) -> Callable[[str], None]:
    """What the public FTP server calls when a download of a data file starts."""

    def count(file_id: str) -> None:
        with database.session() as session:
            count_download(session, file_id)

    return count


def open_database(settings: Settings) -> Database:
    settings.ensure_folders()
    database = Database(settings.sqlalchemy_url)
    upgrade(database.engine)
    return database


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Serve until ``stop`` is set (or a signal arrives)."""
    stop = stop or asyncio.Event()
    folder_lock = None
    if settings.sqlalchemy_url.startswith("sqlite"):
        # one process per SQLite data folder (raises DataFolderBusy, an OSError)
        folder_lock = hold_data_folder(
            settings.data_dir,
            {"http": f"http://{settings.host}:{settings.http_port}/", "ftp": settings.ftp_port},
        )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)

    try:
        database = await asyncio.to_thread(open_database, settings)
    except BaseException:
        if folder_lock is not None:
            folder_lock.release()
        raise
    try:  # the store opened once (an object store: one client, checked reachable)
        settings = await asyncio.to_thread(with_store, settings)
    except BaseException:
        database.dispose()
        if folder_lock is not None:
            folder_lock.release()
        raise
    records = PreuploadRecords(
        database,
        settings,
        on_settled=lambda user_id, path: settle_preupload(database, settings, user_id, path),
    )
    release_waker = ReleaseWaker()
    app = create_app(settings, database, records, release_waker)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.http_port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
    http = _QuietSignalsServer(config)
    ftp = PreuploadFtpServer(settings, database, records)
    tree = None if is_local(settings.store) else StorePublicTree(settings.store)
    public_ftp = PublicFtpServer(settings, database, _download_counter(database), tree)
    scheduler = ReleaseScheduler(settings, database, waker=release_waker)
    http_task = asyncio.create_task(http.serve(), name="http")
    try:
        await ftp.start()
        await public_ftp.start()
        await scheduler.start()
        while not http.started:
            if http_task.done():
                await http_task  # raises the bind error
                raise RuntimeError("HTTP server stopped during start-up")
            await asyncio.sleep(0.02)
        log.warning(
            "omix-server ready: http://%s:%d  ftp://%s:%d  data %s",
            settings.host,
            settings.http_port,
            settings.host,
            settings.ftp_port,
            settings.data_dir,
        )
        print(
            f"omix-server ready: http://{settings.host}:{settings.http_port}/ "
            f"ftp://{settings.host}:{settings.ftp_port}/ "
            f"public ftp://{settings.host}:{settings.public_ftp_port}/ data={settings.data_dir}"
            f" store={settings.store.url}",
            flush=True,
        )
        stop_task = asyncio.create_task(stop.wait())
        await asyncio.wait({http_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        stop_task.cancel()
    finally:
        http.should_exit = True
        await scheduler.close()
        await public_ftp.close()
        await ftp.close()
        with contextlib.suppress(Exception):
            await http_task
        database.dispose()
        if folder_lock is not None:
            folder_lock.release()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signum)
