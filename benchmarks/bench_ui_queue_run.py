"""One run of bench_ui_queue_10k.py's scenario, in its own interpreter (it prints JSON).

Not run by hand: ``bench_ui_queue_10k.py`` starts it with the app to measure
first on ``sys.path``, so the same scenario can run on an older checkout.
"""

from __future__ import annotations

import asyncio
import gc
import json
import linecache
import os
import sqlite3
import statistics
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

MAIN = threading.get_ident()


class SqliteClock:
    """Seconds and calls spent in sqlite3 per thread: the Qt thread's, and the others'."""

    def __init__(self) -> None:
        self.main_seconds = 0.0
        self.main_calls = 0
        self.other_calls = 0
        self.main_statements: dict[str, int] = {}
        self._lock = threading.Lock()
        self._on = True

    def reset(self) -> None:
        with self._lock:
            self.main_seconds, self.main_calls, self.other_calls = 0.0, 0, 0
            self.main_statements.clear()
            self._on = True

    def stop(self) -> None:
        self._on = False

    def timed(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            spent = time.perf_counter() - started
            with self._lock:
                if not self._on:
                    pass
                elif threading.get_ident() == MAIN:
                    self.main_seconds += spent
                    self.main_calls += 1
                    what = str(args[0])[:50] if args and isinstance(args[0], str) else "fetch"
                    self.main_statements[what] = self.main_statements.get(what, 0) + 1
                else:
                    self.other_calls += 1

    def install(self) -> None:
        """From now on ``sqlite3.connect`` hands out timed connections (benchmark only)."""
        clock = self

        class TimedCursor(sqlite3.Cursor):
            def execute(self, *args: Any) -> Any:
                return clock.timed(super().execute, *args)

            def executemany(self, *args: Any) -> Any:
                return clock.timed(super().executemany, *args)

            def executescript(self, *args: Any) -> Any:
                return clock.timed(super().executescript, *args)

            def fetchone(self) -> Any:
                return clock.timed(super().fetchone)

            def fetchall(self) -> Any:
                return clock.timed(super().fetchall)

            def fetchmany(self, *args: Any) -> Any:
                return clock.timed(super().fetchmany, *args)

            def __next__(self) -> Any:
                return clock.timed(super().__next__)

        class TimedConnection(sqlite3.Connection):
            def cursor(self, factory: Any = TimedCursor) -> Any:
                return super().cursor(factory)

            def execute(self, *args: Any) -> Any:
                return self.cursor().execute(*args)

            def executemany(self, *args: Any) -> Any:
                return self.cursor().executemany(*args)

            def executescript(self, *args: Any) -> Any:
                return self.cursor().executescript(*args)

            def commit(self) -> None:
                clock.timed(super().commit)

            def close(self) -> None:
                clock.timed(super().close)

        connect = sqlite3.connect

        def timed_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            kwargs.setdefault("factory", TimedConnection)
            return clock.timed(connect, *args, **kwargs)  # type: ignore[no-any-return]

        sqlite3.connect = timed_connect  # type: ignore[assignment]


class GapMeter:
    """The time between ticks of a 10 ms QTimer on the Qt thread."""

    def __init__(self, timer_class: Any) -> None:
        self.gaps: list[float] = []
        self._last = 0.0
        self.running = False
        self.cpu_gaps: list[float] = []
        """Qt thread CPU time between two ticks: the gap without the other processes."""
        self._last_cpu = 0.0
        self.timer = timer_class()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()
        self.running = True
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.running = False

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.gaps.append((now - self._last) * 1000)
        self.cpu_gaps.append((cpu - self._last_cpu) * 1000)
        self._last, self._last_cpu = now, cpu


def write_files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for index in range(count):
        path = folder / f"sample_{index:05d}.fq"
        path.write_bytes(os.urandom(64) + b"ACGT" * (256 + index % 512))
        paths.append(path)
    return paths


async def scenario(options: dict[str, Any], meter: GapMeter, clock: SqliteClock) -> dict[str, Any]:
    from omix_desktop.paths import AppPaths
    from omix_desktop.transfer import ItemState, PlannedFile, StateChanged
    from omix_desktop.ui.application import build_context
    from omix_desktop.ui.main_window import MainWindow
    from tests.support.accounts import new_user
    from tests.support.server import ServerProcess

    folder = Path(options["folder"])
    server = ServerProcess(data_dir=folder / "server" / "data").start()
    try:
        user = new_user(server.api)
        loop = asyncio.get_running_loop()
        context = build_context(AppPaths.under(folder / "home").create(), loop, language="en")
        context.settings.server_url = server.url
        context.settings.ftp_port = server.ftp_port
        window = MainWindow(context)
        window.resize(1200, 800)
        window.show()
        files = await asyncio.to_thread(write_files, folder / "data", int(options["files"]))
        await context.session.sign_in(user.email, user.password)
        queue = await context.uploads.start()
        assert queue is not None
        window.show_screen("transfers")
        verified: set[int] = set()

        def on_event(event: object) -> None:
            if isinstance(event, StateChanged) and event.item.state is ItemState.VERIFIED:
                verified.add(event.item.id)

        context.uploads.events.subscribe(on_event)
        if options["trace_alloc"]:
            tracemalloc.start(1)
        clock.reset()  # the queue's run only, not the app's start
        meter.start()
        started = time.perf_counter()
        queue.add(PlannedFile(p, PurePosixPath(f"bench/{p.name}")) for p in files)
        while len(verified) < len(files):
            await asyncio.sleep(0.2)
            if time.perf_counter() - started > options["timeout"]:
                raise TimeoutError(f"{len(verified)} of {len(files)} verified in time")
        seconds = time.perf_counter() - started
        meter.stop()
        clock.stop()
        allocations = []
        if options["trace_alloc"]:
            snapshot = tracemalloc.take_snapshot()
            tracemalloc.stop()
            for stat in snapshot.statistics("lineno")[:15]:
                frame = stat.traceback[0]
                line = linecache.getline(frame.filename, frame.lineno).strip()[:60]
                where = f"{Path(frame.filename).name}:{frame.lineno}"
                allocations.append(f"{stat.size / 1024:8.0f} KiB {stat.count:7} {where} {line}")
        window.close()
        try:
            await context.shutdown()
        except Exception as error:  # the figures are taken: say it, keep them
            print(f"the app's shutdown failed: {error!r}", file=sys.stderr)
        return {"seconds": seconds, "allocations": allocations}
    finally:
        server.stop()


def main(options: dict[str, Any]) -> None:
    sys.path.append(options["tests_root"])  # tests.support from this checkout if not there
    clock = SqliteClock()
    if options["sqlite"]:
        clock.install()
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)
    from omix_desktop.ui.gc_guard import MainThreadCollector

    collector = MainThreadCollector(app)  # as the app does: GC on the Qt thread only
    pauses: list[float] = []
    gc_started = [0.0, 0.0]
    cpu_pauses: list[float] = []

    by_generation = [0, 0, 0]
    sizes: list[int] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if threading.get_ident() != MAIN or not meter.running:
            return
        if phase == "start":
            if os.environ.get("BENCH_GC_DEBUG"):
                sizes[:] = [len(gc.get_objects(g)) for g in range(3)]
            gc_started[:] = [time.perf_counter(), time.thread_time()]
        else:
            pauses.append((time.perf_counter() - gc_started[0]) * 1000)
            cpu_pauses.append((time.thread_time() - gc_started[1]) * 1000)
            by_generation[info["generation"]] += 1
            if os.environ.get("BENCH_GC_DEBUG") and pauses[-1] > 20:
                print("GC", round(pauses[-1]), info, sizes, file=sys.stderr)

    gc.callbacks.append(on_gc)
    meter = GapMeter(QTimer)
    try:  # the app's own loop where the checkout has one, as application.run uses it
        from omix_desktop.ui.event_loop import AppEventLoop as Loop
    except ImportError:
        Loop = qasync.QEventLoop  # noqa: N806
    loop = Loop(app)
    asyncio.set_event_loop(loop)
    with loop:
        result = loop.run_until_complete(scenario(options, meter, clock))
    gc.callbacks.remove(on_gc)
    collector.stop()
    gaps = sorted(meter.gaps) or [0.0]
    result.update(
        ticks=len(gaps),
        p50=statistics.median(gaps),
        p99=gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))],
        max=gaps[-1],
        gc_max=max(pauses, default=0.0),
        gc_cpu_max=max(cpu_pauses, default=0.0),
        gc_cpu_total=sum(cpu_pauses),
        cpu_gap_max=max(meter.cpu_gaps, default=0.0),
        cpu_gap_p99=sorted(meter.cpu_gaps or [0.0])[int(len(meter.cpu_gaps) * 0.99)],
        sqlite_main_s=clock.main_seconds,
        sqlite_main_calls=clock.main_calls,
        sqlite_other_calls=clock.other_calls,
        sqlite_main_statements=sorted(clock.main_statements.items(), key=lambda kv: -kv[1])[:5],
        gc_collections=by_generation,
    )
    print(json.dumps(result))
