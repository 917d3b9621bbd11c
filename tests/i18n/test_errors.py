"""Error codes become sentences in the user's language that say what to do."""

from __future__ import annotations

import pytest

from omix_desktop.api.errors import (
    AuthenticationError,
    FieldProblem,
    ServerUnavailableError,
    ThrottledError,
    ValidationError,
    error_from_response,
)
from omix_desktop.i18n.errors import (
    api_error_message,
    check_name_label,
    check_result_message,
    field_errors,
    name_problem_message,
    name_verdict_message,
    suggested_action_label,
    transfer_failure_message,
)
from omix_desktop.i18n.translator import Translator
from omix_desktop.netcheck import Check
from omix_wire.naming import NameProblem, check_path

EN = Translator("en")
ZH = Translator("zh_CN")


def test_wrong_password() -> None:
    error = AuthenticationError(401, "invalid_credentials", "Wrong email or password.", "password")
    assert api_error_message(error, EN).startswith("Wrong email or password. Check both")
    assert api_error_message(error, ZH).startswith("邮箱或密码错误")


def test_throttling_says_how_long_to_wait() -> None:
    error = ThrottledError(429, "too_many_attempts", "...", "password", {"retry_after": 30})
    assert api_error_message(error, EN) == (
        "Too many failed sign-ins. Wait 30 seconds, then try again."
    )
    one = ThrottledError(429, "too_many_attempts", "...", "password", {"retry_after": 1})
    assert "Wait 1 second," in api_error_message(one, EN)
    assert api_error_message(error, ZH) == "登录失败次数过多。请等待 30 秒后重试。"


@pytest.mark.parametrize(
    ("code", "english"),
    [
        ("server_unreachable", "Cannot reach the server."),
        ("server_timeout", "The server did not answer in time."),
        ("session_expired", "Your session has expired."),
    ],
)
def test_connection_and_session_problems(code: str, english: str) -> None:
    kind = AuthenticationError if code == "session_expired" else ServerUnavailableError
    error = kind(0, code, "technical text")
    assert api_error_message(error, EN).startswith(english)
    assert "technical text" not in api_error_message(error, ZH)


def test_validation_errors_land_on_their_fields() -> None:
    body = {
        "error": {"code": "invalid", "message": "not an email", "field": "email"},
        "errors": [
            {"code": "invalid", "message": "value is not a valid email", "field": "email"},
            {
                "code": "too_short",
                "message": "...",
                "field": "password",
                "params": {"min_length": 8},
            },
            {"code": "invalid", "message": "This field is required.", "field": "city"},
        ],
    }
    error = error_from_response(422, body)
    assert isinstance(error, ValidationError)
    assert field_errors(error, EN) == {
        "email": "This is not a valid email address. Use the form name@example.org.",
        "password": "Too short: use at least 8 characters.",
        "city": "This field is required.",
    }
    assert field_errors(error, ZH)["password"] == "过短：至少需要 8 个字符。"
    assert api_error_message(error, EN) == (
        "3 fields need attention; see the messages next to them."
    )


def test_unknown_codes_still_say_something() -> None:
    problem = FieldProblem("brand_new_code", "Explained in English.", "title")
    error = ValidationError(400, problem.code, problem.message, problem.field, {}, [problem])
    assert "Explained in English." in api_error_message(error, ZH)
    server_down = ServerUnavailableError(503, "unexpected_response", "HTTP 503")
    assert api_error_message(server_down, EN).startswith("The server gave an answer")


def test_every_name_problem_is_explained() -> None:
    for problem in NameProblem:
        english = name_problem_message(problem.value, "my file.txt", " ", EN)
        chinese = name_problem_message(problem.value, "my file.txt", " ", ZH)
        assert "not an accepted name" not in english, problem
        assert english != chinese
    verdict = check_path("run1/sample#1.fq.gz")
    assert name_verdict_message(verdict, EN) == (
        "'sample#1.fq.gz' contains the special character '#'. Use only letters, digits, "
        "'.', '_' and '-'."
    )
    assert name_verdict_message(verdict, ZH).startswith("“sample#1.fq.gz”包含特殊字符“#”")
    server = error_from_response(
        400,
        {
            "error": {
                "code": "invalid_name",
                "message": "...",
                "field": "filename",
                "params": {"problem": "space", "component": "a b", "character": " "},
            }
        },
    )
    assert api_error_message(server, EN) == "'a b' contains a space. Replace it with '_' or '-'."


def test_every_transfer_failure_and_action_is_explained() -> None:
    from omix_desktop.transfer.reasons import FailureReason, SuggestedAction

    for reason in FailureReason:
        text = transfer_failure_message(reason.value, {"detail": "550 nope"}, ZH)
        assert not text.startswith("传输失败（"), reason
    for action in SuggestedAction:
        assert suggested_action_label(action.value, ZH) != action.value, action


def test_every_network_check_result_is_explained() -> None:
    from omix_desktop.netcheck import RESULT_CODES

    codes = set(RESULT_CODES)
    assert len(codes) >= 15
    for code in codes:
        text = check_result_message(code, {"url": "u", "host": "h", "port": 1, "user": "x"}, ZH)
        assert not text.startswith("意外结果"), code
        assert "{" not in text, code
    for check in Check:
        assert check_name_label(check.value, ZH) != check.value
