"""Building and running the Qt application on the qasync event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import QLocale, QTimer
from PySide6.QtWidgets import QApplication

from omix_desktop.api.client import ApiClient
from omix_desktop.config import ConfigStore
from omix_desktop.i18n.translator import LANGUAGES, Translator, negotiate, system_language
from omix_desktop.keep_awake import KeepAwake, QueueWatcher
from omix_desktop.local_server import LocalServer
from omix_desktop.logs import setup_logging
from omix_desktop.paths import AppPaths
from omix_desktop.ui.context import AppContext, LanguageNotifier
from omix_desktop.ui.error_dialog import ErrorPresenter, install_exception_hook
from omix_desktop.ui.gc_guard import MainThreadCollector
from omix_desktop.ui.look import look_for, set_high_dpi_policy
from omix_desktop.ui.main_window import APP_TITLE, MainWindow
from omix_desktop.ui.session import ApiFactory, Session
from omix_desktop.ui.uploads_service import UploadsService

log = logging.getLogger(__name__)


def initial_language(saved: str) -> str:
    """The saved choice, else the OS's UI languages (Qt knows Windows/macOS settings)."""
    if saved in LANGUAGES:
        return saved
    ui_languages = list(QLocale.system().uiLanguages())
    if ui_languages:
        return negotiate([*ui_languages, system_language()])
    return system_language()


def build_context(
    paths: AppPaths,
    loop: asyncio.AbstractEventLoop,
    *,
    language: str | None = None,
    api_factory: ApiFactory = ApiClient,
) -> AppContext:
    """The services of the app, ready for :class:`MainWindow` (also used by tests)."""
    config = ConfigStore(paths.config_file)
    settings = config.load()
    translator = Translator(language or initial_language(settings.language))
    session = Session(
        settings,
        paths.local_server_dir,
        local_server_factory=lambda: LocalServer(
            paths.local_server_dir, log_path=paths.log_dir / "local-server.log"
        ),
        api_factory=api_factory,
    )
    context = AppContext(
        translator=translator,
        language=LanguageNotifier(translator),
        paths=paths,
        config=config,
        settings=settings,
        session=session,
        loop=loop,
    )
    context.uploads = UploadsService(context)
    context.keep_awake = follow_transfers(context.uploads)
    return context


def follow_transfers(uploads: UploadsService) -> KeepAwake:
    """Keep the computer awake while the app's upload queue moves data."""
    keeper = KeepAwake()
    watcher = QueueWatcher(keeper)
    watcher.follow(uploads.events.subscribe)
    uploads.queue_changed.connect(lambda: None if uploads.queue else watcher.queue_closed())
    return keeper


def run(argv: Sequence[str]) -> int:
    os.environ.setdefault("QT_API", "pyside6")
    from omix_desktop.ui.event_loop import AppEventLoop  # imports qasync

    paths = AppPaths.default().create()
    logging_setup = setup_logging(paths.log_file)
    log.info("omix-desktop starting (Python %s)", sys.version.split()[0])
    set_high_dpi_policy()  # before the QApplication exists
    app = QApplication(list(argv))
    app.setApplicationName("omix-desktop")
    app.setApplicationDisplayName(APP_TITLE)
    app.setOrganizationName("OMIX")
    look_for(app)  # window icon, icons tinted for the palette, dark mode following the OS
    collector = MainThreadCollector(app)
    loop = AppEventLoop(app)  # qasync's, cancelled timers released at once
    asyncio.set_event_loop(loop)
    context = build_context(paths, loop)
    context.redactor = logging_setup.redactor
    errors = ErrorPresenter(context.translator, str(paths.log_file))
    restore_hook = install_exception_hook(context.translator, str(paths.log_file), errors)

    with loop:
        window = MainWindow(context)
        context.on_error = lambda error: errors.show(error, window)
        loop.set_exception_handler(_loop_exception_handler(context))
        window.show()
        if window.sign_in.has_remembered_sign_in():
            window.sign_in.sign_in()
        if os.environ.get("OMIX_DESKTOP_QUIT_WHEN_READY"):  # benchmarks/bench_package.py
            QTimer.singleShot(0, lambda: (print("ready", flush=True), app.quit()))
        quitting = asyncio.Event()
        app.aboutToQuit.connect(quitting.set)
        loop.run_until_complete(quitting.wait())
        loop.run_until_complete(context.shutdown())
    restore_hook()
    collector.stop()
    log.info("omix-desktop stopped")
    logging_setup.close()
    return 0


def _loop_exception_handler(context: AppContext):  # type: ignore[no-untyped-def]
    def handle(loop: asyncio.AbstractEventLoop, details: dict[str, object]) -> None:
        error = details.get("exception")
        if isinstance(error, BaseException):
            log.error("event loop error: %s", details.get("message"), exc_info=error)
            if context.on_error is not None and not isinstance(error, asyncio.CancelledError):
                context.on_error(error)
        else:
            log.error("event loop error: %s", details.get("message"))

    return handle
