"""Does the window stay responsive while files are hashed and uploaded?

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_ui_responsiveness.py [--size-mib 512]

The real app (main window, Prepare files and Transfers screens, the app's
upload queue, signed in to a reference server started on loopback) hashes
four files on the Prepare screen and uploads two more files of the same size
through the queue (which hashes them while sending), all at once. A 10 ms
QTimer on the Qt thread records the gap between its ticks: a gap is how long
a click or a repaint would have waited. Side by side, the reference: the same
timer with the app idle. Target: maximum gap under 50 ms. Prints p50, p99, max.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path, PurePosixPath

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from omix_desktop.paths import AppPaths  # noqa: E402
from omix_desktop.transfer import ItemState, PlannedFile  # noqa: E402
from omix_desktop.ui.application import build_context  # noqa: E402
from omix_desktop.ui.gc_guard import MainThreadCollector  # noqa: E402
from omix_desktop.ui.main_window import MainWindow  # noqa: E402
from tests.support.accounts import new_user  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

CHUNK = 8 * 1024 * 1024


def make_file(path: Path, size: int) -> None:
    block = os.urandom(CHUNK)
    with open(path, "wb") as out:
        left = size
        while left > 0:
            out.write(block[: min(CHUNK, left)])
            left -= CHUNK
        # different content per file: the cache must not short-cut anything
        out.seek(0)
        out.write(os.urandom(64))


class GapMeter:
    """Records the time between ticks of a 10 ms QTimer."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._last = 0.0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.gaps.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now

    def summary(self) -> tuple[int, float, float, float]:
        gaps = sorted(self.gaps)
        p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]
        return len(gaps), statistics.median(gaps), p99, gaps[-1]


async def scenario(args: argparse.Namespace, folder: Path, meter: GapMeter) -> dict[str, object]:
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
        size = args.size_mib * 1024 * 1024
        files = [folder / "data" / f"sample_{i}.bin" for i in range(6)]
        (folder / "data").mkdir()
        for path in files:
            await asyncio.to_thread(make_file, path, size)

        meter.start()  # the reference: idle app, signed out
        await asyncio.sleep(args.idle_seconds)
        meter.stop()
        idle = meter.summary()

        await context.session.sign_in(user.email, user.password)
        queue = await context.uploads.start()
        assert queue is not None
        prepare = window.show_screen("prepare")
        meter.start()
        started = time.perf_counter()
        prepare.add_paths(files[:4])  # type: ignore[attr-defined]
        queue.add(PlannedFile(p, PurePosixPath(p.name)) for p in files[4:])
        window.show_screen("transfers")
        hashed_at = uploaded_at = None
        while hashed_at is None or uploaded_at is None:
            await asyncio.sleep(0.1)
            now = time.perf_counter() - started
            rows = prepare.model.rows  # type: ignore[attr-defined]
            if hashed_at is None and rows and all(r.md5 for r in rows):
                hashed_at = now
            if uploaded_at is None and all(i.state is ItemState.VERIFIED for i in queue.items()):
                uploaded_at = now
            if now > args.timeout:
                raise TimeoutError("the work did not finish in time")
        meter.stop()
        busy = meter.summary()
        window.close()
        await context.shutdown()
        return {"idle": idle, "busy": busy, "hashed_at": hashed_at, "uploaded_at": uploaded_at}
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    from omix_desktop.ui.event_loop import AppEventLoop  # the app's loop (qasync's)

    app = QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)
    collector = MainThreadCollector(app)  # as the app does: GC on the Qt thread only
    gc_pauses: list[float] = []
    gc_started = [0.0]

    def on_gc(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            gc_pauses.append((time.perf_counter() - gc_started[0]) * 1000)

    gc.callbacks.append(on_gc)
    loop = AppEventLoop(app)
    asyncio.set_event_loop(loop)
    meter = GapMeter()
    with tempfile.TemporaryDirectory(prefix="omix-bench-ui-") as tmp, loop:
        result = loop.run_until_complete(scenario(args, Path(tmp), meter))
    collector.stop()
    mib = args.size_mib
    print(f"\nUI responsiveness: 10 ms QTimer on the Qt thread ({os.cpu_count()} cores)\n")
    print(f"{'scenario':<52} {'ticks':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for name, (ticks, p50, p99, worst) in (
        ("reference: idle window", result["idle"]),
        (f"hashing 4 x {mib} MiB + uploading 2 x {mib} MiB", result["busy"]),
    ):
        print(f"{name:<52} {ticks:>6} {p50:>7.1f} {p99:>7.1f} {worst:>7.1f}")
    print(
        f"\nhashing done after {result['hashed_at']:.1f} s, "
        f"uploads verified after {result['uploaded_at']:.1f} s"
    )
    worst = result["busy"][3]  # type: ignore[index]
    print(f"longest garbage collection on the Qt thread: {max(gc_pauses, default=0):.1f} ms")
    print(f"target: max gap under 50 ms -> {'PASS' if worst < 50 else 'FAIL'} ({worst:.1f} ms)")


if __name__ == "__main__":
    main()
