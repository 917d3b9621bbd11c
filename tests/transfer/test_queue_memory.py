"""The in-memory queue store answers as the SQLite one does, and its thread saves it all."""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path, PurePosixPath
from types import FrameType
from typing import Any

import pytest

from omix_desktop.transfer.queue_memory import MemoryQueueStore
from omix_desktop.transfer.queue_store import ItemState, QueueItem, QueueStore
from omix_desktop.transfer.selection import PlannedFile


def planned(root: Path, names: list[str], size: int = 1000) -> list[PlannedFile]:
    return [PlannedFile(root / n, PurePosixPath(f"run/{n}"), size, 1) for n in names]


def plain(items: list[QueueItem]) -> list[QueueItem]:
    """Snapshots without their clock times (the two stores were written a moment apart)."""
    return [replace(i, created_at=0.0, updated_at=0.0) for i in items]


def reads(store: QueueStore, now: float) -> dict[str, Any]:
    first = store.next_runnable(now)
    return {
        "items": plain(store.items()),
        "failed": plain(store.items([ItemState.FAILED])),
        "counts": store.counts(),
        "bytes": store.byte_totals(),
        "pending": store.pending_count(),
        "next": first.id if first else None,
        "next_without_1_2": getattr(store.next_runnable(now, exclude=[1, 2]), "id", None),
        "due": store.next_due_time(),
        "due_without_3": store.next_due_time(exclude=[3]),
        "stripes": [store.stripes(i) for i in range(1, 8)],
        "paused": store.get_setting("paused", "0"),
    }


def steps(root: Path) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    return [
        ("add", (planned(root, ["a", "b", "c", "d", "e"]),), {}),
        ("update", (2,), {"state": ItemState.UPLOADING, "started": True, "sent": 10}),
        ("update", (3,), {"next_attempt_at": 5000.0, "failures_in_row": 1}),
        ("update", (1,), {"paused": True}),
        ("plan_stripes", (2, [(0, 500), (500, 1000)]), {}),
        ("stripe_done", (2, 500), {}),
        ("update", (4,), {"state": "failed", "reason": "refused", "reason_params": {"n": 1}}),
        ("update", (2,), {"state": ItemState.UPLOADED, "sent": 1000}),
        ("set_setting", ("paused", "1"), {}),
        ("update", (5,), {"state": ItemState.VERIFIED, "md5": "0" * 32}),
        ("forget_stripes", (2,), {}),
        ("delete", (1,), {}),
        ("add", (planned(root, ["d", "f"], size=2000),), {}),  # d failed: requeued
        ("update", (3,), {"next_attempt_at": 0.0}),
        ("delete", (99,), {}),
        ("plan_stripes", (3, [(0, 400), (400, 1000)]), {}),  # kept to the end: saved?
        ("stripe_done", (3, 0), {}),
    ]


def test_every_answer_equals_the_sqlite_store_after_every_step(tmp_path: Path) -> None:
    disk = QueueStore(tmp_path / "disk")
    memory = MemoryQueueStore(tmp_path / "memory")
    for name, args, kwargs in steps(tmp_path / "files"):
        expected = getattr(disk, name)(*args, **kwargs)
        got = getattr(memory, name)(*args, **kwargs)
        if isinstance(expected, tuple):  # add_tracked
            assert (plain(got[0]), got[1]) == (plain(expected[0]), expected[1]), name
        elif isinstance(expected, list):
            assert plain(got) == plain(expected), name
        elif isinstance(expected, QueueItem):
            assert plain([got]) == plain([expected]), name
        else:
            assert got == expected, name
        assert reads(memory, 1000.0) == reads(disk, 1000.0), (name, args)
    with pytest.raises(KeyError):
        memory.update(42, sent=1)
    with pytest.raises(ValueError, match="cannot update"):
        memory.update(2, colour="red")
    kept = reads(memory, 1000.0)
    assert kept["stripes"][2] == [(0, 400, True), (400, 1000, False)]
    disk.close()
    memory.close()

    reopened = QueueStore(tmp_path / "memory")  # what the writer thread saved
    assert reads(reopened, 1000.0) == kept
    assert reopened.add(planned(tmp_path, ["g"]))[0].id == 7  # ids are never reused
    reopened.close()


def test_crashed_uploads_are_requeued_on_open_and_new_ids_follow_deleted_ones(
    tmp_path: Path,
) -> None:
    disk = QueueStore(tmp_path / "q")
    disk.add(planned(tmp_path, ["a", "b", "c"]))
    disk.update(1, state=ItemState.UPLOADING)
    disk.delete(3)
    disk.close()
    memory = MemoryQueueStore(tmp_path / "q")
    assert memory.recovered == 1
    assert [i.state for i in memory.items()] == [ItemState.QUEUED] * 2
    (new,) = memory.add(planned(tmp_path, ["z"]))
    assert new.id == 4
    memory.close()
    with pytest.raises(RuntimeError, match="closed"):
        memory.set_setting("paused", "1")


