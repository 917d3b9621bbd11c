"""Collecting request problems so one answer names every field at fault.

The first problem is the answer's ``error`` (status, code, message, field),
the whole list is in ``errors``, the same shape as FastAPI's own 422 body
produced by :mod:`server_stub.errors`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from omix_wire.files import check_size
from server_stub.errors import ApiError


class CodedValueError(ValueError):
    """Raised in pydantic validators: ``code`` becomes the error code on the wire."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Problem:
    status: int
    code: str
    message: str
    field: str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "params": self.params,
        }


class ApiErrors(ApiError):
    """Several problems in one answer; behaves as the first one."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(first.status, first.code, first.message, first.field, **first.params)
        self.problems = problems

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["errors"] = [problem.as_dict() for problem in self.problems]
        return body


class Problems:
    """A collector: ``add`` as checks fail, ``raise_if_any`` at the end."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(
        self, status: int, code: str, message: str, field: str | None = None, **params: Any
    ) -> None:
        self.items.append(Problem(status, code, message, field, params))

    def add_error(self, error: ApiError, field: str | None = None) -> None:
        self.items.append(
            Problem(error.status, error.code, error.message, field or error.field, error.params)
        )

    def refuse_empty(self, size: int, name: str, field: str) -> bool:
        """Record an empty file (:func:`omix_wire.files.check_size`); True when refused."""
        verdict = check_size(size)
        if verdict.ok:
            return False
        self.add(422, str(verdict.problem), verdict.describe(f"'{name}'"), field, name=name)
        return True

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ApiErrors(self.items)
