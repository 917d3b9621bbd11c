"""Local paths of Windows and macOS in the engine: the OS's form to open, NFC to send.

The path logic is plain string work (PureWindowsPath / PurePosixPath), so
both platforms' cases run here; the Linux cases also open real files.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

import pytest

from omix_desktop.transfer.hash_cache import FileStamp
from omix_desktop.transfer.hashing import md5_file
from omix_desktop.transfer.manifest import read_sidecar
from omix_desktop.transfer.preflight import IssueCode, check
from omix_desktop.transfer.selection import plan_uploads
from omix_wire.paths import (
    LONG_PATH_LIMIT,
    collision_key,
    extended_path,
    local_name,
    os_path,
    plain_path,
    remote_for,
    remote_name,
    remote_parts,
)

CAFE_NFD = unicodedata.normalize("NFD", "café.fq")


@pytest.mark.parametrize(
    ("path", "windows", "name"),
    [
        (r"C:\data\run1\x.fq", True, "x.fq"),
        ("C:/data/run1/x.fq", True, "x.fq"),
        (r"\\server\share\x.fq", True, "x.fq"),
        (r"\\server\share\run 1\y.fq.gz", True, "y.fq.gz"),
        (r"\\?\C:\very\long\z.bam", True, "z.bam"),
        ("/Users/me/data/x.fq", False, "x.fq"),
        (r"/home/me/odd\name.fq", False, r"odd\name.fq"),  # a backslash is a name character
        (f"/Users/me/{CAFE_NFD}", False, CAFE_NFD),
    ],
)
def test_the_name_of_a_local_path_on_each_system(path: str, windows: bool, name: str) -> None:
    assert local_name(path, windows=windows) == name


def test_the_remote_name_is_composed_whatever_the_system_gave() -> None:
    assert remote_name(CAFE_NFD) == "café.fq" != CAFE_NFD
    assert remote_parts(["runé", CAFE_NFD]) == PurePosixPath("runé/café.fq")
    assert str(remote_parts(["run1", "a.fq"])) == "run1/a.fq"


def drive_path(length: int) -> str:
    head = "C:\\data\\"
    return head + "d" * (length - len(head) - len("\\x.fq")) + "\\x.fq"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (r"C:\data\x.fq", r"C:\data\x.fq"),  # short: as it is
        (drive_path(LONG_PATH_LIMIT - 1), drive_path(LONG_PATH_LIMIT - 1)),
        (drive_path(LONG_PATH_LIMIT), "\\\\?\\" + drive_path(LONG_PATH_LIMIT)),
        (drive_path(300), "\\\\?\\" + drive_path(300)),
        (drive_path(300).replace("\\", "/"), "\\\\?\\" + drive_path(300)),  # / made \ first
        (
            "C:\\data\\..\\data\\" + drive_path(300)[len("C:\\data\\") :],
            "\\\\?\\" + drive_path(300),  # .. resolved: the prefix turns Windows' clean-up off
        ),
        (
            "\\\\server\\share\\" + "s" * 260 + "\\x.fq",
            "\\\\?\\UNC\\server\\share\\" + "s" * 260 + "\\x.fq",
        ),
        ("\\\\?\\" + drive_path(300), "\\\\?\\" + drive_path(300)),  # already extended
        ("relative\\" + "r" * 300, "relative\\" + "r" * 300),  # cannot be prefixed
        ("\\\\server\\share\\x.fq", "\\\\server\\share\\x.fq"),
    ],
)
def test_windows_long_paths_get_the_extended_prefix(path: str, expected: str) -> None:
    assert extended_path(path, windows=True) == expected


@pytest.mark.parametrize("path", ["/data/" + "p" * 400 + "/x.fq", drive_path(300)])
def test_other_systems_open_every_path_as_it_is(path: str) -> None:
    assert extended_path(path, windows=False) == path


def test_a_deep_path_over_260_characters_opens_and_hashes_here(tmp_path: Path) -> None:
    folder = tmp_path
    while len(str(folder)) < 300:
        folder = folder / ("deep" * 12)
    Path(os_path(folder)).mkdir(parents=True)  # on Windows too (CI runs this there)
    target = folder / "reads.fq"
    with open(os_path(target), "wb") as handle:
        handle.write(b"ACGT\n" * 1000)
    assert len(str(target)) > 260
    if os.name == "nt":
        assert os_path(target).startswith("\\\\?\\")
    else:
        assert os_path(target) == str(target)
    assert md5_file(target) == hashlib.md5(b"ACGT\n" * 1000).hexdigest()
    assert FileStamp.of(target).size == 5000
    assert check(plan_uploads([target])).ok


@pytest.mark.parametrize(
    ("a", "b", "collide"),
    [
        ("A.fq", "a.fq", True),
        ("run1/Sample.FQ", "RUN1/sample.fq", True),
        ("café.fq", CAFE_NFD, True),
        ("CAFÉ.fq", CAFE_NFD, True),
        ("a.fq", "a.fq.gz", False),
        ("run1/a.fq", "run2/a.fq", False),
    ],
)
def test_names_that_are_one_file_on_windows(a: str, b: str, collide: bool) -> None:
    assert (collision_key(a) == collision_key(b)) is collide


def test_a_case_only_duplicate_is_refused_before_upload(make_file, tmp_path: Path) -> None:
    upper = make_file("one/A.fq", 100, seed=1)
    lower = make_file("two/a.fq", 100, seed=2)
    other = make_file("three/b.fq", 100, seed=3)
    report = check(plan_uploads([upper, lower, other]))
    assert not report.ok
    (issue,) = report.issues
    assert issue.code is IssueCode.DUPLICATE_IGNORING_CASE and issue.blocking
    assert issue.local == lower and issue.params["other"] == "A.fq"
    assert "differ only in upper and lower case" in issue.describe()
    assert report.blocked_files() == {lower}


def test_an_nfd_file_on_disk_is_opened_as_it_is_and_sent_composed(make_file) -> None:
    local = make_file(f"run1/{CAFE_NFD}", 100)
    assert local.name == CAFE_NFD and local.exists()  # Linux keeps the bytes macOS gave
    (planned,) = plan_uploads([local.parent])
    assert planned.local == local  # opened with the OS's form
    assert planned.remote == PurePosixPath("run1/café.fq")  # checked and sent composed
    (issue,) = check([planned]).issues
    assert issue.code is IssueCode.BAD_NAME and issue.params["component"] == "café.fq"
    assert issue.params["character"] == "é"


def test_the_same_name_in_nfd_and_nfc_is_one_destination(make_file) -> None:
    decomposed = make_file(f"x/{CAFE_NFD}", 10, seed=1)
    composed_ = make_file("y/café.fq", 10, seed=2)
    report = check(plan_uploads([decomposed, composed_]))
    assert [i.code for i in report.issues if i.local == composed_] == [
        IssueCode.BAD_NAME,
        IssueCode.DUPLICATE_DESTINATION,
    ]


def test_a_sidecar_written_on_macos_names_the_file_in_nfd(tmp_path: Path) -> None:
    data = tmp_path / "café.fq"  # composed here, decomposed in the sidecar macOS wrote
    data.write_bytes(b"ACGT")
    digest = hashlib.md5(b"ACGT").hexdigest()
    sidecar = tmp_path / "café.fq.md5"
    sidecar.write_text(f"{'0' * 32}  other.fq\n{digest}  {CAFE_NFD}\n", encoding="utf-8")
    assert read_sidecar(data) == digest


@pytest.mark.parametrize(
    ("picked", "file", "remote"),
    [
        (
            PureWindowsPath(r"C:\data\run1"),
            PureWindowsPath(r"C:\data\run1\lane1\a.fq"),
            "run1/lane1/a.fq",
        ),  # noqa: E501
        (PureWindowsPath("C:/data/run1"), PureWindowsPath(r"c:\DATA\run1\a.fq"), "run1/a.fq"),
        (PureWindowsPath("D:\\"), PureWindowsPath(r"D:\x\a.fq"), "D/x/a.fq"),
        (
            PureWindowsPath(r"\\server\share\run1"),
            PureWindowsPath(r"\\server\share\run1\b.fq"),
            "run1/b.fq",
        ),  # noqa: E501
        (
            PureWindowsPath("\\\\server\\share\\"),
            PureWindowsPath(r"\\server\share\b.fq"),
            "share/b.fq",
        ),  # noqa: E501
        (
            PurePosixPath("/Volumes/data/run1"),
            PurePosixPath(f"/Volumes/data/run1/{CAFE_NFD}"),
            "run1/café.fq",
        ),  # noqa: E501
        (PurePosixPath("/"), PurePosixPath("/x/a.fq"), "files/x/a.fq"),
    ],
)
def test_the_remote_path_of_a_file_in_a_picked_folder(
    picked: PurePath, file: PurePath, remote: str
) -> None:
    assert remote_for(picked, file) == PurePosixPath(remote)


@pytest.mark.parametrize(
    "plain",
    [drive_path(300), "\\\\server\\share\\" + "s" * 260 + "\\x.fq", r"C:\short\x.fq"],
)
def test_the_extended_form_goes_back_to_the_plain_one(plain: str) -> None:
    extended = extended_path(plain, windows=True, force=True)
    assert extended.startswith("\\\\?\\") and plain_path(extended) == plain


def test_a_folder_deeper_than_260_characters_is_walked_whole(make_file, tmp_path: Path) -> None:
    top = tmp_path / "run1"
    deep = top
    while len(str(deep)) < 300:
        deep = deep / ("lane" * 10)
    Path(os_path(deep)).mkdir(parents=True)
    for folder, name in ((top, "a.fq"), (deep, "b.fq")):
        with open(os_path(folder / name), "wb") as handle:
            handle.write(b"ACGT")
    planned = plan_uploads([top])
    assert [p.local for p in planned] == [top / "a.fq", deep / "b.fq"]  # plain form kept
    assert str(planned[1].remote).startswith("run1/lanelane") and check(planned).ok


def test_a_remote_folder_typed_in_nfd_is_sent_composed(make_file) -> None:
    local = make_file("a.fq", 10)
    (planned,) = plan_uploads([local], remote_base=unicodedata.normalize("NFD", "/lot_é/"))
    assert planned.remote == PurePosixPath("lot_é/a.fq")


def test_a_name_differing_in_case_from_a_queued_upload_is_refused(make_file) -> None:
    lower = make_file("x/sample.fq", 10, seed=1)
    same = make_file("y/other.fq", 10, seed=2)
    report = check(plan_uploads([lower, same]), queued=["Sample.FQ", "other.fq"])
    (issue,) = report.issues  # other.fq again: the same path, it replaces the queued one
    assert issue.code is IssueCode.DUPLICATE_IGNORING_CASE and issue.local == lower
    assert issue.params == {"other": "Sample.FQ", "queued": True}
    assert "already in the upload queue" in issue.describe()
