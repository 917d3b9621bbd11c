"""The desktop's pre-flight and the server refuse an empty file by one rule.

Both use :func:`omix_wire.files.check_size`: the issue code is the server's
error code and the English text is the server's message.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from omix_desktop.transfer.preflight import IssueCode, check
from omix_desktop.transfer.selection import PlannedFile
from omix_wire.files import SizeProblem, check_size


def test_preflight_uses_the_shared_size_rule(make_file) -> None:
    empty = make_file("empty.fq.gz", 0)
    one_byte = make_file("one.fq.gz", 1)
    report = check(
        [
            PlannedFile(empty, PurePosixPath("run1/empty.fq.gz")),
            PlannedFile(one_byte, PurePosixPath("run1/one.fq.gz")),
        ]
    )
    (issue,) = report.issues
    assert issue.code is IssueCode.EMPTY_FILE and issue.blocking
    assert issue.code.value == SizeProblem.EMPTY.value == "empty_file"
    assert issue.describe() == check_size(0).describe("run1/empty.fq.gz")
    assert "Upload it again with its content" in issue.describe()


def test_the_rule() -> None:
    assert not check_size(0).ok and check_size(0).problem is SizeProblem.EMPTY
    assert not check_size(-1).ok
    assert check_size(1).ok
