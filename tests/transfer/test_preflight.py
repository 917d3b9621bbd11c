"""Pre-flight: everything caught before a byte is sent."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest

from omix_desktop.transfer import preflight
from omix_desktop.transfer.hash_cache import FileStamp
from omix_desktop.transfer.preflight import IssueCode, Severity, check
from omix_desktop.transfer.selection import PlannedFile, plan_uploads


def hashed(path: Path, remote: str, md5: str) -> PlannedFile:
    stamp = FileStamp.of(path)
    return PlannedFile(path, PurePosixPath(remote), stamp.size, stamp.mtime_ns, md5)


def codes(report: preflight.PreflightReport) -> list[IssueCode]:
    return [issue.code for issue in report.issues]


def test_plan_keeps_folder_structure(make_file, tmp_path) -> None:
    make_file("run1/a.fq.gz", 10)
    make_file("run1/sub/b.fq.gz", 10)
    make_file("run1/.hidden", 10)
    make_file("run1/.DS_Store", 10)
    single = make_file("single.txt", 10)
    planned = plan_uploads([tmp_path / "local" / "run1", single], remote_base="batch1")
    assert [str(p.remote) for p in planned] == [
        "batch1/run1/a.fq.gz",
        "batch1/run1/sub/b.fq.gz",
        "batch1/single.txt",
    ]
    assert [str(p.remote) for p in plan_uploads([single])] == ["single.txt"]


def test_clean_files_pass(make_file) -> None:
    a = make_file("run1/a.fq.gz", 100)
    report = check(plan_uploads([a.parent]))
    assert report.ok and report.issues == ()


def test_bad_names_and_folders_use_the_shared_rule(make_file, tmp_path) -> None:
    make_file("my run/a.fq.gz", 10)
    make_file("run2/b(1).fq.gz", 10)
    report = check(plan_uploads([tmp_path / "local" / "my run", tmp_path / "local" / "run2"]))
    assert not report.ok
    bad = {str(i.remote): i for i in report.issues}
    first = bad["my run/a.fq.gz"]
    assert first.code is IssueCode.BAD_NAME and first.params["component"] == "my run"
    assert first.params["problem"] == "space"
    second = bad["run2/b(1).fq.gz"]
    assert second.params["character"] == "(" and second.blocking
    assert "special character" in second.describe()


def test_empty_missing_and_not_a_file(make_file, tmp_path) -> None:
    empty = make_file("empty.txt", 0)
    folder = tmp_path / "local" / "adir"
    folder.mkdir()
    planned = [
        PlannedFile(empty, PurePosixPath("empty.txt")),
        PlannedFile(tmp_path / "gone.txt", PurePosixPath("gone.txt")),
        PlannedFile(folder, PurePosixPath("adir")),
    ]
    report = check(planned)
    assert codes(report) == [IssueCode.EMPTY_FILE, IssueCode.MISSING, IssueCode.NOT_A_FILE]
    assert report.blocked_files() == {empty, tmp_path / "gone.txt", folder}


def test_size_warnings(make_file, monkeypatch) -> None:
    big = make_file("big.fq.gz", 3000)
    archive = make_file("bundle.tar.gz", 2000)
    monkeypatch.setattr(preflight, "FILE_WARNING_SIZE", 2500)
    monkeypatch.setattr(preflight, "ARCHIVE_WARNING_SIZE", 1500)
    report = check(plan_uploads([big, archive]))
    assert codes(report) == [IssueCode.FILE_TOO_LARGE, IssueCode.ARCHIVE_TOO_LARGE]
    assert report.ok  # warned, not refused
    assert all(i.severity is Severity.WARNING for i in report.issues)
    assert report.issues[1].params == {"size": 2000, "limit": 1500}


def test_sparse_file_over_20_gb_warned(tmp_path) -> None:
    sparse = tmp_path / "huge.bam"
    with open(sparse, "wb") as handle:
        handle.truncate(20 * 1000**3 + 1)
    report = check(plan_uploads([sparse]))
    assert codes(report) == [IssueCode.FILE_TOO_LARGE]
    assert "20 GB" in report.issues[0].describe()


def test_duplicates_and_same_destination(make_file) -> None:
    a = make_file("x/a.txt", 50, seed=1)
    b = make_file("y/b.txt", 50, seed=1)
    c = make_file("z/a.txt", 50, seed=2)
    md5 = "0" * 32
    report = check(
        [hashed(a, "a.txt", md5), hashed(b, "b.txt", md5.upper()), hashed(c, "a.txt", "1" * 32)]
    )
    assert codes(report) == [IssueCode.DUPLICATE_CONTENT, IssueCode.DUPLICATE_DESTINATION]
    assert report.issues[0].params["other"] == "a.txt"
    assert not report.ok


def test_changed_since_hashing(make_file) -> None:
    path = make_file("c.txt", 100)
    planned = hashed(path, "c.txt", "0" * 32)
    assert check([planned]).ok
    stamp = FileStamp.of(path)
    os.utime(path, ns=(stamp.mtime_ns + 10**9, stamp.mtime_ns + 10**9))
    report = check([planned])
    assert codes(report) == [IssueCode.CHANGED_SINCE_HASHING]


def test_sidecar_mismatch(make_file) -> None:
    path = make_file("s.txt", 100)
    report = check([hashed(path, "s.txt", "a" * 32)], sidecars={path: "B" * 32})
    assert codes(report) == [IssueCode.SIDECAR_MISMATCH]
    assert report.issues[0].params["stated"] == "b" * 32


@pytest.mark.parametrize("code", list(IssueCode))
def test_every_code_describes(code: IssueCode, tmp_path) -> None:
    params = {
        "detail": "d",
        "error": "e",
        "size": 3 * 10**10,
        "limit": 2 * 10**10,
        "md5": "m",
        "other": "o",
        "stated": "s",
        "sidecar": "x.md5",
    }
    issue = preflight.PreflightIssue(code, tmp_path / "f", "f", params)
    assert issue.describe()
