"""The naming rule on what macOS and Windows hand over: NFD names, device names, trailing dots.

The rule runs on the client and at the server's FTP door, so a name that
cannot be saved on a Windows computer (``aux.fq``) or that macOS spells in
decomposed Unicode must get one verdict and one suggestion everywhere.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

import pytest

from omix_wire.naming import (
    NameProblem,
    check_name,
    check_path,
    composed,
    device_name,
    safe_name,
    safe_path,
)


def nfd(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text or text.isascii()
    return decomposed


@pytest.mark.parametrize("name", ["café.fq", "Ångström_run.fq", "naïve.fastq.gz", "Müller-2.bam"])
def test_an_nfd_name_gets_the_verdict_and_suggestion_of_its_nfc_form(name: str) -> None:
    decomposed = nfd(name)
    assert decomposed != name and len(decomposed) > len(name)
    assert composed(decomposed) == name
    as_nfc, as_nfd = check_name(name), check_name(decomposed)
    assert as_nfc == as_nfd
    assert as_nfd.problem is NameProblem.SPECIAL_CHARACTER
    assert as_nfd.component == name  # shown composed, not with combining marks
    assert not unicodedata.combining(as_nfd.character)  # 'é', not U+0301
    assert safe_name(decomposed) == safe_name(name)
    assert safe_name(decomposed).isascii() and check_name(safe_name(decomposed)).ok


def test_accents_are_dropped_in_the_suggestion() -> None:
    assert safe_name(nfd("café.fq")) == "cafe.fq"
    assert safe_name(nfd("Ångström run.fq")) == "Angstrom_run.fq"
    assert safe_name("样本.fq") == "file.fq"  # nothing to keep: the extension survives
    assert safe_path(PurePosixPath(nfd("résumé/été.fq"))) == PurePosixPath("resume/ete.fq")


def test_a_path_is_checked_in_its_composed_form() -> None:
    verdict = check_path(nfd("run1/déjà.fq"))
    assert verdict.component == "déjà.fq" and verdict.character == "é"
    assert composed("plain/ascii.fq") == "plain/ascii.fq"


@pytest.mark.parametrize(
    ("name", "device", "suggestion"),
    [
        ("CON", "CON", "CON_"),
        ("con", "CON", "con_"),
        ("aux.fq", "AUX", "aux_.fq"),
        ("nul.txt", "NUL", "nul_.txt"),
        ("Prn.tar.gz", "PRN", "Prn_.tar.gz"),
        ("COM1", "COM1", "COM1_"),
        ("com9.fq", "COM9", "com9_.fq"),
        ("LPT3.bam", "LPT3", "LPT3_.bam"),
        ("lpt0", "LPT0", "lpt0_"),
    ],
)
def test_windows_device_names_are_refused_with_a_suggestion(
    name: str, device: str, suggestion: str
) -> None:
    verdict = check_name(name)
    assert verdict.problem is NameProblem.RESERVED_NAME
    assert device_name(name) == device
    assert f"({device})" in verdict.describe() and "Windows" in verdict.describe()
    assert safe_name(name) == suggestion and check_name(suggestion).ok
    folder = check_path(f"run1/{name}/a.fq")
    assert folder.problem is NameProblem.RESERVED_NAME and folder.component == name


@pytest.mark.parametrize(
    "name", ["console.fq", "COM10", "auxiliary.fq", "nul_.txt", "CON_", "a.con"]
)
def test_names_that_only_look_like_devices_pass(name: str) -> None:
    assert check_name(name).ok and device_name(name) is None


@pytest.mark.parametrize(
    ("name", "problem", "suggestion"),
    [
        ("a.fq.", NameProblem.TRAILING_DOT, "a.fq"),
        ("run1..", NameProblem.TRAILING_DOT, "run1"),
        ("...", NameProblem.TRAILING_DOT, "file"),
        ("a.fq ", NameProblem.SPACE, "a.fq"),
        ("a.fq. ", NameProblem.SPACE, "a.fq"),
        ("aux .fq", NameProblem.SPACE, "aux_.fq"),
    ],
)
def test_trailing_dots_and_spaces_are_refused(
    name: str, problem: NameProblem, suggestion: str
) -> None:
    assert check_name(name).problem is problem
    assert safe_name(name) == suggestion and check_name(suggestion).ok


def test_every_refusal_has_an_accepted_suggestion() -> None:
    names = ["CON", "aux.fq", "a.", "my file.fq", nfd("café"), "中文", "x" * 300 + ".fq.gz", "."]
    for name in names:
        assert check_name(safe_name(name)).ok, name
