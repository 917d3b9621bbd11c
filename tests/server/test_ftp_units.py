"""Unit checks of the FTP building blocks: path jail and hashing I/O."""

from __future__ import annotations

import asyncio
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

import pytest

from server_stub.ftp.hashing_io import HashingUpload, ResumeCache, md5_of_range
from server_stub.ftp.jail import JailError, normalize, real_path

ROOT = PurePosixPath("/")


@pytest.mark.parametrize(
    ("current", "given", "expected"),
    [
        ("/", "a.txt", "/a.txt"),
        ("/run1", "a.txt", "/run1/a.txt"),
        ("/run1", "../../../etc/passwd", "/etc/passwd"),
        ("/", "/../../x", "/x"),
        ("/a/b", "./../c/./d", "/a/c/d"),
        ("/a", "", "/a"),
    ],
)
def test_normalize_never_climbs_above_root(current: str, given: str, expected: str) -> None:
    assert normalize(PurePosixPath(current), given) == PurePosixPath(expected)


def test_real_path_refuses_symlink_escape(tmp_path: Path) -> None:
    home = tmp_path / "home"
    outside = tmp_path / "outside"
    home.mkdir()
    outside.mkdir()
    (home / "ok").mkdir()
    (home / "escape").symlink_to(outside)
    assert real_path(home, PurePosixPath("/ok/file")) == home / "ok" / "file"
    with pytest.raises(JailError):
        real_path(home, PurePosixPath("/escape/file"))
    with pytest.raises(JailError):
        normalize(ROOT, "bad\x00name")


def test_md5_of_range(tmp_path: Path) -> None:
    data = bytes(range(256)) * 10_000
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert md5_of_range(path) == (hashlib.md5(data).hexdigest(), len(data))
    assert md5_of_range(path, 1000, 2000)[0] == hashlib.md5(data[1000:2000]).hexdigest()
    assert md5_of_range(path, 0, len(data) + 50)[1] == len(data)


async def test_hashing_upload_resume_uses_cache_and_disk(tmp_path: Path) -> None:
    data = bytes(range(256)) * 20_000
    path = tmp_path / "up.bin"
    cache = ResumeCache()
    with ThreadPoolExecutor(2) as executor:
        first = HashingUpload(path, executor, cache)
        assert await first.open(0, append=False) == 0
        await asyncio.to_thread(first.write_block, data[:1_000_000])
        assert await first.finish() == hashlib.md5(data[:1_000_000]).hexdigest()
        # resume with the cached MD5 state, then without it (hashing the file again)
        for use_cache in (True, False):
            if not use_cache:
                cache.forget(path)
            again = HashingUpload(path, executor, cache)
            assert await again.open(None, append=True) == 1_000_000
            await asyncio.to_thread(again.write_block, data[1_000_000:])
            assert await again.finish() == hashlib.md5(data).hexdigest()
            path.write_bytes(data[:1_000_000])
            cache.forget(path)
            warm = HashingUpload(path, executor, cache)
            await warm.open(None, append=True)
            await warm.finish()
        with pytest.raises(ValueError):
            await HashingUpload(path, executor, cache).open(5_000_000, append=False)
