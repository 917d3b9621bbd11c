"""What every window and screen is given: the app's services, passed in.

:class:`AppContext` holds the translator and its Qt signal, the settings,
the paths, the :class:`~omix_desktop.ui.session.Session` (API client, signed-in
user, local server) and :meth:`AppContext.spawn`, the one way to run a
coroutine for a widget on the qasync loop (never block the Qt thread: wrap
blocking calls in ``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTranslator, Signal
from PySide6.QtWidgets import QApplication

from omix_desktop.api.credentials import CredentialStore
from omix_desktop.config import ConfigStore, Settings
from omix_desktop.i18n.translator import Translator
from omix_desktop.logs import RedactingFilter
from omix_desktop.paths import AppPaths
from omix_desktop.ui.qt_catalogs import load_qt_catalogs
from omix_desktop.ui.session import Session

if TYPE_CHECKING:
    from omix_desktop.keep_awake import KeepAwake
    from omix_desktop.ui.uploads_service import UploadsService

log = logging.getLogger(__name__)

ErrorReporter = Callable[[BaseException], None]


class LanguageNotifier(QObject):
    """Re-emits the translator's changes as a Qt signal, and loads Qt's own catalogs.

    Signals:
        changed(str): the language code, after the translator switched.
    """

    changed = Signal(str)

    def __init__(self, translator: Translator, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.translator = translator
        self._qt_translators: list[QTranslator] = []
        self._remove = translator.add_listener(self._on_change)
        self._install_qt_catalogs(translator.language)

    def _on_change(self, code: str) -> None:
        self._install_qt_catalogs(code)
        self.changed.emit(code)

    def _install_qt_catalogs(self, code: str) -> None:
        """Qt's own strings (dialog buttons, file dialogs) from the qtbase catalogs."""
        app = QApplication.instance()
        if app is None:
            return
        self._remove_qt_catalogs()
        self._qt_translators = load_qt_catalogs(code, self, tr=self.translator)  # venv or bundle

    def _remove_qt_catalogs(self) -> None:
        app = QApplication.instance()
        for old in self._qt_translators:
            if app is not None:
                app.removeTranslator(old)
        self._qt_translators.clear()

    def close(self) -> None:
        self._remove()
        self._remove_qt_catalogs()


@dataclass(eq=False)
class AppContext:
    """The app's services for widgets. Built once in ``app.main`` (or a test fixture).

    Attributes:
        translator: gettext in the current language (``translator.gettext``).
        language: its Qt signal; connect ``language.changed`` to ``retranslate``.
        session: the server, the :class:`~omix_desktop.api.ApiClient` and the user.
        settings: the loaded :class:`~omix_desktop.config.Settings`; save with
            :meth:`save_settings`.
        loop: the qasync event loop the coroutines run on.
    """

    translator: Translator
    language: LanguageNotifier
    paths: AppPaths
    config: ConfigStore
    settings: Settings
    session: Session
    loop: asyncio.AbstractEventLoop
    redactor: RedactingFilter | None = None
    credential_store: Callable[[str], CredentialStore] = CredentialStore
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    on_error: ErrorReporter | None = None
    uploads: UploadsService | None = None
    """The app's upload queue (``ui.uploads_service``), created with the context."""
    keep_awake: KeepAwake | None = None
    """Holds the computer awake while transfers run (``omix_desktop.keep_awake``)."""

    def save_settings(self) -> None:
        try:
            self.config.save(self.settings)
        except OSError:
            log.exception("could not save the settings to %s", self.config.path)

    def spawn(
        self, coro: Coroutine[Any, Any, Any], owner: QObject | None = None
    ) -> asyncio.Task[Any]:
        """Run ``coro`` on the loop; cancelled if ``owner`` is destroyed first.

        An exception the coroutine does not handle is logged and shown through
        ``on_error`` (the app's exception dialog).
        """
        task = self.loop.create_task(coro)
        self.tasks.add(task)
        if owner is not None:
            owner.destroyed.connect(lambda *_args: task.cancel())
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            return
        log.error("background task failed", exc_info=error)
        if self.on_error is not None:
            self.on_error(error)

    def remember_secret(self, value: str | None) -> None:
        """Keep ``value`` out of the log from now on."""
        if self.redactor is not None:
            self.redactor.add_secret(value)

    async def shutdown(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.uploads is not None:
            await self.uploads.close()  # uploads stop cleanly and resume next start
        if self.keep_awake is not None:
            self.keep_awake.close(wait=False)  # the computer may sleep again
        await self.session.close()
        self.language.close()
