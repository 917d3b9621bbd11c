"""The server's input-rule codes (issue 11) are translated, with their parameters."""

from __future__ import annotations

from omix_desktop.api.errors import FieldProblem, ValidationError
from omix_desktop.i18n.errors import api_error_message, field_errors
from omix_desktop.i18n.translator import Translator

EN = Translator("en")
ZH = Translator("zh_CN")


def _error(code: str, field: str, **params: object) -> ValidationError:
    problem = FieldProblem(code, "English from the server", field, dict(params))
    return ValidationError(422, code, problem.message, field, dict(params), [problem])


def test_control_character() -> None:
    error = _error("invalid_character", "title", character="U+0000")
    assert "control character (U+0000)" in api_error_message(error, EN)
    assert "U+0000" in api_error_message(error, ZH) and "控制字符" in api_error_message(error, ZH)
    assert set(field_errors(error, ZH)) == {"title"}


def test_release_date_too_far() -> None:
    error = _error("release_date_too_far", "release_date", years=5, latest="2031-05-01")
    assert "at most 5 years ahead (on or before 2031-05-01)" in api_error_message(error, EN)
    assert "5 年" in api_error_message(error, ZH) and "2031-05-01" in api_error_message(error, ZH)


def test_empty_file() -> None:
    error = _error("empty_file", "files.0.path", name="run1/a.fq.gz")
    english = api_error_message(error, EN)
    assert english.startswith("'run1/a.fq.gz' is empty (0 bytes)")
    assert "Upload it again with its content" in english
    assert "run1/a.fq.gz" in api_error_message(error, ZH) and "空" in api_error_message(error, ZH)