@contextmanager
def sqlite_calls_on_this_thread() -> Iterator[list[str]]:
    """Names of sqlite3 C calls made on the calling thread while inside."""
    calls: list[str] = []
    me = threading.get_ident()

    def profile(_frame: FrameType, event: str, arg: object) -> None:
        if event == "c_call" and threading.get_ident() == me:
            owner = getattr(arg, "__self__", None)
            if isinstance(owner, sqlite3.Connection | sqlite3.Cursor):
                calls.append(getattr(arg, "__qualname__", repr(arg)))

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(previous)


def test_no_sqlite_call_on_the_caller_thread_after_open(tmp_path: Path) -> None:
    store = MemoryQueueStore(tmp_path / "q")
    with sqlite_calls_on_this_thread() as calls:
        store.add(planned(tmp_path, [f"f{i}" for i in range(200)]))
        for item in store.items():
            store.update(item.id, state=ItemState.UPLOADING)
            store.update(item.id, state=ItemState.VERIFIED)
        store.next_runnable(0.0)
        store.counts()
        store.flush()
    assert calls == []
    assert store.commits >= 1
    store.close()
    with sqlite_calls_on_this_thread() as calls:  # the check itself sees SQLite calls
        QueueStore(tmp_path / "q").close()
    assert calls
    reopened = QueueStore(tmp_path / "q")
    assert reopened.counts()["verified"] == 200
    reopened.close()


def test_md5_cache_answers_from_memory_and_saves_in_order(tmp_path: Path) -> None:
    from omix_desktop.transfer.hash_cache import HashCache
    from omix_desktop.transfer.hash_memory import MemoryHashCache

    local = tmp_path / "a.fq"
    local.write_bytes(b"ACGT")
    before = HashCache(tmp_path / "data")
    before.store(local, 4, 1, "AA" * 16)
    before.store(tmp_path / "gone.fq", 9, 9, "bb" * 16)
    before.close()

    cache = MemoryHashCache(tmp_path / "data")
    assert cache.wait_loaded() == tmp_path / "data" / HashCache.FILE_NAME
    with sqlite_calls_on_this_thread() as calls:
        assert cache.lookup(local, 4, 1) == "aa" * 16
        assert cache.lookup(local, 4, 2) is None  # another mtime: another content
        cache.store(local, 4, 2, "CC" * 16)
        cache.forget(tmp_path / "gone.fq")
        assert cache.lookup(local, 4, 2) == "cc" * 16
        assert cache.lookup(tmp_path / "gone.fq", 9, 9) is None
        cache.flush()
    assert calls == []
    cache.close()
    with pytest.raises(RuntimeError, match="closed"):
        cache.store(local, 1, 1, "dd" * 16)

    after = HashCache(tmp_path / "data")
    assert after.lookup(local, 4, 2) == "cc" * 16
    assert after.lookup(local, 4, 1) is None
    assert after.lookup(tmp_path / "gone.fq", 9, 9) is None
    after.close()


def test_a_locked_file_is_reported_and_the_writes_saved_once_it_is_free(tmp_path: Path) -> None:
    store = MemoryQueueStore(tmp_path / "q")
    (item,) = store.add(planned(tmp_path, ["a"]))
    store.flush()
    assert store.save_error is None
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holds the file
    try:
        store.update(item.id, state=ItemState.FAILED, reason="refused")
        store.flush()  # tried: SQLite waits its busy timeout, then gives up
        assert store.save_error is not None and "locked" in store.save_error
        assert store.get(item.id).state is ItemState.FAILED  # memory is right meanwhile
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.set_setting("paused", "1")
    store.flush()
    assert store.save_error is None
    store.close()
    reopened = QueueStore(tmp_path / "q")
    assert reopened.get(item.id).state is ItemState.FAILED  # the write kept while locked
    assert reopened.get_setting("paused") == "1"
    reopened.close()


def test_adding_is_all_or_nothing_as_in_one_transaction(tmp_path: Path) -> None:
    (tmp_path / "here.fq").write_bytes(b"ACGT")
    plans = [
        PlannedFile(tmp_path / "here.fq", PurePosixPath("run/here.fq")),
        PlannedFile(tmp_path / "missing.fq", PurePosixPath("run/missing.fq")),
    ]
    for store in (QueueStore(tmp_path / "disk"), MemoryQueueStore(tmp_path / "memory")):
        with pytest.raises(FileNotFoundError):
            store.add(plans)
        assert store.items() == [] and store.counts()["queued"] == 0
        (item,) = store.add(plans[:1])
        assert item.id == 1 and item.size == 4
        store.close()
