"""A 10,000-row transfer list updating every 250 ms: how busy is the Qt thread?

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_transfer_list.py [--rows 10000] [--seconds 10]

The Transfers screen's lists (``ui.transfers.model.TransferLists`` with the
progress-bar delegate, in a shown QTableView that scrolls) receive a progress
event for every row every 250 ms, plus a few rows finishing each tick, as the
engine would report them. The Qt thread's CPU time (``time.thread_time``) over
the run is divided by the wall time. Side by side, the reference: the same
model refreshed on every event (no batching), run for a shorter time.
Target: under 30 % of one core.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path, PurePosixPath

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QTableView  # noqa: E402

import omix_desktop.ui  # noqa: E402, F401 - installs the PySide6 refcount guard
from omix_desktop.i18n.translator import Translator  # noqa: E402
from omix_desktop.transfer import ItemProgress, ItemState, QueueItem, StateChanged  # noqa: E402
from omix_desktop.ui.transfers.delegate import ProgressDelegate  # noqa: E402
from omix_desktop.ui.transfers.model import Column, TransferLists  # noqa: E402

TICK_MS = 250


def items(count: int) -> list[QueueItem]:
    return [
        QueueItem(
            id=i + 1,
            local_path=Path(f"/data/run1/sample_{i:05d}.fq.gz"),
            remote_path=PurePosixPath(f"run1/sample_{i:05d}.fq.gz"),
            size=2_000_000_000,
            mtime_ns=0,
            state=ItemState.UPLOADING,
        )
        for i in range(count)
    ]


def run(rows: int, seconds: float, *, batched: bool) -> dict[str, float]:
    app = QApplication.instance() or QApplication(sys.argv)
    lists = TransferLists(Translator("en"))
    view = QTableView()
    view.setModel(lists.models["queued"])
    view.setItemDelegateForColumn(Column.PROGRESS, ProgressDelegate(view))
    view.resize(1100, 700)
    view.show()
    queue_items = items(rows)
    lists.load(queue_items)
    app.processEvents()
    if not batched:  # the reference: every event repaints at once
        original = lists.on_event

        def on_event(event: object) -> None:
            original(event)  # type: ignore[arg-type]
            lists.flush()

        lists.on_event = on_event  # type: ignore[method-assign]
    state = {"tick": 0, "feed": 0.0, "finished": 0}
    sent = [0] * rows

    def tick() -> None:
        started = time.thread_time()
        state["tick"] += 1
        for index, item in enumerate(queue_items):
            sent[index] += 1_000_000
            lists.on_event(ItemProgress(item.id, sent[index], item.size, 4e6, 500.0))
        for item in queue_items[state["finished"] : state["finished"] + 5]:  # a few finish
            lists.on_event(StateChanged(_verified(item), ItemState.UPLOADING))
        state["finished"] += 5
        bar = view.verticalScrollBar()
        bar.setValue((bar.value() + 37) % max(1, bar.maximum()))  # the user scrolls
        state["feed"] += time.thread_time() - started

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(TICK_MS)
    cpu0, wall0 = time.thread_time(), time.perf_counter()
    deadline = wall0 + seconds
    while time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.002)
    cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0
    timer.stop()
    view.close()
    return {
        "rows": rows,
        "ticks": state["tick"],
        "cpu_pct": 100 * cpu / wall,
        "feed_pct": 100 * state["feed"] / wall,
        "flush_ms": 1000 * lists.flush_seconds / max(1, lists.flushes),
        "flushes": lists.flushes,
    }


def _verified(item: QueueItem) -> QueueItem:
    from dataclasses import replace

    return replace(item, state=ItemState.VERIFIED)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--reference-seconds", type=float, default=3.0)
    args = parser.parse_args()
    QApplication(sys.argv)
    ours = run(args.rows, args.seconds, batched=True)
    reference = run(args.rows, args.reference_seconds, batched=False)
    print(f"\nTransfer list, {args.rows} rows, progress of every row every {TICK_MS} ms\n")
    print(
        f"{'variant':<34} {'ticks':>6} {'Qt thread CPU':>14} {'of which feeding':>17} "
        f"{'ms per refresh':>15} {'refreshes':>10}"
    )
    for name, result in (
        ("batched, <= 1 refresh / 250 ms", ours),
        ("reference: refresh on every event", reference),
    ):
        print(
            f"{name:<34} {result['ticks']:>6} {result['cpu_pct']:>13.1f}% "
            f"{result['feed_pct']:>16.1f}% {result['flush_ms']:>15.2f} {result['flushes']:>10}"
        )
    verdict = "PASS" if ours["cpu_pct"] < 30 else "FAIL"
    print(f"\ntarget: Qt thread under 30 % of one core -> {verdict} ({ours['cpu_pct']:.1f} %)")
    print("'feeding' is the synthetic engine's own cost (10,000 events per tick), included.")


if __name__ == "__main__":
    main()
