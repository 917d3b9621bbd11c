"""UI tests: real widgets, offscreen, on a qasync loop, against the real server."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import asyncio  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import keyring  # noqa: E402
import pytest  # noqa: E402

from omix_desktop.api.client import ApiClient  # noqa: E402
from omix_desktop.paths import AppPaths  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402
from tests.ui.support import MemoryKeyring  # noqa: E402

# Qt warnings fail a UI test, except the offscreen platform's own chatter.
QT_LOG_IGNORE = ("This plugin does not support",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(*QT_LOG_IGNORE))


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="package", autouse=True)
def main_thread_gc(qapp: object) -> Iterator[None]:
    """As in the app: cyclic garbage (with Qt objects in it) is freed on the Qt thread."""
    from omix_desktop.ui.gc_guard import MainThreadCollector

    collector = MainThreadCollector()
    yield
    collector.stop()


@pytest.fixture
def loop(qapp: object) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop over pytest-qt's QApplication; drive it with ``run_until``."""
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    # Everything in the app happens inside one long-running loop: clicks, Qt events,
    # tasks stepped by them. Tests call run_until_complete many times, and qasync
    # processes Qt events once more after clearing the running loop, so a task woken
    # between two calls (or an engine call from a click) would die with "no running
    # event loop". Keep the loop marked running for the whole test, as in the app.
    run_forever = loop.run_forever

    def forever() -> object:
        try:
            return run_forever()
        finally:
            asyncio.events._set_running_loop(loop)

    loop.run_forever = forever  # type: ignore[method-assign]
    asyncio.events._set_running_loop(loop)
    yield loop
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    asyncio.events._set_running_loop(None)
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def app_paths(tmp_path: Path) -> AppPaths:
    """Config, data and logs in the test's folder, never the developer's profile."""
    return AppPaths.under(tmp_path / "home").create()


def quick_api(url: str) -> ApiClient:
    """No retries: a refused connection is reported at once."""
    return ApiClient(url, retries=0)


@pytest.fixture
def make_context(
    loop: asyncio.AbstractEventLoop, app_paths: AppPaths
) -> Iterator[Callable[..., object]]:
    """Build an AppContext (English unless told); shut down at the end of the test."""
    from omix_desktop.ui.application import build_context

    made = []
    errors: list[BaseException] = []

    def make(language: str = "en", server: ServerProcess | None = None, **settings: object):
        context = build_context(app_paths, loop, language=language, api_factory=quick_api)
        if server is not None:
            context.settings.server_url = server.url
            context.settings.ftp_port = server.ftp_port
        for name, value in settings.items():
            setattr(context.settings, name, value)
        context.on_error = errors.append
        made.append(context)
        return context

    yield make
    for context in made:
        loop.run_until_complete(context.shutdown())
    assert not errors, f"background tasks failed: {errors!r}"


@pytest.fixture
def context(make_context: Callable[..., object], server: ServerProcess):
    """An English context pointed at the session's real server."""
    return make_context(server=server)
