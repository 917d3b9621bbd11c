"""Both stores against one contract: the local folders and a real SeaweedFS.

Every test runs twice, on :class:`LocalStore` over a temporary folder and on
:class:`S3Store` over a bucket of a SeaweedFS started for this module
(``tests/support/seaweed.py``). The object store is made with small parts
(5 MiB) and a small copy limit, so multipart uploads and part-by-part copies
are exercised with files of a few MiB.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from server_stub.config import Settings
from server_stub.storage import LocalStore, Store, StoreError, open_store
from server_stub.storage.base import S3Location, check_key
from server_stub.storage.s3 import S3Store
from tests.support.seaweed import SeaweedS3, seaweed_s3

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    with seaweed_s3(tmp_path_factory.mktemp("seaweed")) as s3:
        yield s3


def _s3_store(s3: SeaweedS3, prefix: str, **options: int) -> S3Store:
    return S3Store(
        s3.store_url(prefix),
        endpoint=s3.endpoint,
        access_key=s3.access_key,
        secret_key=s3.secret_key,
        **options,
    )


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "local":
        return LocalStore(tmp_path / "data")
    s3: SeaweedS3 = request.getfixturevalue("seaweed")
    return _s3_store(s3, f"t{secrets.token_hex(4)}", part_size=5 * MIB, copy_limit=6 * MIB)


def _file(folder: Path, name: str, size: int) -> tuple[Path, bytes]:
    data = os.urandom(size)
    path = folder / name
    path.write_bytes(data)
    return path, data


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _read(store: Store, key: str, start: int = 0, length: int | None = None) -> bytes:
    reader = store.open_range(key, start, length)
    try:
        chunks = []
        while chunk := reader.read(MIB):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        reader.close()


@pytest.mark.parametrize("size", [1, 12 * MIB + 3])
def test_a_put_file_is_held_whole_with_its_md5(store: Store, tmp_path: Path, size: int) -> None:
    source, data = _file(tmp_path, "in.fq.gz", size)
    key = "archive/OMIX000001/OMIX000001-01.fq.gz"
    info = store.put_file(key, source, _md5(data))
    assert (info.size, info.md5) == (size, _md5(data))
    assert _read(store, key) == data
    held = store.stat(key)
    assert held is not None and held.size == size and not held.folder
    if isinstance(store, S3Store):
        assert held.md5 == _md5(data)  # kept as the object's metadata
        assert source.exists()  # uploaded, left for the caller to remove
    else:
        assert not source.exists()  # moved
        assert store.local_path(key) == store.root / key


def test_an_unknown_md5_is_computed_and_a_wrong_one_is_not_kept(
    store: Store, tmp_path: Path
) -> None:
    source, data = _file(tmp_path, "a.txt", 6 * MIB)
    assert store.put_file("archive/OMIX000002/a.txt", source, None).md5 == _md5(data)
    source, data = _file(tmp_path, "b.txt", 1000)
    wrong = "0" * 32
    info = store.put_file("archive/OMIX000002/b.txt", source, wrong)
    if isinstance(store, S3Store):
        # the store holds what was read from disk, and says so
        assert info.md5 == _md5(data)
    else:
        assert info.md5 == wrong  # the local move trusts the MD5 computed on receipt


def test_ranges(store: Store, tmp_path: Path) -> None:
    source, data = _file(tmp_path, "r.bin", 7 * MIB + 11)
    key = "archive/OMIX000003/r.bin"
    store.put_file(key, source, _md5(data))
    assert _read(store, key, 0, 10) == data[:10]
    assert _read(store, key, 5 * MIB - 3, 9) == data[5 * MIB - 3 : 5 * MIB + 6]
    assert _read(store, key, len(data) - 5) == data[-5:]
    assert _read(store, key, 123) == data[123:]


def test_stat_exists_list_walk_delete(store: Store, tmp_path: Path) -> None:
    assert store.stat("archive/OMIX000004/none") is None
    assert not store.exists("archive/OMIX000004/none")
    for name in ("b.txt", "a.txt", "sub/c.txt"):
        source, data = _file(tmp_path, name.replace("/", "-"), 10)
        store.put_file(f"public/OMIX/OMIX000004/{name}", source, _md5(data))
    store.put_bytes("public/OMIX/OMIX000004/a.txt.md5", b"x  a.txt\n")
    listed = store.list("public/OMIX/OMIX000004")
    assert [(info.name, info.folder) for info in listed] == [
        ("a.txt", False),
        ("a.txt.md5", False),
        ("b.txt", False),
        ("sub", True),
    ]
    assert listed[0].size == 10 and listed[0].modified > 0
    walked = sorted(info.key for info in store.walk("public/OMIX/OMIX000004"))
    assert walked == [
        f"public/OMIX/OMIX000004/{name}" for name in ("a.txt", "a.txt.md5", "b.txt", "sub/c.txt")
    ]
    assert store.read_bytes("public/OMIX/OMIX000004/a.txt.md5") == b"x  a.txt\n"
    store.delete("public/OMIX/OMIX000004/b.txt")
    store.delete("public/OMIX/OMIX000004/b.txt")  # absent: fine
    assert not store.exists("public/OMIX/OMIX000004/b.txt")
    assert store.list("public/OMIX/none") == []
    with pytest.raises(FileNotFoundError):
        store.read_bytes("public/OMIX/none/x")


@pytest.mark.parametrize("size", [100, 8 * MIB])
def test_copy_makes_no_second_upload_and_keeps_the_md5(
    store: Store, tmp_path: Path, size: int
) -> None:
    source, data = _file(tmp_path, "c.bin", size)
    store.put_file("archive/OMIX000005/c.bin", source, _md5(data))
    store.copy("archive/OMIX000005/c.bin", "public/OMIX/OMIX000005/c.bin")
    store.copy("archive/OMIX000005/c.bin", "public/OMIX/OMIX000005/c.bin")  # again: same
    assert _read(store, "public/OMIX/OMIX000005/c.bin") == data
    copied = store.stat("public/OMIX/OMIX000005/c.bin")
    assert copied is not None and copied.size == size
    if isinstance(store, S3Store):
        assert copied.md5 == _md5(data)
    else:
        archived = store.local_path("archive/OMIX000005/c.bin")
        published = store.local_path("public/OMIX/OMIX000005/c.bin")
        assert archived.stat().st_ino == published.stat().st_ino  # a hard link
    with pytest.raises(StoreError):
        store.copy("archive/OMIX000005/none", "public/OMIX/OMIX000005/none")


@pytest.mark.parametrize(
    "key", ["", "/archive/a", "archive/../public/a", "archive//a", "preupload/1/a", "archive\\a"]
)
def test_keys_outside_the_two_trees_are_refused(store: Store, key: str) -> None:
    with pytest.raises(ValueError):
        check_key(key)
    with pytest.raises(ValueError):
        store.stat(key)


def test_the_object_store_checks_each_part(seaweed: SeaweedS3) -> None:
    """A part whose Content-MD5 does not match its bytes is refused by the store itself."""
    store = _s3_store(seaweed, "parts")
    client = store.client
    name = store.object_name("archive/OMIX000006/p.bin")
    upload = client.create_multipart_upload(Bucket=seaweed.bucket, Key=name)
    wrong = "AAAAAAAAAAAAAAAAAAAAAA=="  # the MD5 of other bytes
    with pytest.raises(Exception, match="BadDigest|InvalidDigest"):
        client.upload_part(
            Bucket=seaweed.bucket,
            Key=name,
            UploadId=upload["UploadId"],
            PartNumber=1,
            Body=b"data" * 1000,
            ContentMD5=wrong,
        )
    client.abort_multipart_upload(Bucket=seaweed.bucket, Key=name, UploadId=upload["UploadId"])


def test_settings_open_the_store_and_wrong_credentials_say_so(
    seaweed: SeaweedS3, tmp_path: Path
) -> None:
    local = open_store(Settings(data_dir=tmp_path))
    assert isinstance(local, LocalStore) and local.root == tmp_path
    secret = tmp_path / "secret"
    secret.write_text(seaweed.secret_key + "\n")
    settings = Settings(
        data_dir=tmp_path,
        store_url=seaweed.store_url("opened"),
        s3_endpoint=seaweed.endpoint,
        s3_access_key=seaweed.access_key,
        s3_secret_key_file=secret,
    )
    assert isinstance(open_store(settings), S3Store)
    secret.write_text("not-the-secret")
    with pytest.raises(StoreError, match="credentials"):
        open_store(settings)
    missing = Settings(
        data_dir=tmp_path,
        store_url="s3://no-such-bucket/x",
        s3_endpoint=seaweed.endpoint,
        s3_access_key=seaweed.access_key,
        s3_secret_key_file=tmp_path / "secret",
    )
    secret.write_text(seaweed.secret_key)
    with pytest.raises(StoreError, match="no-such-bucket"):
        open_store(missing)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://bucket/x", "expected s3://"),
        ("s3:///x", "expected s3://"),
        ("s3://bucket/a//b", "empty"),
        ("s3://bucket/x?y=1", "query"),
    ],
)
def test_bad_store_addresses_say_what_is_wrong(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        S3Location.parse(url)
    assert S3Location.parse("s3://bucket/a/b/") == S3Location("bucket", "a/b")
    assert S3Location.parse("s3://bucket") == S3Location("bucket", "")


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["--store", "http://bucket/x"], "expected s3://bucket/prefix"),
        (["--store", "s3://bucket/a//b"], "empty"),
        (["--s3-endpoint", "http://127.0.0.1:1"], "need --store"),
    ],
)
def test_omix_server_refuses_bad_store_options_before_starting(
    tmp_path: Path, arguments: list[str], problem: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server_stub", "--data-dir", str(tmp_path), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert problem in result.stderr
    assert not (tmp_path / "omix.db").exists()  # nothing was started
