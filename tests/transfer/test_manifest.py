"""md5sum / BSD manifests and .md5 sidecars."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from omix_desktop.transfer.manifest import (
    ManifestError,
    format_manifest,
    parse_manifest,
    read_manifest,
    read_sidecar,
    write_manifest,
)

A = "0123456789abcdef0123456789abcdef"
B = "FEDCBA9876543210FEDCBA9876543210"


def test_reads_gnu_binary_and_bsd_lines() -> None:
    text = (
        f"{A}  reads_1.fq.gz\n"
        f"{B} *run1/reads_2.fq.gz\r\n"
        "\n# comment\n"
        f"MD5 (run2/sample.bam) = {A.upper()}\n"
        f"MD5(x.txt)= {A}\n"
    )
    entries = parse_manifest(text)
    assert [(e.name, e.md5, e.line) for e in entries] == [
        ("reads_1.fq.gz", A, 1),
        ("run1/reads_2.fq.gz", B.lower(), 2),
        ("run2/sample.bam", A, 5),
        ("x.txt", A, 6),
    ]


def test_round_trip_with_md5sum_check(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    names = ["a.txt", "with space.txt", "back\\slash.txt"]
    for index, name in enumerate(names):
        (folder / name).write_bytes(bytes([index]) * (index + 10))
    import hashlib

    pairs = [(n, hashlib.md5((folder / n).read_bytes()).hexdigest().upper()) for n in names]
    manifest = folder / "MANIFEST.md5"
    write_manifest(manifest, pairs)
    entries = read_manifest(manifest)
    assert [(e.name, e.md5) for e in entries] == [(n, m.lower()) for n, m in pairs]
    # GNU md5sum accepts what we write, escaping included
    check = subprocess.run(
        ["md5sum", "-c", manifest.name], cwd=folder, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    # and we read what md5sum writes
    produced = subprocess.run(
        ["md5sum", *names], cwd=folder, capture_output=True, text=True, check=True
    ).stdout
    assert [(e.name, e.md5) for e in parse_manifest(produced)] == [(n, m.lower()) for n, m in pairs]
    tagged = subprocess.run(
        ["md5sum", "--tag", *names], cwd=folder, capture_output=True, text=True, check=True
    ).stdout
    assert [(e.name, e.md5) for e in parse_manifest(tagged)] == [(n, m.lower()) for n, m in pairs]


def test_newline_in_name_round_trip() -> None:
    text = format_manifest([("odd\nname", A)])
    assert text.startswith("\\")
    assert parse_manifest(text)[0].name == "odd\nname"


def test_malformed_lines_reported_with_numbers() -> None:
    text = (
        f"{A}  good.txt\n"
        f"{A[:31]}  short.txt\n"
        f"{A} single_space.txt\n"
        "hello world\n"
        f"{B}  good.txt\n"
        f"MD5 (x) = {A[:20]}\n"
    )
    with pytest.raises(ManifestError) as caught:
        parse_manifest(text, source="m.md5")
    problems = caught.value.problems
    assert [p.line for p in problems] == [2, 3, 4, 5, 6]
    assert "31 characters" in problems[0].reason
    assert "two spaces" in problems[1].reason
    assert "line 1" in problems[3].reason  # duplicate name with another digest
    assert "m.md5" in str(caught.value) and "line 2" in str(caught.value)


def test_sidecars(tmp_path: Path) -> None:
    data = tmp_path / "OMIX006021-05.fragments.tar.gz"
    data.write_bytes(b"x")
    assert read_sidecar(data) is None
    sidecar = tmp_path / "OMIX006021-05.fragments.tar.gz.md5"
    sidecar.write_text(A.upper() + "\n")
    assert read_sidecar(data) == A
    sidecar.write_text(f"{B}  other.txt\n{A}  OMIX006021-05.fragments.tar.gz\n")
    assert read_sidecar(data) == A
    sidecar.write_text(f"{B}  other.txt\n{A}  another.txt\n")
    with pytest.raises(ManifestError):
        read_sidecar(data)
    sidecar.write_text("not a digest\n")
    with pytest.raises(ManifestError):
        read_sidecar(data)
