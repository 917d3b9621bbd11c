"""MD5 in worker threads: right digests, progress, cancel, concurrency, hash cache."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import threading
from pathlib import Path

import pytest

from omix_desktop.transfer.hash_cache import FileStamp, HashCache, is_unchanged
from omix_desktop.transfer.hashing import (
    HashCancelled,
    HashProgress,
    IncrementalHasher,
    hash_files,
    md5_file,
    md5_range,
)


def reference_md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_md5_matches_hashlib_and_md5sum(make_file) -> None:
    for size in (0, 1, 1024 * 1024 - 1, 1024 * 1024, 3 * 1024 * 1024 + 5):
        path = make_file(f"f{size}.bin", size)
        ours = md5_file(path)
        assert ours == reference_md5(path)
        md5sum = subprocess.run(["md5sum", str(path)], capture_output=True, text=True, check=True)
        assert md5sum.stdout.split()[0] == ours


def test_md5_range(make_file) -> None:
    path = make_file("r.bin", 3 * 1024 * 1024 + 11)
    data = path.read_bytes()
    assert md5_range(path, 0, 0) == hashlib.md5(b"").hexdigest()
    assert (
        md5_range(path, 5, 2 * 1024 * 1024 + 3)
        == hashlib.md5(data[5 : 2 * 1024 * 1024 + 3]).hexdigest()
    )
    assert md5_range(path, 1000, None) == hashlib.md5(data[1000:]).hexdigest()
    with pytest.raises(EOFError):
        md5_range(path, 0, len(data) + 1)


def test_incremental_hasher_catch_up_then_blocks(make_file) -> None:
    path = make_file("i.bin", 2 * 1024 * 1024 + 3)
    data = path.read_bytes()
    hasher = IncrementalHasher()
    hasher.catch_up(path, 1000)
    assert hasher.peek() == hashlib.md5(data[:1000]).hexdigest()
    hasher.update(data[1000:5000], at=1000)
    with pytest.raises(ValueError):
        hasher.update(b"x", at=1)
    hasher.update(data[5000:], at=5000)
    assert hasher.hexdigest() == hashlib.md5(data).hexdigest()


async def test_hash_files_progress_and_results(make_file) -> None:
    paths = [make_file(f"d/{i}.bin", (i + 1) * 700_000) for i in range(5)]
    reports: list[HashProgress] = []
    loop_thread = threading.get_ident()
    seen_threads: set[int] = set()

    def on_progress(progress: HashProgress) -> None:
        seen_threads.add(threading.get_ident())
        reports.append(progress)

    results = await hash_files(paths, concurrency=2, on_progress=on_progress)
    assert results == {p: reference_md5(p) for p in paths}
    assert seen_threads == {loop_thread}  # callbacks arrive on the event loop thread
    finished = [r for r in reports if r.finished]
    assert {r.path for r in finished} == set(paths)
    total = sum(p.stat().st_size for p in paths)
    assert reports[-1].overall_done == reports[-1].overall_total == total
    assert all(a.overall_done <= b.overall_done for a, b in zip(reports, reports[1:], strict=False))


async def test_hash_files_limits_concurrency(make_file, monkeypatch) -> None:
    paths = [make_file(f"c/{i}.bin", 2 * 1024 * 1024) for i in range(6)]
    active = 0
    peak = 0
    lock = threading.Lock()
    import omix_desktop.transfer.hashing as hashing

    real = hashing.md5_file

    def counting(path: Path, **kwargs: object) -> str:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        try:
            return real(path, **kwargs)  # type: ignore[arg-type]
        finally:
            with lock:
                active -= 1

    monkeypatch.setattr(hashing, "md5_file", counting)
    await hash_files(paths, concurrency=2)
    assert peak <= 2


async def test_cancel_stops_within_a_block(make_file, monkeypatch) -> None:
    import omix_desktop.transfer.hashing as hashing

    monkeypatch.setattr(hashing, "PROGRESS_INTERVAL", 0.0)  # a report per block
    path = make_file("big.bin", 64 * 1024 * 1024)
    cancel = threading.Event()
    last: list[HashProgress] = []

    def on_progress(progress: HashProgress) -> None:
        last.append(progress)
        if progress.file_done >= 2 * 1024 * 1024:
            cancel.set()

    with pytest.raises(HashCancelled):
        await asyncio.wait_for(hash_files([path], on_progress=on_progress, cancel=cancel), 10)
    assert not any(p.finished for p in last)


def test_blocking_cancel_is_prompt(make_file) -> None:
    path = make_file("big2.bin", 32 * 1024 * 1024)
    cancel = threading.Event()
    seen = 0

    def on_bytes(count: int) -> None:
        nonlocal seen
        seen += count
        if seen >= 3 * 1024 * 1024:
            cancel.set()

    with pytest.raises(HashCancelled):
        md5_file(path, cancel=cancel, on_bytes=on_bytes)
    assert seen == 3 * 1024 * 1024  # stopped at the very next block


async def test_task_cancellation_stops_workers(make_file) -> None:
    path = make_file("big3.bin", 48 * 1024 * 1024)
    task = asyncio.create_task(hash_files([path]))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_unreadable_files_collected(make_file, tmp_path) -> None:
    good = make_file("ok.bin", 1000)
    missing = tmp_path / "missing.bin"
    errors: dict[Path, OSError] = {}
    results = await hash_files([good, missing], errors=errors)
    assert results == {good: reference_md5(good)}
    assert isinstance(errors[missing], FileNotFoundError)
    with pytest.raises(FileNotFoundError):
        await hash_files([good, missing])


async def test_cache_hit_miss_and_touch(make_file, tmp_path) -> None:
    path = make_file("c.bin", 1_500_000)
    cache = HashCache(tmp_path / "data")
    first = await hash_files([path], cache=cache)
    assert cache.get(path) == first[path]

    reads: list[HashProgress] = []
    again = await hash_files([path], cache=cache, on_progress=reads.append)
    assert again == first
    assert [r.finished for r in reads] == [True]  # served from the cache: no block read

    stamp = FileStamp.of(path)
    assert is_unchanged(path, stamp.size, stamp.mtime_ns)
    os.utime(path, ns=(stamp.mtime_ns + 1_000_000_000, stamp.mtime_ns + 1_000_000_000))
    assert not cache.is_unchanged(path, stamp.size, stamp.mtime_ns)
    assert cache.get(path) is None  # touched: a miss
    reads.clear()
    third = await hash_files([path], cache=cache, on_progress=reads.append)
    assert third == first
    assert len(reads) >= 1 and reads[-1].finished

    with path.open("r+b") as handle:
        handle.write(b"changed!")
    assert cache.get(path) is None
    changed = await hash_files([path], cache=cache)
    assert changed[path] == reference_md5(path) != first[path]
    cache.close()

    reopened = HashCache(tmp_path / "data")  # persisted in the data folder
    assert reopened.get(path) == changed[path]
    reopened.close()
