"""Which data files the archive takes, by size: the rule client and server share.

An empty (0-byte) file is never data: it is what a copy that failed, a
transfer cut before its first byte or a placeholder leaves behind, and its
MD5 (``d41d8cd9…``) is the same for every one of them. The desktop's
pre-flight refuses it before the upload; the server refuses it in an online
upload and when a pre-uploaded file is selected or archived. Both call
:func:`check_size`, so they can never disagree, and both say the same thing:
the file is empty, upload it again with its content.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SizeProblem(StrEnum):
    """Machine-readable reason (the error code on the wire); clients translate it."""

    EMPTY = "empty_file"


@dataclass(frozen=True, slots=True)
class SizeVerdict:
    """Outcome of :func:`check_size`."""

    problem: SizeProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def describe(self, name: str = "The file") -> str:
        """English explanation with what to do, for server messages and logs."""
        if self.problem is None:
            return f"{name} can be archived."
        return (
            f"{name} is empty (0 bytes): the archive does not accept empty files. "
            "Upload it again with its content."
        )


def check_size(size: int) -> SizeVerdict:
    """Whether a file of ``size`` bytes can be archived (anything but empty)."""
    if size <= 0:
        return SizeVerdict(SizeProblem.EMPTY)
    return SizeVerdict()
